// Versions in one place: each component's versions.ts is the record; the JSON files other tools
// read (CRD pins for validate and crds:import, Helm values schemas for validate) must agree with
// it. Component libs are discovered, so a new component is checked without touching this file.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ComponentVersions } from '@platform/core';

const ROOT = resolve(__dirname, '../../..');
const json = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));
const crdSources = json('libs/crds/crd-sources.json') as {
  projects: Record<string, { repo: string; tag: string; dir: string }>;
  files: { path: string; url: string }[];
};
const crdGroups = (json('libs/crds/crds.json') as { groups: { source: string; tag: string; files: string[] }[] }).groups;
const schemaPins = (json('apps/platform/src/validate/chart-schema-sources.json') as { charts: { chart: string; version: string }[] })
  .charts;

const isVersions = (v: unknown): v is ComponentVersions => typeof v === 'object' && v !== null && 'valuesSchema' in v;

async function componentVersions(): Promise<[string, ComponentVersions][]> {
  const out: [string, ComponentVersions][] = [];
  for (const lib of readdirSync(join(ROOT, 'libs')).sort()) {
    const file = join(ROOT, 'libs', lib, 'src', 'versions.ts');
    if (!existsSync(file)) continue;
    for (const [name, value] of Object.entries(await import(file))) if (isVersions(value)) out.push([`${lib}: ${name}`, value]);
  }
  return out;
}

const found = await componentVersions();
const withCrds = found.filter(([, v]) => v.crds).map(([n, v]) => [n, v.crds!] as const);
const withChart = found.filter(([, v]) => v.chart).map(([n, v]) => [n, v] as const);
const semver = (v: string) => v.replace(/^v/, '');

describe('versions.ts is the one place: the JSON pins agree with it', () => {
  test('every component lib with a versions.ts exports its ComponentVersions', () => {
    const libs = readdirSync(join(ROOT, 'libs')).filter((l) => existsSync(join(ROOT, 'libs', l, 'src', 'versions.ts')));
    expect(new Set(found.map(([n]) => n.split(':')[0]))).toEqual(new Set(libs));
  });

  test.each(withCrds)('%s: crd-sources.json pins the same repository, tag and files', (_, crds) => {
    const { repo, tag, dir } = crdSources.projects[crds.project] ?? {};
    expect({ repo, tag }).toEqual({ repo: crds.repo, tag: crds.tag });
    // The project's folder in the CRD dir (`dir`) may carry the version (`istio-1.30.3`).
    const files = crdSources.files.filter((f) => f.path.startsWith(`${dir}/`));
    expect(files.map((f) => f.path.slice(dir!.length + 1)).sort()).toEqual([...crds.files].sort());
    for (const f of files) expect(f.url).toContain(`/${crds.repo}/${crds.tag}/`);
  });

  test.each(withCrds)('%s: crds.json imports bindings from the same tag and only pinned files', (_, crds) => {
    const groups = crdGroups.filter((g) => g.source === crds.project);
    for (const g of groups) {
      expect(g.tag).toBe(crds.tag);
      for (const f of g.files) expect(crds.files).toContain(f);
    }
  });

  test.each(withChart)('%s: CRDs follow the chart, or say why not; the values schema pin matches the chart version', (_, v) => {
    const chart = v.chart!;
    if (v.crds && semver(v.crds.tag) !== semver(chart.appVersion ?? chart.version)) expect(v.crds.tagReason ?? '').not.toBe('');
    const pins = schemaPins.filter((p) => p.chart === chart.chart);
    if (v.valuesSchema === 'none') expect(pins).toEqual([]);
    else expect(pins.map((p) => semver(p.version))).toEqual([semver(chart.version)]);
  });
});
