import { describe, expect, test } from 'vitest';
import { k8s } from 'cdk8s-plus-30';
import {
  Component,
  ComponentProps,
  Namespace,
  Platform,
  clusterJson,
  distFiles,
  manifestFileNames,
  renderTestCluster,
  renderTestClusterWithCharts,
  synthProblems,
  testChart,
} from '@platform/core';

const o = (kind: string, name: string, namespace?: string) => ({ kind, metadata: { name, ...(namespace && { namespace }) } });

describe('cluster.json', () => {
  test('on EKS it carries the facts Terraform reads: network, API endpoint and the shared AWS names', () => {
    const json = clusterJson(renderTestCluster(() => {}, { apiServer: { host: 'ABC.gr7.eu-west-1.eks.amazonaws.com' } }));
    expect(json.aws).toMatchObject({
      region: 'eu-west-1',
      network: { vpcCidr: '10.0.0.0/16' },
      apiServerHost: 'ABC.gr7.eu-west-1.eks.amazonaws.com',
      discoveryTag: { key: 'karpenter.sh/discovery', value: 'test' },
      karpenter: { interruptionQueue: 'test-karpenter-interruption', nodeRole: 'test-karpenter-node' },
      vault: { kmsAlias: 'alias/test-vault-unseal', namespace: 'vault', serviceAccount: 'vault' },
    });
    // Every Pod Identity binds one role to exactly one namespace and ServiceAccount, never a wildcard.
    for (const p of json.aws!.podIdentities) expect(Object.values(p).every((v) => /^[a-z0-9][a-z0-9-]*$/.test(v))).toBe(true);
    expect(new Set(json.aws!.podIdentities.map((p) => p.role)).size).toBe(json.aws!.podIdentities.length);
  });

  test('a kind cluster has no AWS facts', () => {
    const json = clusterJson(renderTestCluster(() => {}, { provider: 'kind', environment: 'local', region: undefined, azs: ['local'] }));
    expect(json).not.toHaveProperty('aws');
  });
});

describe('config files', () => {
  class Store extends Component {
    constructor(scope: Platform, path: string) {
      super(scope, 'store', { namespace: Namespace.restricted('store'), project: 'infrastructure' });
      this.addConfigFile(path, 'path "secret/data/store/*" {}\n');
    }
  }

  test('land beside the manifests under config/, never in manifests/ (Argo CD does not apply them)', () => {
    const files = distFiles([renderTestCluster((p) => new Store(p, 'policies/store.hcl'))]);
    expect(files.get('test/store/config/policies/store.hcl')).toBe('path "secret/data/store/*" {}\n');
    expect([...files.keys()].filter((f) => f.startsWith('test/store/manifests/') && f.endsWith('.hcl'))).toEqual([]);
  });

  test('a path that leaves config/ fails synth', () => {
    expect(synthProblems(() => renderTestCluster((p) => new Store(p, '../manifests/x.yaml')))).toEqual([
      'clusters/test.ts: components.store: config file "../manifests/x.yaml": expected relative lower-case segments such as "policies/argocd.hcl"',
    ]);
  });
});

describe('manifest file names', () => {
  test('lower case; every character but letters, digits, "." and "-" becomes "-"', () => {
    const { names, problems } = manifestFileNames('clusters/test.ts', 'cert-manager', [
      o('ClusterRole', 'cert-manager-controller-approve:cert-manager-io'),
      o('ClusterRoleBinding', 'system:Auth_Delegator'),
      o('CustomResourceDefinition', 'certificates.cert-manager.io'),
      o('Role', 'cert-manager:leaderelection', 'kube-system'),
    ]);
    expect(problems).toEqual([]);
    expect(names).toEqual([
      'clusterrole-cert-manager-controller-approve-cert-manager-io.yaml',
      'clusterrolebinding-system-auth-delegator.yaml',
      'customresourcedefinition-certificates.cert-manager.io.yaml',
      'role-cert-manager-leaderelection.yaml',
    ]);
  });

  test('the same kind and name in several namespaces are told apart by namespace', () => {
    const { names } = manifestFileNames('clusters/test.ts', 'web', [
      o('NetworkPolicy', 'default-deny', 'web'),
      o('NetworkPolicy', 'default-deny', 'jobs'),
      o('NetworkPolicy', 'allow-dns', 'web'),
    ]);
    expect(names).toEqual(['networkpolicy-web-default-deny.yaml', 'networkpolicy-jobs-default-deny.yaml', 'networkpolicy-allow-dns.yaml']);
  });

  test('two objects that would share a file fail instead of overwriting each other', () => {
    expect(manifestFileNames('clusters/test.ts', 'web', [o('ConfigMap', 'a', 'web'), o('ConfigMap', 'a', 'web')]).problems).toEqual([
      {
        file: 'clusters/test.ts',
        path: 'components.web',
        message: 'renders ConfigMap "a" in namespace web twice: object names are unique per kind and namespace',
      },
    ]);
    const collision = manifestFileNames('clusters/test.ts', 'rbac', [o('ClusterRole', 'view:all'), o('ClusterRole', 'view-all')]);
    expect(collision.names).toEqual(['clusterrole-view-all.yaml', 'clusterrole-view-all.yaml']);
    expect(collision.problems.map((p) => p.path)).toEqual(['components.rbac']);
  });
});

class Web extends Component {
  constructor(scope: Platform, id: string, props: Partial<ComponentProps> = {}) {
    super(scope, id, { namespace: Namespace.restricted(id), project: 'apps', ...props });
    new k8s.KubeConfigMap(this, 'settings', { metadata: { name: 'settings', namespace: id }, data: { mode: 'on' } });
  }
}

describe('dist files', () => {
  test('component.json: the manifests folder is the one source; the chart is provenance with its digest; no git source', () => {
    const cluster = renderTestCluster((p) => {
      new Web(p, 'web');
      new Web(p, 'db', { chart: testChart({ chart: 'postgres', values: { replicas: 2 } }) });
    });
    const files = distFiles([cluster]);
    const json = (name: string) => JSON.parse(files.get(`test/${name}/component.json`)!);
    expect(json('db')).toEqual({
      name: 'db',
      cluster: 'test',
      namespace: 'db',
      project: 'apps',
      wave: 1,
      dependsOn: ['namespaces'],
      chart: {
        repoURL: 'https://charts.example.com',
        chart: 'postgres',
        version: '1.2.3',
        digest: 'ab'.repeat(32),
        releaseName: 'db',
        valuesFile: 'dist/test/db/values.yaml',
      },
      manifests: 'dist/test/db/manifests',
      syncOptions: ['ServerSideApply=true'],
    });
    expect(json('web')).not.toHaveProperty('chart');
    expect(json('web').manifests).toBe('dist/test/web/manifests');
    expect(files.get('test/db/values.yaml')).toBe('replicas: 2\n');
    expect(files.has('test/web/values.yaml')).toBe(false);
    // Every component.json names a manifests folder that has files.
    for (const name of ['web', 'db', 'namespaces'])
      expect(
        [...files.keys()].some((f) => f.startsWith(`test/${name}/manifests/`)),
        name,
      ).toBe(true);
    expect(files.get('test/web/manifests/configmap-settings.yaml')).toContain('mode: "on"');
  });

  test('chart objects are written next to ours, one file each, named like ours', () => {
    const cluster = renderTestClusterWithCharts((p) => new Web(p, 'cert-manager', { chart: testChart() }), {
      'cert-manager': [
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'cert-manager-controller-approve:cert-manager-io' },
        },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cert-manager' } },
      ],
    });
    const files = [...distFiles([cluster]).keys()].filter((f) => f.startsWith('test/cert-manager/manifests/'));
    expect(files).toEqual([
      'test/cert-manager/manifests/clusterrole-cert-manager-controller-approve-cert-manager-io.yaml',
      'test/cert-manager/manifests/configmap-settings.yaml',
      'test/cert-manager/manifests/deployment-cert-manager.yaml',
    ]);
  });

  test('a file-name collision fails synth with the file and the component', () => {
    const problems = synthProblems(() =>
      distFiles([
        renderTestClusterWithCharts((p) => new Web(p, 'web', { chart: testChart() }), {
          web: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'web' } }],
        }),
      ]),
    );
    expect(problems).toEqual([
      'clusters/test.ts: components.web: renders ConfigMap "settings" in namespace web twice: object names are unique per kind and namespace',
    ]);
  });
});
