import { describe, expect, it } from 'vitest';
import { pod, run, type Baseline } from './test-helpers';

describe('passing alternatives', () => {
  const passes = (mutate: (b: Baseline) => void) => expect(run(mutate).findings).toEqual([]);

  it('pod automount unset when its ServiceAccount, rendered here, sets false', () =>
    passes((b) => delete pod(b).automountServiceAccountToken));
});

describe('API access', () => {
  it('a pod spec with automount unset and a ServiceAccount that is not rendered here', () => {
    const { findings } = run((b) => {
      delete pod(b).automountServiceAccountToken;
      pod(b).serviceAccountName = 'elsewhere';
    });
    expect(findings.map((f) => [f.rule, f.path])).toEqual([
      ['no-automount-service-account-token', 'spec.template.spec.automountServiceAccountToken'],
    ]);
  });

  it('RBAC wildcards in apiGroups and resources of ClusterRoles too', () => {
    const { findings } = run((b) =>
      b.extra.push({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'x' },
        rules: [{ apiGroups: ['*'], resources: ['pods/*'], verbs: ['get'] }],
      }),
    );
    expect(findings.map((f) => f.path)).toEqual(['rules[0].apiGroups', 'rules[0].resources']);
  });
});
