import { describe, expect, test } from 'vitest';
import {
  Component,
  Namespace,
  Platform,
  findComponent,
  findObject,
  renderTestCluster,
  renderTestClusterWithCharts,
  testChart,
  provide,
  VAULT,
  VAULT_SECRETS,
  workload,
} from '@platform/core';
import { ArgoCd, SYNC_TIMEOUT_SECONDS } from '@platform/argocd';
import { APPLICATIONSET_HEALTH_LUA } from './health';
import { ARGOCD_CHART } from './versions';

const REPO = 'https://github.com/example-org/platform-manifests.git';

class Operator extends Component {
  constructor(scope: Platform, id: string) {
    super(scope, id, {
      namespace: Namespace.restricted('cnpg-system'),
      project: 'infrastructure',
      chart: testChart({
        repoURL: 'https://cloudnative-pg.github.io/charts',
        chart: 'cloudnative-pg',
        apiVersions: ['postgresql.cnpg.io/v1'],
      }),
    });
  }
}

/** What the cloudnative-pg chart would render, in short. */
const operatorRender = [
  {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'clusters.postgresql.cnpg.io' },
    spec: { group: 'postgresql.cnpg.io', scope: 'Namespaced', names: { kind: 'Cluster' }, versions: [{ name: 'v1', served: true }] },
  },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cnpg-manager' } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cnpg-controller-manager' } },
];

describe('ArgoCd', () => {
  const cluster = renderTestClusterWithCharts(
    (p) => {
      new Operator(p, 'operator');
      new ArgoCd(p, 'argocd');
    },
    { operator: operatorRender },
  );
  const argocd = findComponent(cluster, 'argocd');

  test('runs in its own restricted namespace in the bootstrap project, from the pinned chart', () => {
    expect(argocd).toMatchObject({ namespace: 'argocd', project: 'bootstrap', wave: 1, dependsOn: ['namespaces'] });
    expect(argocd.chart).toEqual({
      repoURL: ARGOCD_CHART.repoURL,
      chart: 'argo-cd',
      version: ARGOCD_CHART.version,
      digest: ARGOCD_CHART.pin.digest,
      releaseName: 'argocd',
    });
    const ns = findObject(cluster, 'namespaces', 'Namespace', 'argocd');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('one ApplicationSet per other component, waved like it; the bootstrap Applications argocd and platform', () => {
    const sets = argocd.objects.filter((o) => o.kind === 'ApplicationSet');
    expect(sets.map((s) => [s.metadata.name, s.metadata.annotations['argocd.argoproj.io/sync-wave']]).sort()).toEqual([
      ['namespaces', '0'],
      ['operator', '1'],
    ]);
    expect(findObject(cluster, 'argocd', 'ApplicationSet', 'operator').spec.generators[0].git.files).toEqual([
      { path: 'dist/test/operator/component.json' },
    ]);
    const apps = argocd.objects.filter((o) => o.kind === 'Application');
    expect(apps.map((a) => [a.metadata.name, a.spec.source.directory])).toEqual([
      ['argocd', { exclude: 'applicationset-*.yaml' }],
      ['platform', { include: 'applicationset-*.yaml' }],
    ]);
  });

  test('AppProjects source only this repository; the operator project reaches its namespace and its chart kinds, never argocd', () => {
    const infra = findObject(cluster, 'argocd', 'AppProject', 'infrastructure');
    expect(infra.spec.sourceRepos).toEqual([REPO]);
    expect(infra.spec.destinations.map((d: any) => d.namespace)).toEqual(['cnpg-system']);
    expect(infra.spec.clusterResourceWhitelist).toEqual([
      { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
    ]);
    expect(infra.spec.namespaceResourceBlacklist.map((k: any) => k.kind)).toEqual(['Application', 'ApplicationSet', 'AppProject']);
    const bootstrap = findObject(cluster, 'argocd', 'AppProject', 'bootstrap');
    expect(bootstrap.spec.sourceRepos).toEqual([REPO]);
    expect(bootstrap.spec.destinations.map((d: any) => d.namespace)).toEqual(['argocd', 'cnpg-system']);
    expect(bootstrap.spec.namespaceResourceBlacklist).toBeUndefined();
    expect(findObject(cluster, 'argocd', 'AppProject', 'apps').spec).toMatchObject({
      sourceRepos: [REPO],
      destinations: [],
      clusterResourceWhitelist: [],
    });
  });

  test('values: waves wait for healthy ApplicationSets, syncs time out, our NetworkPolicies replace the chart’s', () => {
    const values = argocd.values as any;
    expect(values.configs.cm['resource.customizations.health.argoproj.io_ApplicationSet']).toBe(APPLICATIONSET_HEALTH_LUA);
    expect(values.configs.params['controller.sync.timeout.seconds']).toBe(SYNC_TIMEOUT_SECONDS);
    expect(SYNC_TIMEOUT_SECONDS).toBeGreaterThan(0);
    expect(values.global.networkPolicy).toEqual({ create: false });
    expect(values.crds).toEqual({ install: true, keep: true });
    expect(findObject(cluster, 'argocd', 'NetworkPolicy', 'allow-to-git-repository-from-argocd-repo-server').spec.egress[0].ports).toEqual([
      { port: 443, protocol: 'TCP' },
      { port: 22, protocol: 'TCP' },
    ]);
  });

  test('replicas and HA follow props, with PDBs and spread', () => {
    const ha = renderTestCluster((p) => new ArgoCd(p, 'argocd', { replicas: 3 }), {
      environment: 'prod',
      availability: { replicas: 2, spread: 'zone' },
    });
    const values = findComponent(ha, 'argocd').values as any;
    expect(values.server).toMatchObject({ replicas: 3, pdb: { enabled: true, maxUnavailable: 1 } });
    expect(values.repoServer.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
    expect(values['redis-ha'].enabled).toBe(true);
    expect(values.redis.enabled).toBe(false);
    const single = argocd.values as any;
    expect(single.server.pdb.enabled).toBe(false);
    expect(single['redis-ha'].enabled).toBe(false);
    expect(single.redis.enabled).toBe(true);
  });

  test('replicas below 1 are rejected', () => {
    expect(() => renderTestCluster((p) => new ArgoCd(p, 'argocd', { replicas: 0 }))).toThrow(
      'components.argocd.replicas: got 0, replicas must be an integer ≥ 1',
    );
  });
});

describe('a private repository', () => {
  /** Stand-ins for Vault and its secrets operator: they only announce what they provide. */
  class Secrets extends Component {
    constructor(scope: Platform) {
      super(scope, 'vault', { namespace: Namespace.restricted('vault'), project: 'infrastructure' });
      provide(VAULT, {
        component: this,
        server: workload(this, { name: 'vault' }),
        address: 'http://vault.vault.svc:8200',
        kvMount: 'secret',
        authMount: 'kubernetes',
        tls: false,
      } as never);
      provide(VAULT_SECRETS, { component: this, connection: { name: 'default', namespace: 'vault' }, crds: this } as never);
    }
  }

  test('its credential comes from Vault as the repository Secret, in a companion Argo CD never waits for', () => {
    const cluster = renderTestCluster((p) => {
      new Secrets(p);
      new ArgoCd(p, 'argocd', { privateRepository: true });
    });
    const secret = findObject(cluster, 'argocd-secrets', 'VaultStaticSecret', 'repo-platform');
    expect(secret.spec).toMatchObject({
      type: 'kv-v2',
      mount: 'secret',
      path: 'argocd/repository',
      destination: { create: true, name: 'repo-platform', labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
    });
    expect(secret.spec.destination.transformation.templates).toEqual({
      type: { text: 'git' },
      url: { text: REPO },
      username: { text: '{{ get .Secrets "username" }}' },
      password: { text: '{{ get .Secrets "password" }}' },
    });
    expect(findComponent(cluster, 'argocd').dependsOn).toEqual(['namespaces']);
    expect(findComponent(cluster, 'argocd-secrets').dependsOn).toContain('vault');
  });

  test('a public repository needs no credential', () => {
    const cluster = renderTestCluster((p) => {
      new Secrets(p);
      new ArgoCd(p, 'argocd');
    });
    expect(cluster.components.map((c) => c.name)).not.toContain('argocd-secrets');
  });
});
