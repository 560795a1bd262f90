import { describe, expect, test } from 'vitest';
import { k8s } from 'cdk8s-plus-30';
import {
  APPLICATIONSET_FILES,
  ARGOCD_NAMESPACE,
  Component,
  ComponentProps,
  Namespace,
  PROJECTS,
  Platform,
  RenderedCluster,
  componentJson,
  findComponent,
  findObject,
  renderAppProjects,
  renderApplicationSets,
  renderBootstrapApplications,
  renderTestCluster,
  renderTestClusterWithCharts,
  synthProblems,
  testChart,
  testSpec,
} from '@platform/core';

const REPO = testSpec().gitops.repoURL;

/** What the Argo CD component does with the core helpers: the delivery objects, once the cluster is complete. */
class Delivery extends Component {
  constructor(scope: Platform) {
    super(scope, 'argocd', {
      namespace: Namespace.restricted(ARGOCD_NAMESPACE),
      project: 'bootstrap',
      syncOptions: ['ServerSideApply=true', 'RespectIgnoreDifferences=true'],
    });
    scope.whenComplete(() => {
      renderAppProjects(this, scope);
      renderApplicationSets(this, scope, [this.name]);
      renderBootstrapApplications(this, scope, this);
    });
  }
}

/** A component with one object (a component that renders nothing gets no ApplicationSet). */
class Dummy extends Component {
  constructor(scope: Platform, id: string, props: Partial<ComponentProps> = {}) {
    super(scope, id, { namespace: Namespace.restricted(id), project: 'infrastructure', ...props });
    new k8s.KubeConfigMap(this, 'settings', { metadata: { name: `${id}-settings`, namespace: this.home.name } });
  }
}

const delivery = (cluster: RenderedCluster) => findComponent(cluster, 'argocd').objects;
const appSets = (cluster: RenderedCluster) => delivery(cluster).filter((o) => o.kind === 'ApplicationSet');
const appSet = (cluster: RenderedCluster, name: string) => findObject(cluster, 'argocd', 'ApplicationSet', name);

/** The Application an ApplicationSet template yields for a component.json (`{{ .field }}` substitution, as the git files generator does). */
function generate(template: unknown, params: Record<string, unknown>): any {
  return JSON.parse(
    JSON.stringify(template).replace(/\{\{ \.(\w+) \}\}/g, (_, key: string) => {
      if (!(key in params)) throw new Error(`missingkey=error: ${key}`);
      return String(params[key]);
    }),
  );
}

describe('one ApplicationSet per component', () => {
  const cluster = renderTestCluster((p) => {
    new Delivery(p);
    new Dummy(p, 'cert-manager');
    new Dummy(p, 'api', { project: 'apps', dependsOn: ['cert-manager'], syncOptions: [] });
  });

  test('named after the component, sync-waved with its wave, never deleted with the platform Application; argocd excluded', () => {
    expect(
      appSets(cluster)
        .map((s) => [s.metadata.name, s.metadata.annotations])
        .sort(),
    ).toEqual([
      ['api', { 'argocd.argoproj.io/sync-wave': '2', 'argocd.argoproj.io/sync-options': 'Delete=false' }],
      ['cert-manager', { 'argocd.argoproj.io/sync-wave': '1', 'argocd.argoproj.io/sync-options': 'Delete=false' }],
      ['namespaces', { 'argocd.argoproj.io/sync-wave': '0', 'argocd.argoproj.io/sync-options': 'Delete=false' }],
    ]);
    for (const s of appSets(cluster)) expect(s.metadata.namespace).toBe(ARGOCD_NAMESPACE);
  });

  test('each reads exactly its component.json and generates one Application whose only source is the manifests folder', () => {
    for (const c of cluster.components.filter((x) => x.name !== 'argocd')) {
      const set = appSet(cluster, c.name);
      expect(set.spec.generators).toEqual([
        { git: { repoURL: REPO, revision: 'main', files: [{ path: `dist/test/${c.name}/component.json` }], requeueAfterSeconds: 30 } },
      ]);
      expect(set.spec).toMatchObject({
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        syncPolicy: { preserveResourcesOnDeletion: false },
      });
      const app = generate(set.spec.template, { ...componentJson('dist', 'test', c) });
      expect(app.metadata).toEqual({
        name: c.name,
        namespace: ARGOCD_NAMESPACE,
        labels: { 'platform/cluster': 'test', 'platform/component': c.name },
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
      });
      expect(app.spec.project).toBe(c.project);
      expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: c.namespace });
      expect(app.spec.source).toEqual({ repoURL: REPO, targetRevision: 'main', path: `dist/test/${c.name}/manifests` });
      expect(app.spec.sources).toBeUndefined();
      expect(app.spec.syncPolicy).toEqual({
        automated: { prune: true, selfHeal: true },
        retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
      });
    }
  });

  test('sync options come from component.json through a templatePatch guarded by hasKey', () => {
    const patch: string = appSet(cluster, 'api').spec.templatePatch;
    expect(patch.split('\n')[0]).toBe('{{- if hasKey . "syncOptions" }}');
    expect(patch).toContain('{{- range .syncOptions }}');
    expect(patch).toContain('      - {{ . | quote }}');
    expect(patch.trimEnd().split('\n').at(-1)).toBe('{{- end }}');
  });

  test('a wave change edits only the sync-wave annotation: same name, same spec', () => {
    const before = renderTestCluster((p) => {
      new Delivery(p);
      new Dummy(p, 'api');
    });
    const after = renderTestCluster((p) => {
      new Delivery(p);
      new Dummy(p, 'db');
      new Dummy(p, 'api', { dependsOn: ['db'] });
    });
    const [a, b] = [appSet(before, 'api'), appSet(after, 'api')];
    expect(a.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('1');
    expect(b.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('2');
    const withoutWave = (o: Record<string, any>) => ({
      ...o,
      metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, 'argocd.argoproj.io/sync-wave': undefined } },
    });
    expect(withoutWave(b)).toEqual(withoutWave(a));
    // Adding db adds its own ApplicationSet; no other set appears or disappears.
    const names = (c: RenderedCluster) =>
      appSets(c)
        .map((s) => s.metadata.name)
        .sort();
    expect(names(before)).toEqual(['api', 'namespaces']);
    expect(names(after)).toEqual(['api', 'db', 'namespaces']);
  });
});

describe('the bootstrap Applications', () => {
  const cluster = renderTestCluster((p) => {
    new Delivery(p);
    new Dummy(p, 'cert-manager');
  });
  const apps = () => delivery(cluster).filter((o) => o.kind === 'Application');

  test('argocd syncs its folder without the ApplicationSets, platform syncs only them', () => {
    expect(apps().map((a) => a.metadata.name)).toEqual(['argocd', 'platform']);
    const [argocd, platform] = apps();
    const folder = { repoURL: REPO, targetRevision: 'main', path: 'dist/test/argocd/manifests' };
    expect(argocd.spec.source).toEqual({ ...folder, directory: { exclude: APPLICATIONSET_FILES } });
    expect(platform.spec.source).toEqual({ ...folder, directory: { include: APPLICATIONSET_FILES } });
    expect(APPLICATIONSET_FILES).toBe('applicationset-*.yaml');
    for (const app of apps()) {
      expect(app.spec.sources).toBeUndefined();
      expect(app.spec.project).toBe('bootstrap');
      expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: ARGOCD_NAMESPACE });
      // Deleting either, even with a cascade from the UI, deletes nothing it delivered.
      expect(app.metadata.finalizers).toBeUndefined();
      expect(app.spec.syncPolicy.syncOptions.at(-1)).toBe('Delete=false');
    }
    // argocd syncs with the argocd component's own options.
    expect(argocd.spec.syncPolicy.syncOptions).toEqual(['ServerSideApply=true', 'RespectIgnoreDifferences=true', 'Delete=false']);
  });

  test('platform comes after Argo CD and the AppProjects, retries without limit and survives the argocd Application', () => {
    const platform = apps()[1];
    expect(platform.metadata.annotations).toEqual({
      'argocd.argoproj.io/sync-wave': '1',
      'argocd.argoproj.io/sync-options': 'Delete=false',
    });
    expect(platform.spec.syncPolicy).toEqual({
      automated: { prune: true, selfHeal: true },
      retry: { limit: -1, backoff: { duration: '30s', factor: 2, maxDuration: '5m' } },
      syncOptions: ['ServerSideApply=true', 'Delete=false'],
    });
    expect(apps()[0].metadata.annotations).toBeUndefined();
  });
});

describe('AppProjects', () => {
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'operator' } };
  const lease = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'leader', namespace: 'kube-system' } };
  const cluster = renderTestClusterWithCharts(
    (p) => {
      new Delivery(p);
      new Dummy(p, 'operator', { chart: testChart({ repoURL: 'https://charts.example.com' }) });
      new Dummy(p, 'api', { project: 'apps' });
    },
    { operator: [role, lease] },
  );
  const project = (name: string) => findObject(cluster, 'argocd', 'AppProject', name);

  test('one per project, sourcing only this repository (charts are rendered into it)', () => {
    expect(
      delivery(cluster)
        .filter((o) => o.kind === 'AppProject')
        .map((o) => o.metadata.name),
    ).toEqual([...PROJECTS]);
    expect(PROJECTS).toEqual(['bootstrap', 'infrastructure', 'iam', 'observability', 'apps']);
    for (const name of PROJECTS) {
      expect(project(name).spec.sourceRepos).toEqual([REPO]);
      expect(project(name).metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
    }
  });

  test('destinations and cluster kinds come from our objects and the chart objects', () => {
    const infra = project('infrastructure');
    expect(infra.spec.destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'kube-system' },
      { server: 'https://kubernetes.default.svc', namespace: 'operator' },
    ]);
    expect(infra.spec.clusterResourceWhitelist).toEqual([{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' }]);
    expect(project('apps').spec.destinations.map((d: any) => d.namespace)).toEqual(['api']);
    expect(project('iam').spec).toMatchObject({ destinations: [], clusterResourceWhitelist: [] });
  });

  test('only bootstrap reaches argocd and may write Applications, ApplicationSets and AppProjects', () => {
    const delivery = [
      { group: 'argoproj.io', kind: 'Application' },
      { group: 'argoproj.io', kind: 'ApplicationSet' },
      { group: 'argoproj.io', kind: 'AppProject' },
    ];
    expect(project('bootstrap').spec.namespaceResourceBlacklist).toBeUndefined();
    expect(project('bootstrap').spec.destinations.map((d: any) => d.namespace)).toContain(ARGOCD_NAMESPACE);
    // bootstrap delivers the namespaces: Namespace objects are its cluster kind.
    expect(project('bootstrap').spec.clusterResourceWhitelist).toContainEqual({ group: '', kind: 'Namespace' });
    for (const name of PROJECTS.filter((p) => p !== 'bootstrap')) {
      expect(project(name).spec.namespaceResourceBlacklist).toEqual(delivery);
      expect(project(name).spec.destinations.map((d: any) => d.namespace)).not.toContain(ARGOCD_NAMESPACE);
    }
  });

  test('a component outside bootstrap with an object in argocd fails synth', () => {
    const problems = synthProblems(() =>
      renderTestCluster((p) => {
        new Delivery(p);
        new (class extends Dummy {
          constructor(scope: Platform) {
            super(scope, 'sneaky');
            new k8s.KubeConfigMap(this, 'cm', { metadata: { name: 'sneaky', namespace: ARGOCD_NAMESPACE } });
          }
        })(p);
      }),
    );
    expect(problems).toEqual([
      'clusters/test.ts: components.sneaky.project: got "infrastructure", but the component writes into namespace argocd: only the bootstrap project delivers into it (Argo CD itself and the namespaces)',
    ]);
  });

  test('a component that renders nothing gets no ApplicationSet and no manifests path', () => {
    const empty = renderTestCluster((p) => {
      new Delivery(p);
      new (class extends Component {
        constructor(scope: Platform) {
          super(scope, 'empty', { namespace: Namespace.restricted('empty'), project: 'apps' });
        }
      })(p);
    });
    expect(appSets(empty).map((s) => s.metadata.name)).toEqual(['namespaces']);
    expect(componentJson('dist', 'test', findComponent(empty, 'empty')).manifests).toBeUndefined();
  });
});
