/**
 * Test support: renders a test cluster as synth does, with the real charts (`helm template` with
 * the pinned helm over the pinned chart sources in ../shared/charts), so tests see the objects
 * that reach the cluster. Test code only (not exported by the library).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  type Component,
  type KubeObject,
  type Platform,
  type RenderedCluster,
  TEST_CLUSTER_FILE,
  type TestSpecOverrides,
  chartRequests,
  composeCluster,
  defineCluster,
  finishCluster,
  testSpec,
  toYaml,
} from '@platform/core';
import { helmBinary } from '../../../scripts/helm.mjs';

const ROOT = resolve(__dirname, '../../..');
const CHARTS = process.env.PLATFORM_CHARTS_DIR ?? resolve(ROOT, '../shared/charts');

/** Renders the cluster `compose` builds, every chart with helm. */
export function renderWithHelm(
  compose: (platform: Platform) => void,
  overrides: TestSpecOverrides = {},
  /** Changes what helm rendered before synth sees it (exploration only). */
  adjust?: (component: Component, objects: KubeObject[]) => void,
): RenderedCluster {
  const composed = composeCluster(defineCluster(testSpec(overrides), compose), TEST_CLUSTER_FILE);
  const helm = helmBinary(ROOT);
  const work = mkdtempSync(join(tmpdir(), 'vault-test-'));
  const rendered = new Map<Component, KubeObject[]>();
  try {
    for (const r of chartRequests(composed)) {
      const values = join(work, `${r.component.name}.yaml`);
      writeFileSync(values, toYaml(r.chart.values));
      const args = ['template', r.releaseName, join(CHARTS, r.chart.pin.dir), '--namespace', r.namespace, '--kube-version', r.kubeVersion];
      for (const api of r.apiVersions) args.push('--api-versions', api);
      args.push('--include-crds', '--skip-tests', '--values', values);
      const text = execFileSync(helm, args, { encoding: 'utf8', maxBuffer: 64 << 20, env: { PATH: process.env.PATH, HOME: work } });
      const objects = parseAllDocuments(text, { version: '1.1' })
        .map((d) => d.toJS({ maxAliasCount: -1 }))
        .filter((o): o is KubeObject => !!o?.kind);
      adjust?.(r.component, objects);
      rendered.set(r.component, objects);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return finishCluster(composed, rendered);
}
