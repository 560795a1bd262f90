import { describe, expect, it } from 'vitest';
import { scanSecrets } from '../secrets';
import { applyScanExemptions, checkPolicies } from './index';
import { app, baseline, contextOf, pod, rules, run, type Baseline } from './test-helpers';

describe('exemptions', () => {
  const exempt = (b: Baseline, annotations: Record<string, string>) => {
    b.deployment.metadata.annotations = annotations;
    app(b).securityContext.readOnlyRootFilesystem = false;
  };

  it('a valid exemption waives the policy on that object and is listed', () => {
    const result = run((b) =>
      exempt(b, { 'policy.platform/exempt-read-only-root-filesystem': 'the image writes its cache to /var/lib/app' }),
    );
    expect(result.findings).toEqual([]);
    expect(result.exemptions).toEqual([
      {
        cluster: 'dev',
        file: 'dist/dev/api/manifests/deployment-api.yaml',
        object: 'Deployment/api/api',
        policy: 'read-only-root-filesystem',
        reason: 'the image writes its cache to /var/lib/app',
        on: 'object',
        path: 'metadata.annotations["policy.platform/exempt-read-only-root-filesystem"]',
      },
    ]);
  });

  it('an exemption without a reason is an error and waives nothing', () => {
    const result = run((b) => exempt(b, { 'policy.platform/exempt-read-only-root-filesystem': '  ' }));
    expect(rules(result).sort()).toEqual(['exemption-without-reason', 'read-only-root-filesystem']);
    expect(result.exemptions).toEqual([]);
    const finding = result.findings.find((f) => f.rule === 'exemption-without-reason');
    expect(finding?.path).toBe('metadata.annotations["policy.platform/exempt-read-only-root-filesystem"]');
  });

  it('an exemption naming an unknown policy is an error', () => {
    const result = run((b) => exempt(b, { 'policy.platform/exempt-read-only-rootfs': 'typo' }));
    expect(rules(result).sort()).toEqual(['read-only-root-filesystem', 'unknown-exemption']);
    expect(result.findings.find((f) => f.rule === 'unknown-exemption')?.message).toContain('"read-only-rootfs"');
  });

  it('no-secret-data cannot be exempted', () => {
    const result = run((b) =>
      b.extra.push({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: 'api', annotations: { 'policy.platform/exempt-no-secret-data': 'please' } },
        data: { a: 'Yg==' },
      }),
    );
    expect(rules(result).sort()).toEqual(['no-secret-data', 'unknown-exemption']);
  });

  it('an exemption on the pod template is accepted and listed as such (charts that only take pod annotations)', () => {
    const result = run((b) => {
      app(b).securityContext.readOnlyRootFilesystem = false;
      b.deployment.spec.template.metadata.annotations = { 'policy.platform/exempt-read-only-root-filesystem': 'cache' };
    });
    expect(result.findings).toEqual([]);
    expect(result.exemptions).toMatchObject([
      {
        object: 'Deployment/api/api',
        policy: 'read-only-root-filesystem',
        reason: 'cache',
        on: 'pod-template',
        path: 'spec.template.metadata.annotations["policy.platform/exempt-read-only-root-filesystem"]',
      },
    ]);
  });

  it("a CronJob's pod template is under jobTemplate", () => {
    const result = run((b) => {
      const spec = structuredClone(pod(b));
      spec.containers[0].securityContext.readOnlyRootFilesystem = false;
      b.extra.push({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'backup', namespace: 'api' },
        spec: {
          schedule: '0 3 * * *',
          jobTemplate: {
            spec: {
              template: { metadata: { annotations: { 'policy.platform/exempt-read-only-root-filesystem': 'pg_dump spool' } }, spec },
            },
          },
        },
      });
    });
    expect(result.findings).toEqual([]);
    expect(result.exemptions.map((e) => [e.object, e.on, e.path])).toEqual([
      [
        'CronJob/api/backup',
        'pod-template',
        'spec.jobTemplate.spec.template.metadata.annotations["policy.platform/exempt-read-only-root-filesystem"]',
      ],
    ]);
  });

  it('the same exemption on the workload and its pod template is a warning; the first is listed', () => {
    const key = 'policy.platform/exempt-read-only-root-filesystem';
    const result = run((b) => {
      exempt(b, { [key]: 'cache' });
      b.deployment.spec.template.metadata.annotations = { [key]: 'cache again' };
    });
    expect(result.findings.map((f) => [f.rule, f.severity, f.path])).toEqual([
      ['duplicate-exemption', 'warning', `spec.template.metadata.annotations["${key}"]`],
    ]);
    expect(result.exemptions.map((e) => [e.on, e.reason])).toEqual([['object', 'cache']]);
  });

  it('an exemption on a chart-rendered object (a hook Job) is listed with its reason', () => {
    const result = run((b) => {
      const spec = structuredClone(pod(b));
      spec.containers[0].securityContext.readOnlyRootFilesystem = false;
      b.extra.push({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: 'api-upgrade-crds',
          namespace: 'api',
          labels: { 'app.kubernetes.io/managed-by': 'Helm', 'helm.sh/chart': 'api-1.2.3' },
          annotations: {
            'helm.sh/hook': 'pre-upgrade',
            'policy.platform/exempt-read-only-root-filesystem': 'kubectl in the upstream hook writes its discovery cache to $HOME',
          },
        },
        spec: { template: { spec } },
      });
    });
    expect(result.findings).toEqual([]);
    expect(result.exemptions).toEqual([
      {
        cluster: 'dev',
        file: 'dist/dev/api/manifests/job-api-upgrade-crds.yaml',
        object: 'Job/api/api-upgrade-crds',
        policy: 'read-only-root-filesystem',
        reason: 'kubectl in the upstream hook writes its discovery cache to $HOME',
        on: 'object',
        path: 'metadata.annotations["policy.platform/exempt-read-only-root-filesystem"]',
      },
    ]);
  });

  it('an exemption the object does not need is a warning', () => {
    const result = run((b) => (b.deployment.metadata.annotations = { 'policy.platform/exempt-no-host-path': 'just in case' }));
    expect(result.findings.map((f) => [f.rule, f.severity])).toEqual([['unused-exemption', 'warning']]);
    expect(result.exemptions).toHaveLength(1);
  });

  it('namespace policies are exempted on the Namespace', () => {
    const result = run((b) => {
      b.denyAll.metadata.namespace = 'elsewhere';
      b.namespace.metadata.annotations = {
        'policy.platform/exempt-namespace-default-deny': 'Cilium clusterwide policies cover kube-system',
      };
    });
    expect(result.findings).toEqual([]);
    expect(result.exemptions.map((e) => e.object)).toEqual(['Namespace/api']);
  });
});

describe("exemptions of other checks' warnings", () => {
  const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const digest = Array.from({ length: 40 }, (_, i) => ALNUM[(i * 7 + 3) % ALNUM.length]).join('');
  const KEY = 'policy.platform/exempt-high-entropy-env-value';
  const context = (annotate: boolean, env: boolean) => {
    const b = baseline();
    if (env) app(b).env = [{ name: 'SENTINEL_ID_0', value: digest }];
    if (annotate) b.deployment.metadata.annotations = { [KEY]: 'sha1 of the release name, computed by the chart: an identifier' };
    return contextOf(b);
  };

  it('the secret scan entropy warning on an env value can be exempted on the object, and is listed', () => {
    const ctx = context(true, true);
    const policies = checkPolicies(ctx);
    expect(policies.findings).toEqual([]);
    expect(policies.exemptions.map((e) => [e.object, e.policy])).toEqual([['Deployment/api/api', 'high-entropy-env-value']]);
    expect(scanSecrets(ctx).map((f) => f.rule)).toEqual(['high-entropy-env-value']);
    expect(applyScanExemptions(scanSecrets(ctx), policies.exemptions)).toEqual([]);
  });

  it('without the exemption the warning stays; an exemption with nothing to waive is a warning', () => {
    const noExemption = context(false, true);
    expect(applyScanExemptions(scanSecrets(noExemption), checkPolicies(noExemption).exemptions).map((f) => f.rule)).toEqual([
      'high-entropy-env-value',
    ]);
    const unneeded = context(true, false);
    expect(applyScanExemptions(scanSecrets(unneeded), checkPolicies(unneeded).exemptions).map((f) => [f.rule, f.severity, f.path])).toEqual(
      [['unused-exemption', 'warning', `metadata.annotations["${KEY}"]`]],
    );
  });
});
