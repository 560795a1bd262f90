import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { BenchReport, FleetRow, Scenario, ScenarioRow } from './report';
import type { FleetStats, PlainWriteStats } from './run';
import { NODE_START_SCRIPT, PLAIN_WRITE_SCRIPT } from './run';

/** Where the benchmark runs from. */
export interface BenchContext {
  /** Repository root: docs/benchmarks.md is written there. */
  readonly root: string;
  /** The bench bundle: `node <script> --fleet N --out DIR --renders DIR --memo FILE` runs one fleet (see run.ts childMain). */
  readonly script: string;
  /**
   * The bench's own persistent cache: the warm render cache of the fleets in `<cacheDir>/renders`,
   * kept between runs (filling it for 100 clusters takes about a minute). Never the user's
   * `.cache/renders`. @default `<root>/.cache/bench`
   */
  readonly cacheDir?: string;
}

/** The warm render cache is emptied before priming when it holds more entries than this many per cluster of the largest fleet (old chart versions). */
const STALE_ENTRIES_PER_CLUSTER = 4;

export interface MeasureOptions {
  readonly sizes: readonly number[];
  readonly repeat: number;
  /** Cold runs for fleets of at most this many clusters. */
  readonly coldMax: number;
  readonly date: string;
  /** `--charts-dir` of synth, passed to every child. */
  readonly chartsDir?: string;
}

/** Runs `node ...args` to completion; resolves to its wall time (spawn to exit) and the JSON of the last line it printed. */
export type RunNode = (args: readonly string[], what: string) => Promise<{ wallMs: number; json: any }>;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Flushes the file system's dirty pages (`sync`, where there is one) so a run does not pay for
 * writing back what the previous one wrote or deleted. Outside every timing.
 */
function settle(): void {
  spawnSync('sync', { stdio: 'ignore' });
}

/** The real RunNode: a child process of this Node, stderr passed through. */
export const runNode: RunNode = (args, what) => {
  settle();
  return new Promise((resolvePromise, reject) => {
    let stdout = '';
    let wallMs = 0;
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('exit', () => (wallMs = Number(process.hrtime.bigint() - start) / 1e6));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) return reject(new Error(`${what} exited with ${signal ?? code}`));
      try {
        resolvePromise({ wallMs, json: JSON.parse(stdout.trim().split('\n').pop() ?? '') });
      } catch {
        reject(new Error(`${what} printed no JSON: ${JSON.stringify(stdout.slice(-200))}`));
      }
    });
  });
};

/** Every entry under `dir` (itself as '') with its inode, size and mtime: what any write changes. */
export function treeSnapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (path: string, rel: string) => {
    const s = lstatSync(path, { bigint: true });
    out.set(rel, `${s.ino}:${s.size}:${s.mtimeNs}:${s.isDirectory() ? 'd' : 'f'}`);
    if (s.isDirectory()) for (const name of readdirSync(path).sort()) walk(join(path, name), rel ? `${rel}/${name}` : name);
  };
  walk(dir, '');
  return out;
}

/** The paths whose entry differs between two snapshots (added, removed or changed), sorted. */
export function snapshotDiff(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((p) => before.get(p) !== after.get(p)).sort();
}

/** What the writer leaves beside `outDir` while swapping (`.<base>.tmp-*`, `.<base>.old-*`, `.<base>.swap`). */
export function swapLeftovers(outDir: string): string[] {
  const prefix = `.${basename(outDir)}.`;
  return readdirSync(dirname(outDir)).filter((e) => e.startsWith(prefix));
}

const mib = (kib: number) => kib / 1024;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

type Measured = FleetStats & { wallMs: number };

/** The render cache entries in `dir` (none when it does not exist). */
export function cacheEntries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
}

/** One measured run of a fleet; throws when the run did not do what the scenario is about. */
async function fleetRun(
  run: RunNode,
  ctx: BenchContext,
  options: MeasureOptions,
  scenario: Scenario,
  size: number,
  paths: { out: string; renders: string; memo: string; layout?: string; edit?: string },
): Promise<Measured> {
  const what = `${scenario} fleet of ${size}`;
  const args = [ctx.script, '--fleet', String(size), '--out', paths.out, '--renders', paths.renders, '--memo', paths.memo];
  if (paths.edit) args.push('--edit', paths.edit);
  if (paths.layout) args.push('--layout', paths.layout);
  if (options.chartsDir) args.push('--charts-dir', options.chartsDir);

  const existed = existsSync(paths.out);
  if ((scenario === 'cold' || scenario === 'first') && existed) throw new Error(`${what}: ${paths.out} exists before a first write`);
  if ((scenario === 'unchanged' || scenario === 'change') && !existed)
    throw new Error(`${what}: ${paths.out} is missing: nothing to re-synth over`);
  const before = existed ? treeSnapshot(paths.out) : undefined;

  const { wallMs, json } = await run(args, what);
  const stats = json as FleetStats;
  const fail = (message: string): never => {
    throw new Error(`${what}: ${message}`);
  };
  if (stats.clusters !== size) fail(`rendered ${stats.clusters} clusters`);
  const leftovers = swapLeftovers(paths.out);
  if (leftovers.length > 0) fail(`left ${leftovers.join(', ')} beside ${paths.out}`);
  if (!existsSync(paths.out)) fail(`${paths.out} is missing after the run`);
  if (scenario === 'cold') {
    if (stats.rendered === 0) fail('rendered no chart: the render cache was not empty');
  } else if (scenario === 'change') {
    if (stats.rendered === 0) fail('rendered no chart: the edit did not reach chart values, or was cached');
  } else if (stats.rendered !== 0) {
    fail(`ran helm ${plural(stats.rendered, 'time')}: the render cache is not warm`);
  }
  if (scenario === 'unchanged') {
    const changed = snapshotDiff(before!, treeSnapshot(paths.out));
    if (stats.written || changed.length > 0)
      fail(
        `a re-synth over an identical tree wrote (written: ${stats.written}; changed: ${changed.slice(0, 5).join(', ') || 'nothing'}` +
          `${changed.length > 5 ? `, … ${changed.length} in all` : ''})`,
      );
  } else {
    if (!stats.written) fail('reported nothing written');
    const inode = (snapshot: ReadonlyMap<string, string>) => snapshot.get('')!.split(':')[0];
    if (before && inode(before) === inode(treeSnapshot(paths.out)))
      fail(`${paths.out} was not replaced: the re-synth after a change did not swap in a new tree`);
  }
  return { ...stats, wallMs };
}

/** Medians of one scenario's runs; `rendered`/`cached` must be the same in every run. */
function scenarioRow(what: string, runs: readonly Measured[]): ScenarioRow {
  const [first] = runs;
  for (const r of runs)
    if (r.rendered !== first.rendered || r.cached !== first.cached)
      throw new Error(`${what}: runs differ in charts rendered or cached: ${JSON.stringify(runs.map((x) => [x.rendered, x.cached]))}`);
  const med = (pick: (r: Measured) => number) => median(runs.map(pick));
  return {
    wallMs: med((r) => r.wallMs),
    startupMs: med((r) => r.startupMs),
    renderMs: med((r) => r.renderMs),
    serializeMs: med((r) => r.serializeMs),
    writeMs: med((r) => r.writeMs),
    memoMs: med((r) => r.memoMs),
    synthMs: med((r) => r.synthMs),
    peakRssMiB: med((r) => mib(r.maxRssKiB)),
    rendered: first.rendered,
    cached: first.cached,
  };
}

/** The cluster ranges `from-to` that split clusters 2..size into at most `parts` slices. */
export function primeSlices(size: number, parts: number): string[] {
  const rest = size - 1;
  const n = Math.max(1, Math.min(parts, rest));
  const slices: string[] = [];
  for (let i = 0, from = 2; i < n && from <= size; i++) {
    const count = Math.ceil((size + 1 - from) / (n - i));
    slices.push(`${from}-${from + count - 1}`);
    from += count;
  }
  return slices;
}

/**
 * Measures every fleet size `repeat` times, each run a fresh process. First, not counted: the warm
 * render cache (ctx.cacheDir, persistent) is filled for the largest fleet where it lacks entries
 * (cluster 1 alone, which renders the charts every clone shares, then the other clusters in
 * parallel slices), and the YAML memo of every size is the union of those runs' memos (in a
 * temporary directory, removed at the end, like every output). Then, round by round (round 1 of every size, then round
 * 2, …), per size: cold (sizes up to coldMax: an empty render cache, memo and output), warm first
 * write (output removed first), the plain-fs floor of that tree, warm unchanged (over it), warm one
 * change (over it). Every run is checked (see fleetRun). Returns the medians.
 */
export async function measure(
  ctx: BenchContext,
  options: MeasureOptions,
  log: (line: string) => void,
  run: RunNode = runNode,
): Promise<BenchReport> {
  const work = mkdtempSync(join(tmpdir(), 'platform-bench-'));
  const renders = join(ctx.cacheDir ?? join(ctx.root, '.cache', 'bench'), 'renders');
  const cold = join(work, 'cold');
  const cpus = availableParallelism();
  const largest = Math.max(...options.sizes);
  const out = (size: number) => join(work, `fleet-${size}`);
  const memo = (size: number) => join(work, `memo-${size}.json`);
  const nodeStart: { wallMs: number; peakRssMiB: number }[] = [];
  const runs = new Map<number, Record<Scenario, Measured[]> & { plain: (PlainWriteStats & { wallMs: number })[]; distinct: number[] }>(
    options.sizes.map((n) => [n, { cold: [], first: [], unchanged: [], change: [], plain: [], distinct: [] }]),
  );
  const nonce = randomBytes(4).toString('hex');
  let prime: BenchReport['prime'];
  try {
    await run(['-e', NODE_START_SCRIPT], 'node start');

    // The warm render cache for the largest fleet; smaller fleets are its first clusters, the same specs.
    // Entries are content-addressed, so what is there from an earlier bench is reused; entries of old
    // chart versions pile up, so past a bound the cache starts over.
    if (cacheEntries(renders).length > STALE_ENTRIES_PER_CLUSTER * largest + 8) {
      log(`bench: emptying ${renders} (more than ${STALE_ENTRIES_PER_CLUSTER} entries per cluster: old chart versions)`);
      rmSync(renders, { recursive: true, force: true });
    }
    const primeArgs = (only: string, i: number) => {
      const args = [ctx.script, '--fleet', String(largest), '--only', only, '--out', join(work, `prime-${i}`)];
      args.push('--renders', renders, '--memo', join(work, `prime-${i}.json`));
      if (options.chartsDir) args.push('--charts-dir', options.chartsDir);
      return args;
    };
    const primeStart = process.hrtime.bigint();
    const head = await run(primeArgs('1-1', 0), 'filling the render cache (cluster 1)');
    const slices = primeSlices(largest, cpus);
    const tail =
      largest > 1 ? await Promise.all(slices.map((s, i) => run(primeArgs(s, i + 1), `filling the render cache (clusters ${s})`))) : [];
    const primeMs = Number(process.hrtime.bigint() - primeStart) / 1e6;
    prime = {
      clusters: largest,
      processes: Math.max(1, tail.length),
      wallMs: primeMs,
      rendered: [head, ...tail].reduce((sum, r) => sum + (r.json as FleetStats).rendered, 0),
    };
    // Every size's memo: the union of the slices' memos is the largest fleet's, a superset of the smaller ones'.
    const merged: Record<string, string> = {};
    for (let i = 0; i <= tail.length; i++) {
      rmSync(join(work, `prime-${i}`), { recursive: true, force: true });
      Object.assign(merged, JSON.parse(readFileSync(join(work, `prime-${i}.json`), 'utf8')));
    }
    for (const size of options.sizes) writeFileSync(memo(size), JSON.stringify(merged));
    log(
      `bench: render cache for ${plural(largest, 'cluster')} in ${renders} ready in ${primeMs.toFixed(0)} ms (${prime.rendered} helm renders)`,
    );

    for (let round = 1; round <= options.repeat; round++) {
      const bare = await run(['-e', NODE_START_SCRIPT], 'node start');
      nodeStart.push({ wallMs: bare.wallMs, peakRssMiB: mib(bare.json.maxRssKiB) });
      log(`bench: round ${round}/${options.repeat}: node start ${bare.wallMs.toFixed(0)} ms`);
      for (const size of options.sizes) {
        const r = runs.get(size)!;
        const line: string[] = [];
        const note = (s: Scenario, m: Measured) => line.push(`${s} ${m.wallMs.toFixed(0)} ms ${mib(m.maxRssKiB).toFixed(0)} MiB`);
        if (size <= options.coldMax) {
          rmSync(out(size), { recursive: true, force: true });
          rmSync(cold, { recursive: true, force: true });
          mkdirSync(cold);
          const coldRenders = join(cold, 'renders');
          const m = await fleetRun(run, ctx, options, 'cold', size, {
            out: out(size),
            renders: coldRenders,
            memo: join(cold, 'memo.json'),
          });
          r.cold.push(m);
          r.distinct.push(existsSync(coldRenders) ? readdirSync(coldRenders).filter((f) => f.endsWith('.json')).length : 0);
          note('cold', m);
          rmSync(cold, { recursive: true, force: true });
        }
        rmSync(out(size), { recursive: true, force: true });
        const layout = join(work, `layout-${size}.json`);
        const first = await fleetRun(run, ctx, options, 'first', size, { out: out(size), renders, memo: memo(size), layout });
        r.first.push(first);
        note('first', first);
        const plainOut = join(work, `plain-${size}`);
        const plain = await run(['-e', PLAIN_WRITE_SCRIPT, layout, plainOut], `plain fs write for ${size}`);
        rmSync(plainOut, { recursive: true, force: true });
        r.plain.push({ ...plain.json, wallMs: plain.wallMs });
        const unchanged = await fleetRun(run, ctx, options, 'unchanged', size, { out: out(size), renders, memo: memo(size) });
        r.unchanged.push(unchanged);
        note('unchanged', unchanged);
        // A label no earlier run used, and its render removed afterwards: the persistent cache keeps only the fleets'.
        const edit = `edit-${nonce}-${size}-${round}`;
        const known = new Set(cacheEntries(renders));
        const change = await fleetRun(run, ctx, options, 'change', size, { out: out(size), renders, memo: memo(size), edit });
        for (const f of cacheEntries(renders)) if (!known.has(f)) rmSync(join(renders, f), { force: true });
        r.change.push(change);
        note('change', change);
        log(
          `bench: round ${round}/${options.repeat}: ${plural(size, 'cluster')}: ${line.join(', ')} (plain fs ${plain.wallMs.toFixed(0)} ms)`,
        );
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const fleets = options.sizes.map((size): FleetRow => {
    const r = runs.get(size)!;
    const [first] = r.first;
    // Rendering is deterministic: every run of a tree must produce the same output (an edit changes bytes only).
    const same = [...r.cold, ...r.first, ...r.unchanged];
    for (const x of [...same, ...r.change])
      if (x.objects !== first.objects || x.files !== first.files)
        throw new Error(`fleet of ${size}: runs differ in objects or files: ${JSON.stringify([first, x])}`);
    for (const x of same)
      if (x.bytes !== first.bytes) throw new Error(`fleet of ${size}: runs differ in bytes: ${JSON.stringify([first, x])}`);
    if (new Set(r.distinct).size > 1) throw new Error(`fleet of ${size}: cold runs differ in distinct chart inputs: ${r.distinct}`);
    return {
      clusters: size,
      objects: first.objects,
      files: first.files,
      bytes: first.bytes,
      ...(r.distinct.length > 0 && { distinctCharts: r.distinct[0] }),
      ...(r.cold.length > 0 && { cold: scenarioRow(`cold fleet of ${size}`, r.cold) }),
      first: scenarioRow(`first write of ${size}`, r.first),
      unchanged: scenarioRow(`unchanged fleet of ${size}`, r.unchanged),
      change: scenarioRow(`changed fleet of ${size}`, r.change),
      plainWallMs: median(r.plain.map((p) => p.wallMs)),
      plainPeakRssMiB: median(r.plain.map((p) => mib(p.maxRssKiB))),
    };
  });
  return {
    date: options.date,
    node: process.version,
    cpus,
    repeat: options.repeat,
    coldMax: options.coldMax,
    nodeStart: { wallMs: median(nodeStart.map((r) => r.wallMs)), peakRssMiB: median(nodeStart.map((r) => r.peakRssMiB)) },
    prime,
    fleets,
  };
}
