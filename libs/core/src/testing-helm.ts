/**
 * Test support: renders a test cluster as synth does, every chart with the real helm (the pinned
 * helm over the pinned chart sources: `--charts-dir`-less synth's lookup of ../shared/charts,
 * PLATFORM_CHARTS_DIR or the download cache), so tests see the objects that reach the cluster.
 *
 * Test code only: not exported from index.ts (the synth bundle never pulls child_process); import
 * it as `@platform/core/testing-helm`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { helmBinary } from '../../../scripts/helm.mjs';
import { locateChart } from '../../../scripts/charts.mjs';
import type { Component, KubeObject } from './component';
import {
  type ChartRequest,
  type Platform,
  type RenderedCluster,
  chartRequests,
  helmTemplateArgs,
  hermeticHelmEnv,
  composeCluster,
  defineCluster,
  finishCluster,
} from './platform';
import { TEST_CLUSTER_FILE, type TestSpecOverrides, testSpec } from './testing';
import { toYaml } from './yaml';

const ROOT = resolve(__dirname, '../../..');
const run = promisify(execFile);

export interface RenderWithHelmOptions {
  /** Changes (or records) what helm rendered for a component before synth sees it; synth then changes the objects in place. */
  readonly adjust?: (component: Component, objects: KubeObject[]) => void;
  /** Receives helm's output text for each component, as helm printed it. */
  readonly helmOutput?: (component: Component, text: string) => void;
}

/** `helm template` for one request, as apps/platform/src/hydrate.ts runs it; returns helm's output. */
async function helmTemplate(request: ChartRequest, helm: string, work: string): Promise<string> {
  const { pin, chart, version } = request.chart;
  const located = await locateChart({ name: chart, version, ...pin }, { root: ROOT });
  const values = join(work, `${request.component.name}.values.yaml`);
  writeFileSync(values, toYaml(request.chart.values));
  const args = helmTemplateArgs(request, located.dir, values);
  const env = hermeticHelmEnv(join(work, 'helm-home'));
  const { stdout } = await run(helm, args, { encoding: 'utf8', maxBuffer: 64 << 20, env });
  return stdout;
}

/** helm's multi-document output as objects (YAML 1.1, as Kubernetes reads it); empty documents dropped. */
function parseRendered(text: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text, { version: '1.1' })) {
    if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0].message}`);
    const value = doc.toJS({ maxAliasCount: -1 });
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || !value.kind || !value.metadata?.name)
      throw new Error(`helm rendered a document that is not a Kubernetes object: ${JSON.stringify(value).slice(0, 120)}`);
    objects.push(value as KubeObject);
  }
  return objects;
}

/**
 * Renders the cluster `compose` builds from `testSpec(overrides)` as synth does: composes it,
 * renders every chart request with helm (in parallel) and finishes it (normalization, patches,
 * checks). Throws synth's SynthError as renderTestCluster does.
 */
export async function renderTestClusterWithHelm(
  compose: (platform: Platform) => void,
  overrides: TestSpecOverrides = {},
  options: RenderWithHelmOptions = {},
): Promise<RenderedCluster> {
  const composed = composeCluster(defineCluster(testSpec(overrides), compose), TEST_CLUSTER_FILE);
  const helm = helmBinary(ROOT);
  const work = mkdtempSync(join(tmpdir(), 'platform-helm-test-'));
  const rendered = new Map<Component, KubeObject[]>();
  try {
    const requests = chartRequests(composed);
    const texts = await Promise.all(requests.map((r) => helmTemplate(r, helm, work)));
    requests.forEach((r, i) => {
      options.helmOutput?.(r.component, texts[i]);
      const objects = parseRendered(texts[i]);
      options.adjust?.(r.component, objects);
      rendered.set(r.component, objects);
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return finishCluster(composed, rendered);
}
