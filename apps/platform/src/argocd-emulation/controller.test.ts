import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-30';
import { describe, expect, test } from 'vitest';
import { ARGOCD_SYNC_WAVE, Component, Namespace, Platform, distFiles, renderTestCluster, toYaml } from '@platform/core';
import { ArgoCd } from '@platform/argocd';
import { CertManager, Issuer } from '@platform/cert-manager';
import { Certificate } from '@platform/crds/generated/cert-manager.io';
import { ClusterEvent, EmulatedCluster, KubeObject, RESOURCES_FINALIZER, keyOf, parseManifests } from './controller';

/** A workload that needs certificates: adding it after cert-manager adds a wave at the end. */
class Demo extends Component {
  constructor(scope: Platform) {
    super(scope, 'demo', { namespace: Namespace.restricted('demo'), project: 'apps', dependsOn: ['cert-manager'] });
    new k8s.KubeConfigMap(this, 'settings', { metadata: { name: 'demo-settings', namespace: 'demo' }, data: { greeting: 'hello' } });
    new Certificate(this, 'certificate', {
      metadata: { name: 'demo-tls', namespace: 'demo' },
      spec: { secretName: 'demo-tls', dnsNames: ['demo.test.example.com'], issuerRef: { name: 'platform-ca', kind: 'ClusterIssuer' } },
    });
  }
}

/** CRDs cert-manager is then made to depend on: cert-manager and everything after it move one wave. */
class GatewayCrds extends Component {
  constructor(scope: Platform) {
    super(scope, 'gateway-crds', { namespace: Namespace.restricted('gateway-system'), project: 'infrastructure' });
    new ApiObject(this, 'gateways', {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gateways.gateway.networking.k8s.io' },
      spec: { group: 'gateway.networking.k8s.io', names: { kind: 'Gateway', plural: 'gateways' }, scope: 'Namespaced' },
    });
  }
}

const CHART_FIXTURES: Record<string, string> = {
  argocd: readFileSync(join(__dirname, 'fixtures/argocd-chart.yaml'), 'utf8'),
  'cert-manager': readFileSync(join(__dirname, 'fixtures/cert-manager-chart.yaml'), 'utf8'),
};

type Variant = { demo?: boolean; gateway?: boolean };

const revisions = new Map<string, Map<string, string>>();

/** The repository for one cluster definition: distFiles of renderTestCluster plus the chart stand-ins (memoized). */
function revision(variant: Variant): Map<string, string> {
  const key = JSON.stringify(variant);
  if (!revisions.has(key)) revisions.set(key, render(variant));
  return revisions.get(key)!;
}

function render({ demo = true, gateway = false }: Variant): Map<string, string> {
  const cluster = renderTestCluster((p) => {
    if (gateway) new GatewayCrds(p);
    const certManager = new CertManager(p, 'cert-manager', { issuers: [Issuer.selfSignedCa({ commonName: 'Test CA' })] });
    if (gateway) certManager.needs('gateway-crds');
    if (demo) new Demo(p);
    new ArgoCd(p, 'argocd');
  });
  const files = new Map([...distFiles([cluster])].map(([path, text]) => [`dist/${path}`, text]));
  for (const [component, text] of Object.entries(CHART_FIXTURES)) files.set(`dist/test/${component}/manifests/zz-chart-fixture.yaml`, text);
  return files;
}

/**
 * The design before b1fd4bb, for the negative control: the per-component ApplicationSets replaced by
 * one per wave, `platform-wave-N`, whose git generator reads every component.json and keeps the wave.
 */
function perWaveApplicationSets(files: Map<string, string>): Map<string, string> {
  const dir = 'dist/test/argocd/manifests';
  const out = new Map([...files].filter(([path]) => !path.startsWith(`${dir}/applicationset-`)));
  const one = [...files].find(([path]) => path.startsWith(`${dir}/applicationset-`))!;
  const template = parseManifests(one[1])[0];
  const waves = new Set(
    [...files]
      .filter(([path]) => path.endsWith('/component.json') && !path.includes('/argocd/'))
      .map(([, text]) => JSON.parse(text).wave as number),
  );
  for (const wave of waves) {
    const set = structuredClone(template);
    set.metadata.name = `platform-wave-${wave}`;
    set.metadata.annotations = { ...set.metadata.annotations, [ARGOCD_SYNC_WAVE]: String(wave) };
    set.spec.generators = [
      {
        git: {
          ...set.spec.generators[0].git,
          files: [{ path: 'dist/test/*/component.json' }, { path: 'dist/test/argocd/component.json', exclude: true }],
        },
        selector: { matchLabels: { wave: String(wave) } },
      },
    ];
    out.set(`${dir}/applicationset-platform-wave-${wave}.yaml`, toYaml(set));
  }
  return out;
}

const bootstrapped = new Map<Map<string, string>, EmulatedCluster>();

/** Bootstrap as Terraform does: the argocd namespace, then the argocd manifests except the ApplicationSets (a copy of a memo). */
function bootstrap(files: Map<string, string>): EmulatedCluster {
  if (!bootstrapped.has(files)) bootstrapped.set(files, bootstrapOnce(files));
  return bootstrapped.get(files)!.clone();
}

function bootstrapOnce(files: Map<string, string>): EmulatedCluster {
  const cluster = new EmulatedCluster();
  cluster.checkout(files);
  cluster.kubectlApply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } }]);
  const manifests = cluster.filesIn('dist/test/argocd/manifests').filter((p) => !/\/applicationset-[^/]*\.yaml$/.test(p));
  cluster.kubectlApply(manifests.flatMap((p) => cluster.read(p)));
  return cluster.settle();
}

/** Bootstrap on `from`, then `to` as the next Git revision; the events of the second part. */
function upgrade(from: Map<string, string>, to: Map<string, string>) {
  const cluster = bootstrap(from);
  const mark = cluster.events.length;
  cluster.checkout(to);
  cluster.settle();
  return { cluster, events: cluster.events.slice(mark) };
}

const ofType = (events: readonly ClusterEvent[], type: ClusterEvent['type']) => events.filter((e) => e.type === type);
const objectsOf = (events: readonly ClusterEvent[], type: ClusterEvent['type']) =>
  ofType(events, type)
    .map((e) => e.object)
    .sort();
const uids = (cluster: EmulatedCluster, kind: string) =>
  Object.fromEntries([...cluster.objects.values()].filter((o) => o.kind === kind).map((o) => [o.metadata.name, o.metadata.uid]));
const controllerOf = (app: KubeObject | undefined) => app?.metadata.ownerReferences?.find((r) => r.controller)?.name;

const before = () => revision({});
const shifted = () => revision({ gateway: true });
const withoutDemo = () => revision({ demo: false });

describe('the platform as synthesized: one ApplicationSet per component', () => {
  test('bootstrap delivers every component: one Application per ApplicationSet of the same name, all Synced', () => {
    const cluster = bootstrap(before());
    expect(ofType(cluster.events, 'error')).toEqual([]);
    expect(ofType(cluster.events, 'deleted')).toEqual([]);
    for (const name of ['namespaces', 'cert-manager', 'demo']) {
      expect(controllerOf(cluster.application(name))).toBe(name);
      expect(cluster.application(name)!.metadata.finalizers).toEqual([RESOURCES_FINALIZER]);
      expect(cluster.isSynced(name)).toBe(true);
    }
    expect(cluster.application('argocd')!.metadata.finalizers).toBeUndefined();
    expect(cluster.application('platform')!.metadata.finalizers).toBeUndefined();
    expect(cluster.isSynced('platform')).toBe(true);
    // Every object of dist/ is live (the ApplicationSets through `platform`, not the bootstrap).
    const expected = [...before()]
      .filter(([path]) => /\/manifests\/[^/]*\.yaml$/.test(path))
      .flatMap(([, text]) => parseManifests(text))
      .map(keyOf);
    expect(expected.filter((k) => !cluster.objects.has(k))).toEqual([]);
  });

  test('adding a component that shifts the waves of others: no Application changes owner, nothing is deleted', () => {
    const { cluster, events } = upgrade(before(), shifted());
    const was = uids(bootstrap(before()), 'Application');
    expect(ofType(events, 'deleted')).toEqual([]);
    expect(ofType(events, 'owner-changed')).toEqual([]);
    expect(ofType(events, 'error')).toEqual([]);
    expect(cluster.get('ApplicationSet', 'argocd', 'cert-manager')!.metadata.annotations![ARGOCD_SYNC_WAVE]).toBe('2');
    expect(cluster.get('ApplicationSet', 'argocd', 'demo')!.metadata.annotations![ARGOCD_SYNC_WAVE]).toBe('3');
    // Same Applications (uids are deterministic per bootstrap), plus the new one.
    expect(Object.keys(was).filter((name) => uids(cluster, 'Application')[name] !== was[name])).toEqual([]);
    expect(controllerOf(cluster.application('gateway-crds'))).toBe('gateway-crds');
    expect(['platform', 'gateway-crds', 'cert-manager', 'demo'].filter((a) => !cluster.isSynced(a))).toEqual([]);
  });

  test('adding the component that depends on cert-manager: a new wave at the end, nothing else changes', () => {
    const { cluster, events } = upgrade(withoutDemo(), before());
    expect(ofType(events, 'deleted')).toEqual([]);
    expect(ofType(events, 'owner-changed')).toEqual([]);
    expect(objectsOf(events, 'created')).toEqual(expect.arrayContaining(['/Namespace//demo', 'argoproj.io/Application/argocd/demo']));
    expect(cluster.isSynced('demo') && cluster.isSynced('platform')).toBe(true);
  });

  test('removing a component deletes only its own objects; its Namespace is kept and nothing waits', () => {
    const cluster = bootstrap(before());
    // What cert-manager would create for the Certificate: live, tracked by no Application.
    cluster.kubectlApply([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-tls', namespace: 'demo' } }], 'cert-manager');
    const mark = cluster.events.length;
    cluster.checkout(withoutDemo());
    cluster.settle();
    const events = cluster.events.slice(mark);
    // The demo ApplicationSet generates nothing now (its component.json is gone): it deletes the
    // Application, whose finalizer deletes what it deployed; the platform prunes the ApplicationSet.
    expect(objectsOf(events, 'deleted')).toEqual(
      expect.arrayContaining([
        '/ConfigMap/demo/demo-settings',
        'argoproj.io/Application/argocd/demo',
        'cert-manager.io/Certificate/demo/demo-tls',
        'argoproj.io/ApplicationSet/argocd/demo',
      ]),
    );
    expect(ofType(events, 'deleted').find((e) => e.kind === 'Application')!.by).toBe('ApplicationSet/demo');
    // The Namespace (Delete=false,Prune=false) stays with what is still in it; IgnoreExtraneous
    // keeps the namespaces Application Synced, so wave 0 and the platform never wait for it.
    expect(objectsOf(events, 'prune-skipped')).toEqual(['/Namespace//demo']);
    expect(ofType(events, 'awaiting-confirmation')).toEqual([]);
    expect(cluster.get('Namespace', undefined, 'demo')).toBeDefined();
    expect(cluster.get('Secret', 'demo', 'demo-tls')).toBeDefined();
    expect(objectsOf(events, 'deleted').filter((o) => o.includes('/Namespace/'))).toEqual([]);
    expect(['namespaces', 'platform'].filter((a) => !cluster.isSynced(a))).toEqual([]);
  });

  test('a component added with a removal is delivered at once (nothing waits for the removed Namespace)', () => {
    const { cluster, events } = upgrade(before(), revision({ demo: false, gateway: true }));
    expect(cluster.get('Namespace', undefined, 'gateway-system')).toBeDefined();
    expect(['namespaces', 'gateway-crds', 'platform'].filter((a) => !cluster.isSynced(a))).toEqual([]);
    expect(objectsOf(events, 'deleted')).toEqual(
      expect.arrayContaining(['networking.k8s.io/NetworkPolicy/demo/default-deny', 'argoproj.io/ApplicationSet/argocd/demo']),
    );
  });

  test('rejected alternative: with Prune=confirm on Namespaces, an unconfirmed prune stops the platform at wave 0', () => {
    // The live object's annotations decide a prune: both revisions carry the alternative.
    const confirm = (files: Map<string, string>) =>
      new Map(
        [...files].map(([path, text]) => [
          path,
          path.includes('/namespaces/manifests/namespace-')
            ? text
                .replace('    argocd.argoproj.io/compare-options: IgnoreExtraneous\n', '')
                .replace('Delete=false,Prune=false', 'Delete=false,Prune=confirm')
            : text,
        ]),
      );
    const { cluster, events } = upgrade(confirm(before()), confirm(revision({ demo: false, gateway: true })));
    expect(objectsOf(events, 'awaiting-confirmation')).toEqual(['/Namespace//demo']);
    expect(cluster.isSynced('namespaces')).toBe(false);
    expect(cluster.isSynced('platform')).toBe(false);
    // The component added in the same revision gets neither its Namespace nor its ApplicationSet.
    expect(cluster.get('Namespace', undefined, 'gateway-system')).toBeUndefined();
    expect(cluster.get('ApplicationSet', 'argocd', 'gateway-crds')).toBeUndefined();
    cluster.approveDeletion('namespaces');
    cluster.settle();
    expect(cluster.isSynced('gateway-crds')).toBe(true);
  });

  test.each(['platform', 'argocd'])('kubectl delete of the %s Application deletes nothing else', (name) => {
    const cluster = bootstrap(before());
    const mark = cluster.events.length;
    cluster.kubectlDelete('Application', 'argocd', name);
    cluster.settle();
    expect(objectsOf(cluster.events.slice(mark), 'deleted')).toEqual([`argoproj.io/Application/argocd/${name}`]);
  });

  test('argocd app delete (cascade, the CLI and UI default) adds the finalizer: platform keeps everything, argocd hangs', () => {
    const platform = bootstrap(before());
    let mark = platform.events.length;
    platform.argocdAppDelete('platform');
    platform.settle();
    // Its ApplicationSets are Delete=false; the argocd Application re-creates it.
    expect(objectsOf(platform.events.slice(mark), 'deleted')).toEqual(['argoproj.io/Application/argocd/platform']);
    expect(platform.application('platform')).toBeDefined();

    const argocd = bootstrap(before());
    mark = argocd.events.length;
    argocd.argocdAppDelete('argocd');
    argocd.settle();
    // The argocd Application tracks itself (application-argocd.yaml is in its source): the finalizer
    // waits on its own deletionTimestamp for ever. Nothing is deleted, but Argo CD no longer syncs itself.
    expect(ofType(argocd.events.slice(mark), 'deleted')).toEqual([]);
    expect(argocd.application('argocd')!.metadata.deletionTimestamp).toBeDefined();
    expect(ofType(argocd.events.slice(mark), 'waiting').map((e) => e.detail)).toEqual([
      'objects pending deletion: argoproj.io/Application/argocd/argocd',
    ]);
  });

  test('deleting any ApplicationSet never deletes a Namespace, and the platform restores it', () => {
    for (const name of ['namespaces', 'cert-manager', 'demo']) {
      const cluster = bootstrap(before());
      const mark = cluster.events.length;
      cluster.kubectlDelete('ApplicationSet', 'argocd', name);
      cluster.settle();
      const events = cluster.events.slice(mark);
      expect(ofType(events, 'deleted').filter((e) => e.kind === 'Namespace' || e.kind === 'CustomResourceDefinition')).toEqual([]);
      expect(objectsOf(events, 'deleted')).toContain(`argoproj.io/Application/argocd/${name}`);
      expect(cluster.isSynced(name)).toBe(true);
    }
  });
});

describe('negative control: the same wave shift with one ApplicationSet per wave', () => {
  test('the emulation reports the deletions the old design caused', () => {
    const { cluster, events } = upgrade(perWaveApplicationSets(before()), perWaveApplicationSets(shifted()));
    const deleted = objectsOf(events, 'deleted');
    expect(deleted).toEqual(
      expect.arrayContaining([
        'argoproj.io/Application/argocd/cert-manager',
        'apps/Deployment/cert-manager/cert-manager',
        'cert-manager.io/ClusterIssuer//platform-ca',
        'argoproj.io/Application/argocd/demo',
        '/ConfigMap/demo/demo-settings',
      ]),
    );
    expect(ofType(events, 'deleted').find((e) => e.object.endsWith('/Application/argocd/cert-manager'))!.by).toBe(
      'ApplicationSet/platform-wave-1',
    );
    expect(ofType(events, 'error').map((e) => e.detail)).toContain(
      'Object argocd/cert-manager is already owned by another ApplicationSet controller platform-wave-1',
    );
    // The CRD is kept (never deleted with an Application), the workloads come back re-created.
    expect(deleted).not.toContain('apiextensions.k8s.io/CustomResourceDefinition//certificates.cert-manager.io');
    expect(controllerOf(cluster.application('cert-manager'))).toBe('platform-wave-2');
    expect(controllerOf(cluster.application('demo'))).toBe('platform-wave-3');
  });
});

describe('single rules', () => {
  const repo = 'https://example.com/repo.git';
  const appSet = (name: string, files: string[], syncPolicy: object = {}, finalizers?: string[]): KubeObject => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name, namespace: 'argocd' },
    spec: {
      goTemplate: true,
      generators: [{ git: { repoURL: repo, revision: 'main', files: files.map((path) => ({ path })) } }],
      syncPolicy,
      template: {
        metadata: { name: '{{ .name }}', namespace: 'argocd', ...(finalizers && { finalizers }) },
        spec: {
          project: 'default',
          destination: { server: 'https://kubernetes.default.svc', namespace: 'work' },
          source: { repoURL: repo, path: 'apps/{{ .name }}' },
          syncPolicy: { automated: { prune: true } },
        },
      },
    },
  });
  const yaml = (...objects: object[]) => objects.map((o) => toYaml(o)).join('---\n');
  const cm = (name: string, annotations: Record<string, string> = {}) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'work', annotations },
  });
  const world = (objects: object[], options = {}) => {
    const cluster = new EmulatedCluster(options);
    cluster.checkout(
      new Map([
        ['apps/a.json', JSON.stringify({ name: 'a' })],
        ['apps/a/objects.yaml', yaml(...objects)],
      ]),
    );
    cluster.kubectlApply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'work' } },
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'default', namespace: 'argocd' } },
    ]);
    return cluster;
  };
  const deletedNames = (cluster: EmulatedCluster) => ofType(cluster.events, 'deleted').map((e) => e.object.split('/').pop());

  test('SetControllerReference: a second ApplicationSet cannot take an Application, and skips its deletions', () => {
    const cluster = world([cm('x')]);
    cluster.kubectlApply([appSet('first', ['apps/a.json'])]);
    cluster.settle();
    cluster.kubectlApply([appSet('second', ['apps/a.json'])]);
    cluster.settle();
    expect(controllerOf(cluster.application('a'))).toBe('first');
    expect(ofType(cluster.events, 'error').map((e) => e.detail)).toEqual([
      'Object argocd/a is already owned by another ApplicationSet controller first',
    ]);
  });

  test('applicationsSync create-update keeps an Application no longer generated, unless the controller forbids the override', () => {
    for (const [options, kept] of [
      [{}, true],
      [{ policy: 'sync', enablePolicyOverride: false }, false],
    ] as const) {
      const cluster = world([cm('x')], options);
      cluster.kubectlApply([appSet('set', ['apps/a.json'], { applicationsSync: 'create-update' })]);
      cluster.settle();
      cluster.checkout(new Map([['apps/a/objects.yaml', yaml(cm('x'))]]));
      cluster.settle();
      expect(cluster.application('a') !== undefined).toBe(kept);
      expect(cluster.get('ConfigMap', 'work', 'x') !== undefined).toBe(kept);
    }
  });

  test('preserveResourcesOnDeletion: a template without finalizers gets the resources finalizer unless it is set', () => {
    for (const preserve of [false, true]) {
      const cluster = world([cm('x')]);
      cluster.kubectlApply([appSet('set', ['apps/a.json'], { preserveResourcesOnDeletion: preserve })]);
      cluster.settle();
      expect(cluster.application('a')!.metadata.finalizers).toEqual(preserve ? undefined : [RESOURCES_FINALIZER]);
      cluster.kubectlDelete('ApplicationSet', 'argocd', 'set');
      cluster.settle();
      expect(cluster.get('ConfigMap', 'work', 'x') === undefined).toBe(!preserve);
    }
  });

  test('shouldBeDeleted: CRDs, Delete=false and helm keep survive their Application', () => {
    const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'things.example.com' } };
    const cluster = world([
      cm('plain'),
      cm('kept', { 'argocd.argoproj.io/sync-options': 'Delete=false' }),
      cm('helm', { 'helm.sh/resource-policy': 'keep' }),
      crd,
    ]);
    cluster.kubectlApply([appSet('set', ['apps/a.json'])]);
    cluster.settle();
    cluster.kubectlDelete('Application', 'argocd', 'a');
    cluster.settle();
    // The finalizer deletes `plain` only; the ApplicationSet then re-creates the Application, which re-creates `plain`.
    expect(ofType(cluster.events, 'deleted').map((e) => `${e.object} by ${e.by}`)).toEqual([
      '/ConfigMap/work/plain by Application/a',
      'argoproj.io/Application/argocd/a by user',
    ]);
    expect(['plain', 'kept', 'helm'].filter((n) => !cluster.get('ConfigMap', 'work', n))).toEqual([]);
  });

  test("shouldBeDeleted falls back to the Application's own Delete=false sync option", () => {
    const cluster = world([cm('plain')]);
    const set = appSet('set', ['apps/a.json']);
    set.spec.template.spec.syncPolicy.syncOptions = ['Delete=false'];
    cluster.kubectlApply([set]);
    cluster.settle();
    cluster.kubectlDelete('Application', 'argocd', 'a');
    cluster.settle();
    expect(objectsOf(cluster.events, 'deleted')).toEqual(['argoproj.io/Application/argocd/a']);
  });

  test('pruning: Prune=false is skipped, Delete=false does not stop it', () => {
    const cluster = world([
      cm('plain'),
      cm('no-prune', { 'argocd.argoproj.io/sync-options': 'Prune=false' }),
      cm('kept', { 'argocd.argoproj.io/sync-options': 'Delete=false' }),
    ]);
    cluster.kubectlApply([appSet('set', ['apps/a.json'])]);
    cluster.settle();
    cluster.checkout(
      new Map([
        ['apps/a.json', JSON.stringify({ name: 'a' })],
        ['apps/a/objects.yaml', yaml(cm('other'))],
      ]),
    );
    cluster.settle();
    expect(deletedNames(cluster).sort()).toEqual(['kept', 'plain']);
    expect(objectsOf(cluster.events, 'prune-skipped')).toEqual(['/ConfigMap/work/no-prune']);
  });
});
