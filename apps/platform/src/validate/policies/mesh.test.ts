import { describe, expect, it } from 'vitest';
import { rules, run, type Baseline } from './test-helpers';

describe('passing alternatives', () => {
  const passes = (mutate: (b: Baseline) => void) => expect(run(mutate).findings).toEqual([]);

  it('a namespace-wide STRICT PeerAuthentication without a mesh-wide one; istio.io/rev label', () =>
    passes((b) => {
      b.namespace.metadata.labels = { 'istio.io/rev': 'stable' };
      b.mesh.metadata.namespace = 'api';
    }));

  it('a workload-scoped PERMISSIVE PeerAuthentication does not weaken the namespace', () =>
    passes((b) =>
      b.extra.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: 'db', namespace: 'api' },
        spec: { selector: { matchLabels: { 'cnpg.io/cluster': 'db' } }, mtls: { mode: 'PERMISSIVE' } },
      }),
    ));

  it('an unmeshed namespace needs no PeerAuthentication', () =>
    passes((b) => {
      b.namespace.metadata.labels = {};
      b.mesh.spec.mtls.mode = 'DISABLE';
    }));
});

describe('mesh mTLS', () => {
  it('a namespace PeerAuthentication overrides a STRICT mesh-wide one', () => {
    const result = run((b) =>
      b.extra.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: 'default', namespace: 'api' },
        spec: { mtls: { mode: 'PERMISSIVE' } },
      }),
    );
    expect(rules(result)).toEqual(['mesh-mtls-strict']);
    expect(result.findings[0].message).toContain('"PERMISSIVE"');
  });

  it('a missing mesh-wide PeerAuthentication is reported on the Namespace', () => {
    const { findings } = run((b) => (b.mesh.metadata.namespace = 'somewhere'));
    expect(findings.map((f) => [f.rule, f.object])).toEqual([['mesh-mtls-strict', 'Namespace/api']]);
  });
});
