import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, test } from 'vitest';

/** The Argo CD contract, read from the committed dist/: what Argo CD will actually pull. */
const ROOT = resolve(__dirname, '../../..');
const DIST = join(ROOT, 'dist');
const clusters = readdirSync(DIST).filter((c) => existsSync(join(DIST, c, 'argocd')));
const components = (cluster: string) =>
  readdirSync(join(DIST, cluster)).filter((c) => existsSync(join(DIST, cluster, c, 'component.json')));
const json = (p: string) => JSON.parse(readFileSync(p, 'utf8'));
const manifests = (cluster: string, component: string): Record<string, any>[] => {
  const dir = join(DIST, cluster, component, 'manifests');
  return existsSync(dir) ? readdirSync(dir).map((f) => parse(readFileSync(join(dir, f), 'utf8'))) : [];
};

/** Matches a path against an Argo CD git files generator glob (`*` = one path segment). */
const globMatches = (glob: string, path: string) =>
  new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]+')}$`,
  ).test(path);

describe.each(clusters)('cluster %s', (cluster) => {
  const names = components(cluster);
  const meta = Object.fromEntries(names.map((n) => [n, json(join(DIST, cluster, n, 'component.json'))]));

  test('every component directory has a complete component.json', () => {
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const [name, c] of Object.entries(meta)) {
      expect(c.name).toBe(name);
      expect(c.cluster).toBe(cluster);
      expect(['infrastructure', 'iam', 'observability', 'apps']).toContain(c.project);
      expect(Number.isInteger(c.wave) && c.wave >= 0).toBe(true);
      expect(c.namespace).toMatch(/^[a-z0-9-]+$/);
      expect(Array.isArray(c.syncOptions)).toBe(true);
      if (c.manifests) expect(existsSync(join(ROOT, c.manifests)), c.manifests).toBe(true);
    }
  });

  test('every component with a chart has its values.yaml and an exact chart version', () => {
    for (const c of Object.values(meta).filter((m) => m.chart)) {
      expect(existsSync(join(ROOT, c.chart.valuesFile)), c.chart.valuesFile).toBe(true);
      expect(c.chart.valuesFile).toBe(`dist/${cluster}/${c.name}/values.yaml`);
      expect(c.chart.version).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(parseAllDocuments(readFileSync(join(ROOT, c.chart.valuesFile), 'utf8'))).toHaveLength(1);
    }
  });

  test('waves respect declared dependencies', () => {
    for (const c of Object.values(meta)) {
      for (const dep of c.dependsOn) {
        expect(meta[dep], `${c.name} depends on missing ${dep}`).toBeDefined();
        expect(c.wave, `${c.name} (wave ${c.wave}) must come after ${dep} (wave ${meta[dep].wave})`).toBeGreaterThan(meta[dep].wave);
      }
    }
  });

  const argocd = manifests(cluster, 'argocd');
  const appSets = argocd.filter((o) => o.kind === 'ApplicationSet');

  test('one ApplicationSet per wave generates exactly one Application per component directory', () => {
    const generated = new Map<string, number>();
    for (const set of appSets) {
      const [generator] = set.spec.generators;
      const files: { path: string; exclude?: boolean }[] = generator.git.files;
      const included = files.filter((f) => !f.exclude);
      expect(included.map((f) => f.path)).toEqual([`dist/${cluster}/*/component.json`]);
      const wave = Number(generator.selector.matchLabels.wave);
      for (const name of names) {
        const path = `dist/${cluster}/${name}/component.json`;
        const matched = included.some((f) => globMatches(f.path, path)) && !files.some((f) => f.exclude && globMatches(f.path, path));
        if (matched && meta[name].wave === wave) generated.set(name, (generated.get(name) ?? 0) + 1);
      }
      expect(set.spec.goTemplate).toBe(true);
      expect(set.spec.template.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      expect(set.spec.template.spec.syncPolicy.retry.limit).toBe(5);
      // The ApplicationSet of wave w syncs after the one of wave w-1 inside the bootstrap Application.
      expect(set.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe(String(wave + 1));
    }
    const expected = names.filter((n) => n !== 'argocd').sort();
    expect([...generated.keys()].sort()).toEqual(expected);
    expect([...generated.values()].every((n) => n === 1)).toBe(true);
  });

  test('the bootstrap Application manages the argocd component from its chart, values and manifests', () => {
    const app = argocd.find((o) => o.kind === 'Application' && o.metadata.name === 'argocd');
    expect(app).toBeDefined();
    const c = meta.argocd;
    expect(app!.spec.sources).toEqual([
      {
        repoURL: c.chart.repoURL,
        chart: c.chart.chart,
        targetRevision: c.chart.version,
        helm: { releaseName: 'argocd', valueFiles: [`$values/dist/${cluster}/argocd/values.yaml`] },
      },
      { repoURL: appSets[0].spec.generators[0].git.repoURL, targetRevision: appSets[0].spec.generators[0].git.revision, ref: 'values' },
      {
        repoURL: appSets[0].spec.generators[0].git.repoURL,
        targetRevision: appSets[0].spec.generators[0].git.revision,
        path: `dist/${cluster}/argocd/manifests`,
      },
    ]);
    expect(app!.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  test('the ApplicationSet health check that makes waves wait is configured', () => {
    const values = parse(readFileSync(join(DIST, cluster, 'argocd/values.yaml'), 'utf8'));
    const lua: string = values.configs.cm['resource.customizations.health.argoproj.io_ApplicationSet'];
    expect(lua).toContain('obj.status.resources');
    expect(lua).toContain('"Healthy"');
  });

  test('AppProjects allow no wildcard and cover every Application', () => {
    const projects = argocd.filter((o) => o.kind === 'AppProject');
    expect(projects.map((p) => p.metadata.name).sort()).toEqual(['apps', 'iam', 'infrastructure', 'observability']);
    for (const p of projects) {
      const text = JSON.stringify(p.spec);
      expect(text, `AppProject ${p.metadata.name}`).not.toContain('"*"');
      for (const d of p.spec.destinations ?? []) expect(d.namespace).not.toContain('*');
      for (const r of p.spec.sourceRepos) expect(r).not.toContain('*');
    }
    for (const c of Object.values(meta)) {
      const project = projects.find((p) => p.metadata.name === c.project)!;
      expect(project.spec.destinations.map((d: any) => d.namespace)).toContain(c.namespace);
      if (c.chart) expect(project.spec.sourceRepos).toContain(c.chart.repoURL);
      for (const o of manifests(cluster, c.name)) {
        if (o.metadata.namespace)
          expect(
            project.spec.destinations.map((d: any) => d.namespace),
            `${o.kind}/${o.metadata.name}`,
          ).toContain(o.metadata.namespace);
        else
          expect(project.spec.clusterResourceWhitelist, `${o.kind}/${o.metadata.name}`).toContainEqual({
            group: o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '',
            kind: o.kind,
          });
      }
    }
  });
});
