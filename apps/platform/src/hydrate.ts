/**
 * Hydration: every upstream chart is rendered at synth (`helm template` with the pinned helm, the
 * pinned chart source, the cluster's Kubernetes version and API versions) into plain objects that
 * the dist writer puts in the component's manifests. Renders are cached by content hash (chart
 * digest, values, Kubernetes version, API versions, helm binary), so a synth with no chart or
 * values change runs no helm at all; misses render in parallel. Components' pinned manifest files
 * (plain upstream YAML, libs/core/src/manifests.ts) are read in the same phase, hash-checked, and
 * join their component's chart objects.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import {
  ChartRequest,
  Component,
  KubeObject,
  Problem,
  SynthError,
  helmTemplateArgs,
  hermeticHelmEnv,
  mergeRendered,
  readManifests,
  toYaml,
} from '@platform/core';
import { HELM_PIN, helmBinary, helmIdentity } from '../../../scripts/helm.mjs';
import { locateChart } from '../../../scripts/charts.mjs';
import { writeFileAtomic } from '../../../scripts/pinned-files.mjs';

export interface HydrateOptions {
  /** Repository root (chart sources and caches are relative to it). */
  readonly root: string;
  /** `--charts-dir`: a directory of pinned chart sources. */
  readonly chartsDir?: string;
  /** `--crds-dir`: the directory of pinned upstream files that components' `manifests` name. @default PLATFORM_CRDS_DIR, ../shared/crds, downloads */
  readonly crdsDir?: string;
  /** @default `<root>/.cache/renders` */
  readonly cacheDir?: string;
  /** Renders run at once. @default the number of CPUs */
  readonly concurrency?: number;
  /**
   * Renders the cache keeps (the most recently used); `Infinity` for a cache its owner bounds
   * itself (the benchmark's).
   * @default - four per chart of this synth, at least 32
   */
  readonly keepRenders?: number;
}

export interface HydrateResult {
  /** What each component's chart rendered, then the objects of its manifest files. */
  readonly objects: Map<Component, KubeObject[]>;
  /** helm runs (one per distinct input), and requests served from the cache. */
  readonly rendered: number;
  readonly cached: number;
}

/** The cache key of one render: everything its output depends on. */
export function renderKey(request: ChartRequest, helm: string): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        helm,
        chart: request.chart.pin.digest,
        release: request.releaseName,
        namespace: request.namespace,
        kubeVersion: request.kubeVersion,
        apiVersions: request.apiVersions,
        values: toYaml(request.chart.values),
        ...(request.chart.includeCrds === false && { includeCrds: false }),
      }),
    )
    .digest('hex');
}

/**
 * Parsed documents by the sha256 of their text: the same CRD renders in every cluster and in every
 * render of a chart whose values changed, and parsing YAML is the slow part. Kept in this process
 * and, when `cacheDir` is given, on disk (`<cacheDir>/documents/<sha256>.json`).
 */
const parsedDocuments = new Map<string, unknown>();

function parseDocumentCached(chunk: string, cacheDir: string | undefined): unknown {
  const key = createHash('sha256').update(chunk).digest('hex');
  if (parsedDocuments.has(key)) return parsedDocuments.get(key);
  const file = cacheDir && join(cacheDir, 'documents', `${key}.json`);
  let value: unknown;
  if (file && existsSync(file)) value = JSON.parse(readFileSync(file, 'utf8'));
  else {
    const doc = parseDocument(chunk, { version: '1.1' });
    if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0].message}`);
    value = doc.toJS({ maxAliasCount: -1 }) ?? null;
    if (file) writeFileAtomic(file, JSON.stringify(value));
  }
  parsedDocuments.set(key, value);
  return value;
}

/** Parses helm's multi-document output (YAML 1.1, as Kubernetes reads it) into objects; empty documents dropped. */
export function parseRendered(text: string, cacheDir?: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const chunk of text.split(/^---[ \t]*$/m)) {
    const value = parseDocumentCached(chunk, cacheDir);
    if (value === null || value === undefined) continue;
    const o = value as KubeObject;
    if (typeof o !== 'object' || !o.kind || !o.metadata?.name)
      throw new Error(`helm rendered a document that is not a Kubernetes object: ${JSON.stringify(value).slice(0, 120)}`);
    // Each cluster gets its own copy: normalization and patches change objects in place.
    objects.push(structuredClone(o));
  }
  return objects;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out).toString('utf8'))
        : reject(new Error(Buffer.concat(err).toString('utf8').trim().split('\n').slice(0, 5).join('; ') || `exit code ${code}`)),
    );
  });
}

/** Runs `helm template` for one request; returns helm's output. */
async function helmTemplate(request: ChartRequest, options: HydrateOptions, helm: () => string, work: string): Promise<string> {
  const { pin, chart, version } = request.chart;
  const located = await locateChart({ name: chart, version, ...pin }, { root: options.root, chartsDir: options.chartsDir });
  const values = join(work, `${request.cluster}-${request.component.name}.values.yaml`);
  writeFileSync(values, toYaml(request.chart.values));
  const args = helmTemplateArgs(request, located.dir, values);
  const env = hermeticHelmEnv(join(work, 'helm-home'));
  return run(helm(), args, env);
}

/**
 * Bounds the render cache before new renders are added: the `keep` most recently used renders stay
 * (a cache hit renews its entry's mtime), the rest go; parsed documents are bounded by a count of
 * their own.
 */
function pruneRenders(cacheDir: string, keep: number): void {
  const prune = (dir: string, keep: number) => {
    let names: string[];
    try {
      names = readdirSync(dir).filter((f) => f.endsWith('.json'));
    } catch {
      return;
    }
    if (names.length <= keep) return;
    const byAge = names.map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs })).sort((a, b) => b.t - a.t);
    for (const { f } of byAge.slice(keep)) rmSync(join(dir, f), { force: true });
  };
  if (keep === Infinity) return;
  prune(cacheDir, keep);
  prune(join(cacheDir, 'documents'), 4096);
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Renders every request (cache first) and reads the manifest files of `components` (those that
 * declare `manifests`; pass every component of the clusters). Throws one SynthError naming each
 * chart that failed, with helm's message, and each component whose files cannot be read; nothing
 * is cached for a failed render.
 */
export async function hydrate(
  requests: readonly ChartRequest[],
  options: HydrateOptions,
  components: readonly Component[] = [],
): Promise<HydrateResult> {
  const [charts, manifests] = await Promise.allSettled([
    renderCharts(requests, options),
    readManifests(components, {
      root: options.root,
      crdsDir: options.crdsDir,
      chartsDir: options.chartsDir,
      cacheDir: join(options.cacheDir ?? join(options.root, '.cache', 'renders'), 'documents'),
    }),
  ]);
  if (charts.status === 'fulfilled' && manifests.status === 'fulfilled')
    return { ...charts.value, objects: mergeRendered(charts.value.objects, manifests.value) };
  // Every problem of both, together; anything else as it is.
  const failures = [charts, manifests].flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
  const other = failures.find((e) => !(e instanceof SynthError));
  if (other) throw other;
  throw new SynthError(failures.flatMap((e: SynthError) => e.problems));
}

async function renderCharts(requests: readonly ChartRequest[], options: HydrateOptions): Promise<HydrateResult> {
  const cacheDir = options.cacheDir ?? join(options.root, '.cache', 'renders');
  // The pinned binary is known by its pin; another one (PLATFORM_HELM) by its content.
  const identity = process.env.PLATFORM_HELM ? helmIdentity(options.root) : HELM_PIN.sha256;
  const objects = new Map<Component, KubeObject[]>();
  // Identical inputs (the same chart and values in several clusters) render once.
  const misses = new Map<string, ChartRequest[]>();
  // Clusters with the same chart and values share a cache entry: read and parse it once, copy it for the others.
  const parsed = new Map<string, KubeObject[]>();
  for (const request of requests) {
    const file = join(cacheDir, `${renderKey(request, identity)}.json`);
    const known = parsed.get(file);
    if (known) {
      objects.set(request.component, structuredClone(known));
    } else if (existsSync(file)) {
      const rendered = JSON.parse(readFileSync(file, 'utf8')) as KubeObject[];
      parsed.set(file, rendered);
      // Copies for the other clusters are taken here, before normalization changes objects in place.
      objects.set(request.component, rendered);
      const now = new Date();
      utimesSync(file, now, now);
    } else misses.set(file, [...(misses.get(file) ?? []), request]);
  }
  if (misses.size === 0) return { objects, rendered: 0, cached: requests.length };
  pruneRenders(cacheDir, options.keepRenders ?? Math.max(32, 4 * requests.length));

  let binary: string | undefined;
  const helm = () => (binary ??= helmBinary(options.root));
  const work = mkdtempSync(join(tmpdir(), 'platform-hydrate-'));
  const problems: Problem[] = [];
  try {
    mkdirSync(cacheDir, { recursive: true });
    await pool([...misses], options.concurrency ?? availableParallelism(), async ([file, same]) => {
      try {
        const text = await helmTemplate(same[0], options, helm, work);
        // Each component gets its own objects: normalization and patches change them in place.
        for (const request of same) objects.set(request.component, parseRendered(text, cacheDir));
        writeFileAtomic(file, JSON.stringify(objects.get(same[0].component)));
      } catch (error) {
        for (const request of same)
          problems.push({
            file: request.component.platform.file,
            path: `components.${request.component.name}.chart`,
            message: `helm template ${request.chart.chart} ${request.chart.version} failed: ${error instanceof Error ? error.message : String(error)}`,
          });
      }
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (problems.length > 0) throw new SynthError(problems.sort((a, b) => (a.file + a.path < b.file + b.path ? -1 : 1)));
  const missed = [...misses.values()].reduce((n, same) => n + same.length, 0);
  return { objects, rendered: misses.size, cached: requests.length - missed };
}
