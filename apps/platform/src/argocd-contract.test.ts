import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, test } from 'vitest';
import { PROJECTS } from '@platform/core';

/**
 * The Argo CD contract (docs/dist-contract.md, ADR 0004), read from the committed dist/: what Argo
 * CD will actually pull. PLATFORM_CONTRACT_DIST checks another synth output instead (a fresh
 * `node apps/platform/bin/synth.mjs --out <dir>`), e.g. before dist/ is committed.
 */
const ROOT = resolve(__dirname, '../../..');
const DIST = resolve(process.env.PLATFORM_CONTRACT_DIST ?? join(ROOT, 'dist'));
/** dist/-relative paths in component.json and the Applications, resolved where this run reads. */
const fromRepo = (path: string) => join(DIST, path.replace(/^dist\//, ''));

const DELIVERY_KINDS = [
  { group: 'argoproj.io', kind: 'Application' },
  { group: 'argoproj.io', kind: 'ApplicationSet' },
  { group: 'argoproj.io', kind: 'AppProject' },
];

const clusters = readdirSync(DIST).filter((c) => existsSync(join(DIST, c, 'argocd')));
const components = (cluster: string) =>
  readdirSync(join(DIST, cluster)).filter((c) => existsSync(join(DIST, cluster, c, 'component.json')));
const json = (p: string) => JSON.parse(readFileSync(p, 'utf8'));
const parsed = new Map<string, Map<string, Record<string, any>>>();
/** The manifests of a component by file name (parsed once: chart CRDs are large). */
const manifestFiles = (cluster: string, component: string): Map<string, Record<string, any>> => {
  const dir = join(DIST, cluster, component, 'manifests');
  let files = parsed.get(dir);
  if (!files) {
    files = new Map(existsSync(dir) ? readdirSync(dir).map((f) => [f, parse(readFileSync(join(dir, f), 'utf8'))]) : []);
    parsed.set(dir, files);
  }
  return files;
};
const manifests = (cluster: string, component: string) => [...manifestFiles(cluster, component).values()];
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

/** Matches a file name against a directory source's include/exclude glob (`*` within one segment). */
const globMatches = (glob: string, name: string) =>
  new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*')}$`,
  ).test(name);

/** The Application an ApplicationSet template yields for a component.json (the git files generator's parameters). */
function generate(template: unknown, params: Record<string, unknown>): any {
  return JSON.parse(
    JSON.stringify(template).replace(/\{\{ \.(\w+) \}\}/g, (_, key: string) => {
      if (!(key in params)) throw new Error(`missingkey=error: the template reads .${key}, component.json has no ${key}`);
      return String(params[key]);
    }),
  );
}

test('dist/ holds clusters with an argocd component', () => {
  expect(clusters.length).toBeGreaterThan(0);
});

describe.each(clusters)('cluster %s', (cluster) => {
  const names = components(cluster);
  const meta: Record<string, any> = Object.fromEntries(names.map((n) => [n, json(join(DIST, cluster, n, 'component.json'))]));
  const argocdFiles = manifestFiles(cluster, 'argocd');
  const argocd = [...argocdFiles.values()];
  const appSets = argocd.filter((o) => o.kind === 'ApplicationSet');
  const apps = argocd.filter((o) => o.kind === 'Application');
  const projects = argocd.filter((o) => o.kind === 'AppProject');
  const source = apps.find((a) => a.metadata.name === 'argocd')?.spec.source ?? {};

  test('every component directory has a complete component.json whose paths exist', () => {
    expect(names).toEqual(expect.arrayContaining(['argocd', 'namespaces']));
    for (const [name, c] of Object.entries(meta)) {
      expect(c.name).toBe(name);
      expect(c.cluster).toBe(cluster);
      expect(PROJECTS).toContain(c.project);
      expect(Number.isInteger(c.wave) && c.wave >= 0).toBe(true);
      expect(c.namespace).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(Array.isArray(c.syncOptions)).toBe(true);
      expect(c).not.toHaveProperty('git');
      expect(c.manifests).toBe(`dist/${cluster}/${name}/manifests`);
      expect(existsSync(fromRepo(c.manifests)), c.manifests).toBe(true);
    }
  });

  test('a chart is provenance only: exact version, tree digest, the values it was rendered with', () => {
    for (const c of Object.values(meta).filter((m) => m.chart)) {
      expect(c.chart.valuesFile).toBe(`dist/${cluster}/${c.name}/values.yaml`);
      expect(existsSync(fromRepo(c.chart.valuesFile)), c.chart.valuesFile).toBe(true);
      expect(c.chart.version).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(c.chart.digest).toMatch(/^[a-f0-9]{64}$/);
      expect(parseAllDocuments(readFileSync(fromRepo(c.chart.valuesFile), 'utf8'))).toHaveLength(1);
      // What the chart rendered is in the manifests: more than our own objects.
      expect(
        // (ours carry cdk8s' managed-by label; the chart's do not, and not every chart labels helm.sh/chart)
        manifests(cluster, c.name).some((o) => o.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'cdk8s'),
        `${c.name}: no chart objects`,
      ).toBe(true);
    }
  });

  test('the namespaces come first; waves respect declared dependencies', () => {
    expect(meta.namespaces).toMatchObject({ wave: 0, project: 'bootstrap', dependsOn: [] });
    for (const c of Object.values(meta)) {
      if (c.name !== 'namespaces') expect(c.dependsOn, c.name).toContain('namespaces');
      for (const dep of c.dependsOn) {
        expect(meta[dep], `${c.name} depends on missing ${dep}`).toBeDefined();
        expect(c.wave, `${c.name} (wave ${c.wave}) must come after ${dep} (wave ${meta[dep].wave})`).toBeGreaterThan(meta[dep].wave);
      }
    }
  });

  test('one ApplicationSet per component but argocd, named after it, sync-waved with its wave, kept when platform is deleted', () => {
    expect(appSets.map((s) => s.metadata.name).sort()).toEqual(names.filter((n) => n !== 'argocd').sort());
    for (const set of appSets) {
      const c = meta[set.metadata.name];
      expect(set.metadata.annotations).toMatchObject({
        'argocd.argoproj.io/sync-wave': String(c.wave),
        'argocd.argoproj.io/sync-options': 'Delete=false',
      });
      expect(set.spec.generators).toHaveLength(1);
      expect(set.spec.generators[0].git.files).toEqual([{ path: `dist/${cluster}/${c.name}/component.json` }]);
      expect(set.spec.generators[0].git).toMatchObject({ repoURL: source.repoURL, revision: source.targetRevision });
      expect(set.spec.generators[0].selector).toBeUndefined();
      expect(set.spec.goTemplate).toBe(true);
      expect(set.spec.goTemplateOptions).toEqual(['missingkey=error']);
      expect(set.spec.templatePatch).toContain('{{- if hasKey . "syncOptions" }}');
    }
  });

  test('each ApplicationSet generates one Application: its component, its project, one source (the manifests folder)', () => {
    for (const set of appSets) {
      const c = meta[set.metadata.name];
      const app = generate(set.spec.template, c);
      expect(app.metadata.name).toBe(c.name);
      expect(app.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
      expect(app.spec.project).toBe(c.project);
      expect(app.spec.destination.namespace).toBe(c.namespace);
      expect(app.spec.sources).toBeUndefined();
      expect(app.spec.source).toEqual({ repoURL: source.repoURL, targetRevision: source.targetRevision, path: c.manifests });
      expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      expect(app.spec.syncPolicy.retry.limit).toBe(5);
    }
  });

  test('the bootstrap Applications split the argocd folder: argocd without the ApplicationSets, platform only them', () => {
    expect(apps.map((a) => a.metadata.name).sort()).toEqual(['argocd', 'platform']);
    const [argocdApp, platform] = ['argocd', 'platform'].map((n) => apps.find((a) => a.metadata.name === n)!);
    for (const app of [argocdApp, platform]) {
      expect(app.spec.project).toBe('bootstrap');
      // Deleting either, even with a cascade from the UI, deletes nothing it delivered.
      expect(app.spec.syncPolicy.syncOptions, app.metadata.name).toContain('Delete=false');
      expect(app.spec.sources).toBeUndefined();
      expect(app.spec.source.path).toBe(`dist/${cluster}/argocd/manifests`);
      expect(app.metadata.finalizers).toBeUndefined();
    }
    const { include } = platform.spec.source.directory;
    const { exclude } = argocdApp.spec.source.directory;
    expect(include).toBe(exclude);
    // The glob selects exactly the ApplicationSet files: platform syncs them all, argocd none.
    for (const [file, o] of argocdFiles) expect(globMatches(include, file), file).toBe(o.kind === 'ApplicationSet');
    expect(platform.metadata.annotations).toMatchObject({
      'argocd.argoproj.io/sync-wave': '1',
      'argocd.argoproj.io/sync-options': 'Delete=false',
    });
    expect(platform.spec.syncPolicy.retry.limit).toBe(-1);
    expect(platform.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  test('waves wait for healthy ApplicationSets and no sync runs for ever', () => {
    const values = parse(readFileSync(join(DIST, cluster, 'argocd/values.yaml'), 'utf8'));
    const lua: string = values.configs.cm['resource.customizations.health.argoproj.io_ApplicationSet'];
    expect(lua).toContain('status.resources');
    expect(lua).toContain('"Healthy"');
    const params = manifests(cluster, 'argocd').find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'argocd-cmd-params-cm');
    expect(Number(params?.data['controller.sync.timeout.seconds'])).toBeGreaterThan(0);
    const cm = manifests(cluster, 'argocd').find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'argocd-cm');
    expect(cm?.data['resource.customizations.health.argoproj.io_ApplicationSet']).toBe(lua);
  });

  test('AppProjects: no wildcard, only this repository, only bootstrap reaches argocd and writes delivery kinds', () => {
    expect(projects.map((p) => p.metadata.name).sort()).toEqual([...PROJECTS].sort());
    for (const p of projects) {
      expect(JSON.stringify(p.spec), `AppProject ${p.metadata.name}`).not.toContain('*');
      expect(p.spec.sourceRepos).toEqual([source.repoURL]);
      const destinations = (p.spec.destinations ?? []).map((d: any) => d.namespace);
      if (p.metadata.name === 'bootstrap') {
        expect(p.spec.namespaceResourceBlacklist).toBeUndefined();
      } else {
        expect(destinations, p.metadata.name).not.toContain('argocd');
        expect(p.spec.namespaceResourceBlacklist, p.metadata.name).toEqual(DELIVERY_KINDS);
      }
    }
  });

  test('every object of every component, chart objects included, is within its project', () => {
    for (const c of Object.values(meta)) {
      const project = projects.find((p) => p.metadata.name === c.project)!;
      const destinations = project.spec.destinations.map((d: any) => d.namespace);
      expect(destinations).toContain(c.namespace);
      for (const o of manifests(cluster, c.name)) {
        if (o.metadata.namespace) expect(destinations, `${c.name}: ${o.kind}/${o.metadata.name}`).toContain(o.metadata.namespace);
        else
          expect(project.spec.clusterResourceWhitelist, `${c.name}: ${o.kind}/${o.metadata.name}`).toContainEqual({
            group: groupOf(o.apiVersion),
            kind: o.kind,
          });
      }
    }
  });

  test('every namespace used is delivered by the namespaces component, never deleted or pruned by Argo CD', () => {
    const namespaces = manifests(cluster, 'namespaces').filter((o) => o.kind === 'Namespace');
    for (const ns of namespaces)
      expect(ns.metadata.annotations, ns.metadata.name).toMatchObject({
        'argocd.argoproj.io/sync-options': 'Delete=false,Prune=false',
        'argocd.argoproj.io/compare-options': 'IgnoreExtraneous',
      });
    const delivered = new Set([...namespaces.map((ns) => ns.metadata.name), 'kube-system']);
    for (const c of Object.values(meta)) {
      expect(delivered, `${c.name}: destination namespace ${c.namespace}`).toContain(c.namespace);
      for (const o of manifests(cluster, c.name))
        if (o.metadata.namespace) expect(delivered, `${c.name}: ${o.kind}/${o.metadata.name}`).toContain(o.metadata.namespace);
    }
    // No other component renders a Namespace.
    for (const name of names.filter((n) => n !== 'namespaces'))
      expect(
        manifests(cluster, name)
          .filter((o) => o.kind === 'Namespace')
          .map((o) => o.metadata.name),
        name,
      ).toEqual([]);
  });

  test('CRDs sync first in their Application', () => {
    for (const name of names)
      for (const o of manifests(cluster, name).filter((x) => x.kind === 'CustomResourceDefinition'))
        expect(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'], `${name}: ${o.metadata.name}`).toBe('-1');
  });
});
