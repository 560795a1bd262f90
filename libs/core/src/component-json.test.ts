import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { k8s } from 'cdk8s-plus-30';
import {
  Component,
  ComponentProps,
  Namespace,
  PROJECTS as COMPONENT_PROJECTS,
  Platform,
  TEST_CLUSTER_FILE,
  distFiles,
  renderTestCluster,
  renderTestClusterWithCharts,
  synthProblems,
  testChart,
} from '@platform/core';
import { ComponentJsonSchema, PROJECTS, WaveNode, deriveWaves } from './component-json';

class Part extends Component {
  constructor(scope: Platform, id: string, props: Partial<ComponentProps> = {}) {
    super(scope, id, { namespace: Namespace.restricted(id), project: 'apps', ...props });
    new k8s.KubeConfigMap(this, 'settings', { metadata: { name: 'settings', namespace: id } });
  }
}

/** A component that renders nothing: its component.json has no manifests. */
class Empty extends Component {
  constructor(scope: Platform, id: string) {
    super(scope, id, { namespace: Namespace.restricted(id), project: 'observability' });
  }
}

const componentJsons = (files: ReadonlyMap<string, string>) =>
  [...files].filter(([path]) => path.endsWith('/component.json')).map(([path, text]) => [path, JSON.parse(text)] as const);

describe('ComponentJsonSchema: the writer and validate read one shape', () => {
  test('every component.json the writer produces parses, unchanged (chart, no manifests, every project)', () => {
    const cluster = renderTestClusterWithCharts(
      (p) => {
        new Part(p, 'web', { dependsOn: ['db'], wave: 4 });
        new Part(p, 'db', { chart: testChart({ chart: 'postgres' }), project: 'infrastructure' });
        new Part(p, 'sso', { project: 'iam' });
        new Empty(p, 'quiet');
      },
      { db: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'db' } }] },
    );
    const jsons = componentJsons(distFiles([cluster]));
    expect(jsons.map(([path]) => path)).toEqual([
      'test/db/component.json',
      'test/namespaces/component.json',
      'test/quiet/component.json',
      'test/sso/component.json',
      'test/web/component.json',
    ]);
    for (const [path, json] of jsons) expect(ComponentJsonSchema.parse(json), path).toEqual(json);
    const quiet = Object.fromEntries(jsons)['test/quiet/component.json'];
    expect(quiet.manifests).toBeUndefined();
    expect(new Set(jsons.map(([, j]) => j.project))).toEqual(new Set(['infrastructure', 'bootstrap', 'observability', 'iam', 'apps']));
  });

  test("the committed dist/ parses (what validate's contract check reads)", () => {
    const dist = resolve(__dirname, '../../../dist');
    if (!existsSync(dist)) return;
    const files = readdirSync(dist, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((cluster) => readdirSync(join(dist, cluster.name)).map((c) => join(dist, cluster.name, c, 'component.json')))
      .filter(existsSync);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(ComponentJsonSchema.safeParse(JSON.parse(readFileSync(file, 'utf8'))).error, file).toBeUndefined();
  });

  test('strict: unknown fields, a loose digest and an unknown project fail, with their messages', () => {
    const cluster = renderTestCluster((p) => new Part(p, 'web', { chart: testChart() }));
    const json = Object.fromEntries(componentJsons(distFiles([cluster])))['test/web/component.json'];
    const issues = (edit: (j: Record<string, any>) => void) => {
      const copy = structuredClone(json);
      edit(copy);
      return ComponentJsonSchema.safeParse(copy).error?.issues.map((i) => [i.path.join('.'), i.message]);
    };
    expect(issues((j) => (j.helm = {}))).toEqual([['', 'Unrecognized key: "helm"']]);
    expect(issues((j) => (j.chart.digest = 'sha256:abc'))).toEqual([
      ['chart.digest', 'must be the sha256 of the chart tree (64 lower-case hex digits)'],
    ]);
    expect(issues((j) => (j.project = 'platform'))).toEqual([
      ['project', 'Invalid option: expected one of "bootstrap"|"infrastructure"|"iam"|"observability"|"apps"'],
    ]);
  });

  test("the projects are the components' projects", () => {
    expect(PROJECTS).toEqual(COMPONENT_PROJECTS);
  });
});

describe('deriveWaves', () => {
  const node = (name: string, dependsOn: string[] = [], minWave?: number): WaveNode => ({ name, dependsOn, minWave });

  test('one more than every dependency, at least the minimum', () => {
    const { waves, problems } = deriveWaves([node('c', ['a', 'b', 'a']), node('b', ['a'], 3), node('a')], 'clusters/x.ts');
    expect(problems).toEqual([]);
    expect(Object.fromEntries(waves)).toEqual({ a: 0, b: 3, c: 4 });
  });

  test('a minimum not greater than a dependency, an unknown dependency, a cycle, a bad minimum', () => {
    const { problems } = deriveWaves(
      [node('a', [], 2), node('b', ['a'], 2), node('c', ['vault']), node('d', ['e']), node('e', ['d']), node('f', [], 1.5)],
      'clusters/x.ts',
    );
    expect(problems).toEqual([
      {
        component: 'b',
        field: 'wave',
        rule: 'wave-order',
        message: 'got 2, but it depends on "a" (wave 2): its wave must be greater than 2',
      },
      {
        component: 'c',
        field: 'dependsOn',
        rule: 'unknown-dependency',
        message: 'needs component "vault", which this cluster does not include; add it to clusters/x.ts (components: a, b, c, d, e, f)',
      },
      {
        component: 'd',
        field: 'dependsOn',
        rule: 'dependency-cycle',
        message: 'dependency cycle d → e → d: waves need an order, remove one of these dependencies',
      },
      { component: 'f', field: 'wave', rule: 'invalid-wave', message: 'got 1.5, a wave is an integer ≥ 0' },
    ]);
  });

  // Until computeWaves (platform.ts) is written on deriveWaves, the two must agree.
  test("agrees with synth's waves and wave problems", () => {
    const graphs: Record<string, [string, string[], number?][]> = {
      ok: [
        ['a', []],
        ['b', ['a'], 5],
        ['c', ['a', 'b']],
      ],
      problems: [
        ['a', ['c'], 1],
        ['b', ['a'], 1],
        ['c', ['b', 'vault']],
        ['d', ['d']],
      ],
    };
    for (const [name, graph] of Object.entries(graphs)) {
      const compose = (p: Platform) => graph.forEach(([id, dependsOn, wave]) => new Part(p, id, { dependsOn, wave }));
      const nodes = [...graph.map(([id, dependsOn, wave]) => node(id, ['namespaces', ...dependsOn], wave)), node('namespaces')];
      const { waves, problems } = deriveWaves(nodes, TEST_CLUSTER_FILE);
      const expected = problems.map((p) => `${TEST_CLUSTER_FILE}: components.${p.component}.${p.field}: ${p.message}`);
      if (expected.length === 0) {
        const rendered = renderTestCluster(compose);
        expect(Object.fromEntries(rendered.components.map((c) => [c.name, c.wave])), name).toEqual(Object.fromEntries(waves));
      } else {
        expect(
          synthProblems(() => renderTestCluster(compose)),
          name,
        ).toEqual(expected);
      }
    }
  });
});
