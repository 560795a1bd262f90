import { describe, expect, test } from 'vitest';
import { Component, Platform, findObject, renderTestCluster } from '@platform/core';
import { Namespaces } from '@platform/namespaces';
import { ArgoCd } from '@platform/argocd';

class Operator extends Component {
  constructor(scope: Platform, id: string, dependsOn: string[] = []) {
    super(scope, id, {
      namespace: 'cnpg-system',
      project: 'infrastructure',
      dependsOn,
      chart: { repoURL: 'https://cloudnative-pg.github.io/charts', chart: 'cloudnative-pg', version: '0.26.0', values: {} },
      upstreamClusterKinds: [{ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' }],
    });
  }
}

describe('ArgoCd', () => {
  const cluster = renderTestCluster((p) => {
    new Namespaces(p, 'namespaces');
    new Operator(p, 'operator', ['namespaces']);
    new ArgoCd(p, 'argocd');
  });

  test('renders one ApplicationSet per wave, excluding itself', () => {
    const sets = cluster.components.find((c) => c.name === 'argocd')!.objects.filter((o) => o.kind === 'ApplicationSet');
    expect(sets.map((s) => s.metadata.name)).toEqual(['platform-wave-0', 'platform-wave-1']);
    expect(sets[1].spec.generators[0].selector).toEqual({ matchLabels: { wave: '1' } });
    expect(sets[1].spec.generators[0].git.files).toEqual([
      { path: 'dist/test/*/component.json' },
      { path: 'dist/test/argocd/component.json', exclude: true },
    ]);
  });

  test('AppProjects list exactly the repositories, namespaces and cluster kinds their components need', () => {
    const infra = findObject(cluster, 'argocd', 'AppProject', 'infrastructure');
    expect(infra.spec.sourceRepos).toEqual([
      'https://argoproj.github.io/argo-helm',
      'https://cloudnative-pg.github.io/charts',
      'https://github.com/example-org/platform-manifests.git',
    ]);
    expect(infra.spec.clusterResourceWhitelist).toContainEqual({ group: '', kind: 'Namespace' });
    expect(infra.spec.clusterResourceWhitelist).toContainEqual({ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' });
    expect(infra.spec.destinations.map((d: any) => d.namespace)).toContain('cnpg-system');
    const apps = findObject(cluster, 'argocd', 'AppProject', 'apps');
    expect(apps.spec).toMatchObject({
      sourceRepos: ['https://github.com/example-org/platform-manifests.git'],
      destinations: [],
      clusterResourceWhitelist: [],
    });
  });

  test('replicas and HA follow props, with PDBs and spread', () => {
    const ha = renderTestCluster(
      (p) => {
        new Namespaces(p, 'namespaces');
        new ArgoCd(p, 'argocd', { replicas: 3 });
      },
      { environment: 'prod', availability: { replicas: 2, spread: 'zone' } },
    );
    const values = ha.components.find((c) => c.name === 'argocd')!.values as any;
    expect(values.server).toMatchObject({ replicas: 3, pdb: { enabled: true, maxUnavailable: 1 } });
    expect(values.repoServer.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
    expect(values['redis-ha'].enabled).toBe(true);
    expect(values.redis.enabled).toBe(false);
    const single = cluster.components.find((c) => c.name === 'argocd')!.values as any;
    expect(single.server.pdb.enabled).toBe(false);
    expect(single['redis-ha'].enabled).toBe(false);
  });

  test('replicas below 1 are rejected', () => {
    expect(() => renderTestCluster((p) => new ArgoCd(p, 'argocd', { replicas: 0 }))).toThrow(
      'components.argocd.replicas: got 0, replicas must be an integer ≥ 1',
    );
  });
});
