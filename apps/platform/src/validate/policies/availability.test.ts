import { describe, expect, it } from 'vitest';
import { selectorMatches } from './index';
import { pod, rules, run, type Baseline } from './test-helpers';

describe('passing alternatives', () => {
  const passes = (mutate: (b: Baseline) => void) => expect(run(mutate).findings).toEqual([]);

  it('podAntiAffinity instead of topologySpreadConstraints', () =>
    passes((b) => {
      delete pod(b).topologySpreadConstraints;
      pod(b).affinity = {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } }],
        },
      };
    }));

  it('a single replica needs neither PDB nor spread', () =>
    passes((b) => {
      b.deployment.spec.replicas = 1;
      b.pdb.metadata.name = 'unrelated';
      b.pdb.spec.selector = { matchLabels: { x: 'y' } };
      delete pod(b).topologySpreadConstraints;
    }));

  it('a PDB selecting by matchExpressions; a PDB in the component namespace without metadata.namespace', () =>
    passes((b) => {
      delete b.pdb.metadata.namespace; // the api component's namespace is "api"
      b.pdb.spec.selector = { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['api', 'web'] }] };
    }));
});

describe('replicated workloads', () => {
  it('counts an HPA minReplicas > 1 as a replicated workload', () => {
    const { findings } = run((b) => {
      b.deployment.spec.replicas = 1;
      delete b.pdb.spec.selector;
      b.extra.push({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'api', namespace: 'api' },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, minReplicas: 2, maxReplicas: 5 },
      });
    });
    expect(rules({ findings, exemptions: [] })).toEqual(['pod-disruption-budget']);
    expect(findings[0].message).toContain('2 replicas');
  });

  it('a PDB in another namespace does not count', () => {
    expect(rules(run((b) => (b.pdb.metadata.namespace = 'other')))).toEqual(['pod-disruption-budget']);
  });

  it('selectorMatches follows Kubernetes semantics', () => {
    const labels = { app: 'api', tier: 'web' };
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches(null, labels)).toBe(false);
    expect(
      selectorMatches({ matchLabels: { app: 'api' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] }, labels),
    ).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
  });
});
