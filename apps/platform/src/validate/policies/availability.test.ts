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
  it('a Deployment with 2 replicas and no PodDisruptionBudget fails', () => {
    const result = run((b) => {
      b.pdb.metadata.name = 'other';
      b.pdb.spec.selector = { matchLabels: { 'app.kubernetes.io/name': 'web' } };
    });
    expect(result.findings.map((f) => [f.rule, f.object, f.path])).toEqual([
      ['pod-disruption-budget', 'Deployment/api/api', 'spec.replicas'],
    ]);
    expect(result.findings[0].message).toBe(
      'Deployment/api/api: 2 replicas and no PodDisruptionBudget in namespace "api" selects its pod labels {"app.kubernetes.io/name":"api"}',
    );
  });

  it('a ReplicaSet and a StatefulSet with replicas > 1 need a PDB and spread too; a DaemonSet does not', () => {
    const { findings } = run((b) => {
      const spec = structuredClone(pod(b));
      delete spec.topologySpreadConstraints;
      const template = (name: string) => ({ metadata: { labels: { 'app.kubernetes.io/name': name } }, spec });
      b.extra.push(
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: { name: 'r', namespace: 'api' },
          spec: { replicas: 2, template: template('r') },
        },
        {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 's', namespace: 'api' },
          spec: { replicas: 3, template: template('s') },
        },
        { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd', namespace: 'api' }, spec: { template: template('d') } },
      );
    });
    expect(findings.map((f) => [f.object, f.rule])).toEqual([
      ['ReplicaSet/api/r', 'pod-disruption-budget'],
      ['ReplicaSet/api/r', 'spread-replicas'],
      ['StatefulSet/api/s', 'pod-disruption-budget'],
      ['StatefulSet/api/s', 'spread-replicas'],
    ]);
  });

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
    expect(rules({ findings })).toEqual(['pod-disruption-budget']);
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
