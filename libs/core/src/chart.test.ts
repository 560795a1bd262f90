import { describe, expect, test } from 'vitest';
import {
  ChartUse,
  Component,
  ComponentProps,
  KubeObject,
  Namespace,
  Platform,
  TEST_CLUSTER_FILE,
  chartRequests,
  composeCluster,
  defineCluster,
  findComponent,
  findObject,
  normalizeChartObjects,
  renderTestClusterWithCharts,
  synthProblems,
  testChart,
  testSpec,
} from '@platform/core';

class Operator extends Component {
  constructor(scope: Platform, id: string, props: Partial<ComponentProps> = {}) {
    super(scope, id, {
      namespace: Namespace.restricted('operators'),
      project: 'infrastructure',
      chart: testChart({ chart: id }),
      ...props,
    });
  }
}

const compose = (fn: (p: Platform) => void) => composeCluster(defineCluster(testSpec(), fn), TEST_CLUSTER_FILE);
const pin = testChart().pin;

describe('chart pins are checked when the component is built, before any chart is rendered', () => {
  test.each<[string, Partial<ChartUse>, string]>([
    [
      'a version range',
      { version: '^6.0.0' },
      'components.db.chart: chart db: version "^6.0.0" is not an exact version; allowed: semver such as "1.2.3" (no ranges)',
    ],
    ['a partial version', { version: '6.0' }, 'components.db.chart: chart db: version "6.0" is not an exact version'],
    ['a wildcard version', { version: '6.0.x' }, 'components.db.chart: chart db: version "6.0.x" is not an exact version'],
    ['a short digest', { pin: { ...pin, digest: 'abc123' } }, 'components.db.chart: chart db: digest "abc123" is not a sha256 (64 hex)'],
    [
      'an upper-case digest',
      { pin: { ...pin, digest: 'AB'.repeat(32) } },
      `components.db.chart: chart db: digest "${'AB'.repeat(32)}" is not a sha256 (64 hex)`,
    ],
    [
      'a branch as commit',
      { pin: { ...pin, source: { type: 'git', repo: 'example/charts', commit: 'main', path: 'charts/db' } } },
      'components.db.chart: chart db: source example/charts commit "main" is not a 40-hex commit id',
    ],
    [
      'a tag as a dependency commit',
      {
        pin: {
          ...pin,
          dependencies: [
            { name: 'redis', dir: 'charts/redis', source: { type: 'git', repo: 'example/redis', commit: 'v7.2.0', path: 'charts/redis' } },
          ],
        },
      },
      'components.db.chart: chart db: source example/redis commit "v7.2.0" is not a 40-hex commit id',
    ],
    [
      'a package without its sha256',
      { pin: { ...pin, source: { type: 'package', url: 'https://charts.example.com/db-1.2.3.tgz', sha256: 'latest' } } },
      'components.db.chart: chart db: package https://charts.example.com/db-1.2.3.tgz sha256 "latest" is not a sha256 (64 hex)',
    ],
  ])('%s fails', (_case, overrides, expected) => {
    const problems = synthProblems(() => compose((p) => new Operator(p, 'db', { chart: testChart({ chart: 'db', ...overrides }) })));
    expect(problems).toEqual([`${TEST_CLUSTER_FILE}: ${problems[0].slice(TEST_CLUSTER_FILE.length + 2)}`]);
    expect(problems[0]).toContain(`${TEST_CLUSTER_FILE}: ${expected}`);
  });

  test('every pin problem of a chart is reported at once', () => {
    const problems = synthProblems(() =>
      compose((p) => new Operator(p, 'db', { chart: testChart({ chart: 'db', version: '~1.2.3', pin: { ...pin, digest: 'main' } }) })),
    );
    expect(problems).toHaveLength(2);
    expect(problems.every((p) => p.startsWith(`${TEST_CLUSTER_FILE}: components.db.chart: `))).toBe(true);
  });

  test.each(['1.2.3', 'v1.21.1', '0.29.0-rc.1', '2.0.0+build.7'])('the exact version %s is accepted', (version) => {
    expect(() => compose((p) => new Operator(p, 'db', { chart: testChart({ version }) }))).not.toThrow();
  });
});

describe('chartRequests', () => {
  test('one helm template per chart: release name, release namespace, Kubernetes version, every API version the cluster serves', () => {
    const cluster = compose((p) => {
      new Operator(p, 'cert-manager', { chart: testChart({ apiVersions: ['cert-manager.io/v1', 'acme.cert-manager.io/v1'] }) });
      new Operator(p, 'db', {
        namespace: Namespace.restricted('db'),
        chart: testChart({ releaseName: 'cnpg', apiVersions: ['postgresql.cnpg.io/v1'] }),
      });
      new Operator(p, 'plain', { chart: undefined });
    });
    const requests = chartRequests(cluster).map((r) => ({ ...r, component: r.component.name, chart: r.chart.chart }));
    const apiVersions = ['acme.cert-manager.io/v1', 'cert-manager.io/v1', 'postgresql.cnpg.io/v1'];
    expect(requests).toEqual([
      {
        cluster: 'test',
        component: 'cert-manager',
        chart: 'example',
        releaseName: 'cert-manager',
        namespace: 'operators',
        kubeVersion: '1.33.0',
        apiVersions,
      },
      { cluster: 'test', component: 'db', chart: 'example', releaseName: 'cnpg', namespace: 'db', kubeVersion: '1.33.0', apiVersions },
    ]);
  });
});

const crd = (group: string, kind: string, scope: 'Cluster' | 'Namespaced', versions = [{ name: 'v1', served: true }]): KubeObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${kind.toLowerCase()}s.${group}`, annotations: { 'helm.sh/resource-policy': 'keep' } },
  spec: { group, scope, names: { kind, plural: `${kind.toLowerCase()}s` }, versions },
});
const obj = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace && { namespace }) },
});

describe('normalizeChartObjects: the chart objects as Argo CD applies them', () => {
  const operator = (apiVersions: string[] = ['example.io/v1']) =>
    compose((p) => new Operator(p, 'operator', { chart: testChart({ apiVersions }) })).platform.tryFind('operator')!;

  test('namespaced objects without a namespace get the release namespace; explicit namespaces stay', () => {
    const input = [
      obj('apps/v1', 'Deployment', 'controller'),
      obj('v1', 'ServiceAccount', 'controller'),
      obj('rbac.authorization.k8s.io/v1', 'Role', 'leader-election', 'kube-system'),
      obj('example.io/v1', 'Widget', 'default'),
      crd('example.io', 'Widget', 'Namespaced'),
    ];
    const { objects, problems } = normalizeChartObjects(operator(), input);
    expect(problems).toEqual([]);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}: ${o.metadata.namespace}`)).toEqual([
      'Deployment/controller: operators',
      'ServiceAccount/controller: operators',
      'Role/leader-election: kube-system',
      'Widget/default: operators',
      'CustomResourceDefinition/widgets.example.io: undefined',
    ]);
  });

  test('cluster-scoped built-in kinds and kinds of cluster-scoped CRDs get no namespace', () => {
    const input = [
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'operator'),
      obj('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'operator'),
      obj('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'operator'),
      obj('scheduling.k8s.io/v1', 'PriorityClass', 'critical'),
      obj('storage.k8s.io/v1', 'StorageClass', 'fast'),
      obj('example.io/v1', 'ClusterWidget', 'global'),
      crd('example.io', 'ClusterWidget', 'Cluster'),
    ];
    const { objects } = normalizeChartObjects(operator(), input);
    expect(objects.filter((o) => o.metadata.namespace !== undefined)).toEqual([]);
  });

  test('CRDs sync first in the Application (wave -1), keep their annotations, and the large ones use server-side apply', () => {
    const small = crd('example.io', 'Widget', 'Namespaced');
    const large = crd('example.io', 'Gadget', 'Namespaced');
    large.spec.versions = [{ name: 'v1', served: true, schema: { openAPIV3Schema: { description: 'x'.repeat(262_144) } } }];
    const { objects } = normalizeChartObjects(operator(), [small, large]);
    expect(objects[0].metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep', 'argocd.argoproj.io/sync-wave': '-1' });
    expect(objects[1].metadata.annotations).toEqual({
      'helm.sh/resource-policy': 'keep',
      'argocd.argoproj.io/sync-wave': '-1',
      'argocd.argoproj.io/sync-options': 'ServerSideApply=true',
    });
  });

  test('declared apiVersions must be what the rendered CRDs serve', () => {
    const versions = [
      { name: 'v1', served: true },
      { name: 'v2', served: true },
      { name: 'v1beta1', served: false },
    ];
    const { problems } = normalizeChartObjects(operator(['example.io/v1']), [crd('example.io', 'Widget', 'Namespaced', versions)]);
    expect(problems).toEqual([
      {
        file: TEST_CLUSTER_FILE,
        path: 'components.operator.chart',
        message:
          "declares apiVersions [example.io/v1] but its CRDs serve [example.io/v1, example.io/v2]: set apiVersions in the component's versions.ts to what the chart serves",
      },
    ]);
    expect(
      normalizeChartObjects(operator(['example.io/v1', 'example.io/v2']), [crd('example.io', 'Widget', 'Namespaced', versions)]).problems,
    ).toEqual([]);
    // A chart whose CRDs were switched off in values serves nothing it declared.
    expect(normalizeChartObjects(operator(['example.io/v1']), []).problems[0].message).toContain(
      'declares apiVersions [example.io/v1] but its CRDs serve []',
    );
  });

  test('synth fails with the mismatch, naming the cluster file', () => {
    const problems = synthProblems(() =>
      renderTestClusterWithCharts((p) => new Operator(p, 'operator', { chart: testChart({ apiVersions: ['example.io/v2'] }) }), {
        operator: [crd('example.io', 'Widget', 'Namespaced')],
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^clusters\/test\.ts: components\.operator\.chart: declares apiVersions \[example\.io\/v2\] but its CRDs serve \[example\.io\/v1\]/,
      ),
    ]);
  });
});

describe('chart objects in the rendered component', () => {
  class Patched extends Operator {
    constructor(scope: Platform) {
      super(scope, 'operator', { chart: testChart({ apiVersions: ['example.io/v1'] }) });
      this.exemptChartObjects({ kind: 'Deployment', name: 'controller' }, 'read-only-root', 'the controller writes its cache to /');
      this.exemptChartObjects({ kind: 'Job', name: '*' }, 'probes', 'jobs run to completion');
      this.patchChartObjects((o) => {
        if (o.kind === 'Deployment')
          o.metadata.labels = { ...o.metadata.labels, team: 'platform', namespace: String(o.metadata.namespace) };
      });
    }
  }
  const cluster = renderTestClusterWithCharts((p) => new Patched(p), {
    operator: [
      obj('apps/v1', 'Deployment', 'controller'),
      obj('apps/v1', 'Deployment', 'webhook'),
      obj('batch/v1', 'Job', 'migrate'),
      obj('batch/v1', 'Job', 'cleanup'),
      crd('example.io', 'Widget', 'Namespaced'),
    ],
  });

  test('come after our objects, normalized, in the component and its project', () => {
    const c = findComponent(cluster, 'operator');
    expect(c.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Deployment/controller',
      'Deployment/webhook',
      'Job/migrate',
      'Job/cleanup',
      'CustomResourceDefinition/widgets.example.io',
    ]);
    expect(c.chart).toEqual({
      repoURL: 'https://charts.example.com',
      chart: 'example',
      version: '1.2.3',
      digest: pin.digest,
      releaseName: 'operator',
    });
  });

  test('patches run after normalization (and the checks after patches); exemptions annotate only what they match', () => {
    const controller = findObject(cluster, 'operator', 'Deployment', 'controller');
    expect(controller.metadata.labels).toEqual({ team: 'platform', namespace: 'operators' });
    expect(controller.metadata.annotations).toEqual({ 'policy.platform/exempt-read-only-root': 'the controller writes its cache to /' });
    expect(findObject(cluster, 'operator', 'Deployment', 'webhook').metadata.annotations).toBeUndefined();
    for (const job of ['migrate', 'cleanup'])
      expect(findObject(cluster, 'operator', 'Job', job).metadata.annotations).toEqual({
        'policy.platform/exempt-probes': 'jobs run to completion',
      });
  });
});
