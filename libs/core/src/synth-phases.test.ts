import { describe, expect, test } from 'vitest';
import {
  Component,
  KubeObject,
  Namespace,
  Platform,
  SynthError,
  chartRequests,
  composeCluster,
  defineCluster,
  finishCluster,
  loadYamlMemo,
  testChart,
  testSpec,
  toYaml,
  toYamlMemo,
} from '@platform/core';
import { createHash } from 'node:crypto';

class Db extends Component {
  constructor(scope: Platform, id: string, apiVersions: string[]) {
    super(scope, id, { namespace: Namespace.restricted('db'), project: 'infrastructure', chart: testChart({ apiVersions }) });
    this.patchChartObjects((o) => {
      o.metadata.labels = { ...o.metadata.labels, patched: String(Number(o.metadata.labels?.patched ?? 0) + 1) };
    });
  }
}

const deployment = (): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'db' }, spec: {} });

describe('finishCluster with the charts of every cluster (what synth passes)', () => {
  const compose = (name: string, apiVersions: string[]) =>
    composeCluster(
      defineCluster(testSpec({ name }), (p) => new Db(p, 'db', apiVersions)),
      `clusters/${name}.ts`,
    );

  test("each cluster normalizes and patches only its own charts, once; another cluster's chart problem is not reported twice", () => {
    const [a, b] = [compose('a', []), compose('b', ['db.example.com/v1'])];
    const rendered = new Map([...chartRequests(a), ...chartRequests(b)].map((r) => [r.component, [deployment()]]));
    // Cluster b's chart serves no CRD although it declares db.example.com/v1: one problem, for b only.
    let problems: string[] = [];
    const cluster = finishCluster(a, rendered);
    try {
      finishCluster(b, rendered);
    } catch (error) {
      problems = (error as SynthError).problems.map((p) => `${p.file}: ${p.path}`);
    }
    expect(problems).toEqual(['clusters/b.ts: components.db.chart']);
    const db = cluster.components.find((c) => c.name === 'db')!.objects.find((o) => o.kind === 'Deployment')!;
    expect(db.metadata.labels.patched).toBe('1');
    expect(db.metadata.namespace).toBe('db');
  });
});

describe('the YAML memo', () => {
  test('an entry another writer produced is never served: keys include the writer identity', () => {
    const value = { kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'on' } };
    const contentOnly = createHash('sha256').update(JSON.stringify(value)).digest('base64url');
    loadYamlMemo({ [contentOnly]: 'stale: true\n' });
    expect(toYamlMemo(value)).toBe(toYaml(value));
  });
});
