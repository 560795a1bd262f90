import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FleetStats, PlainWriteStats } from './run';
import { NODE_START_SCRIPT, PLAIN_WRITE_SCRIPT } from './run';

/** Where the benchmark runs from. */
export interface BenchContext {
  /** Repository root: docs/benchmarks.md is written there. */
  readonly root: string;
  /** The bench bundle: `node <script> --fleet N --out DIR` runs one fleet (see run.ts childMain). */
  readonly script: string;
}

export interface BenchOptions {
  readonly sizes: readonly number[];
  readonly repeat: number;
  readonly write: boolean;
  /** YYYY-MM-DD, the heading of docs/benchmarks.md. */
  readonly date: string;
}

/** Medians of one fleet size over the repeats. */
export interface FleetRow {
  readonly clusters: number;
  readonly objects: number;
  readonly files: number;
  readonly bytes: number;
  /** The child process, spawn to exit. */
  readonly wallMs: number;
  readonly startupMs: number;
  readonly renderMs: number;
  readonly serializeMs: number;
  readonly writeMs: number;
  readonly synthMs: number;
  readonly peakRssMiB: number;
  /** The plain-fs floor child (same files and bytes, no rendering), spawn to exit. */
  readonly plainWallMs: number;
  readonly plainPeakRssMiB: number;
}

export interface BenchReport {
  readonly date: string;
  readonly node: string;
  readonly cpus: number;
  readonly repeat: number;
  /** The node-start floor (`node -e`), spawn to exit. */
  readonly nodeStart: { readonly wallMs: number; readonly peakRssMiB: number };
  readonly fleets: readonly FleetRow[];
}

/** The 100-cluster targets. */
export const TARGET = { clusters: 100, wallMs: 15_000, peakRssMiB: 1024 } as const;

const USAGE = [
  'usage: npm run bench -- [--sizes 1,10,50,100] [--repeat 3] [--date YYYY-MM-DD] [--no-write]',
  '  Synthesizes fleets of clones of clusters/prod.ts, each in a fresh node process, and writes docs/benchmarks.md.',
  '  --date defaults to $BENCH_DATE, else today (UTC). Exit code 1 when the 100-cluster targets are missed.',
].join('\n');

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Parses the command line; returns a message for a bad one. */
export function parseArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): BenchOptions | { help: true } | { error: string } {
  let sizes = [1, 10, 50, 100];
  let repeat = 3;
  let write = true;
  let date = env.BENCH_DATE || new Date().toISOString().slice(0, 10);
  // `--flag value` or `--flag=value` (the form `nx run platform:bench --sizes=1,10` passes on).
  const args = argv.flatMap((a) => (/^--[a-z-]+=/.test(a) ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a]));
  for (let i = 0; i < args.length; i++) {
    const [flag, value] = [args[i], args[i + 1]];
    if (flag === '--help' || flag === '-h') return { help: true };
    if (flag === '--no-write') {
      write = false;
      continue;
    }
    if (value === undefined) return { error: `${flag} needs a value` };
    i++;
    if (flag === '--sizes') {
      sizes = value.split(',').map(Number);
      if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1))
        return { error: `--sizes: got ${JSON.stringify(value)}, expected integers ≥ 1 separated by commas` };
    } else if (flag === '--repeat') {
      repeat = Number(value);
      if (!Number.isInteger(repeat) || repeat < 1) return { error: `--repeat: got ${JSON.stringify(value)}, expected an integer ≥ 1` };
    } else if (flag === '--date') {
      date = value;
    } else {
      return { error: `unknown argument ${JSON.stringify(flag)}` };
    }
  }
  if (!DATE.test(date)) return { error: `date: got ${JSON.stringify(date)}, expected YYYY-MM-DD (--date or $BENCH_DATE)` };
  return { sizes: [...new Set(sizes)].sort((a, b) => a - b), repeat, write, date };
}

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

/** Runs `node ...args` to completion; returns its wall time (spawn to exit) and the last line it printed. */
function runNode(args: readonly string[], what: string): Promise<{ wallMs: number; json: any }> {
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
}

const mib = (kib: number) => kib / 1024;

/**
 * Measures every fleet size `repeat` times, interleaved (round 1 of every size, then round 2, …)
 * after one uncounted warm-up, each run in a fresh process: the node-start floor, then per size the
 * fleet and the plain-fs floor writing the fleet's files. Returns the medians.
 */
export async function measure(ctx: BenchContext, options: BenchOptions, log: (line: string) => void): Promise<BenchReport> {
  const work = mkdtempSync(join(tmpdir(), 'platform-bench-'));
  const nodeStart: { wallMs: number; peakRssMiB: number }[] = [];
  const runs = new Map<number, { fleet: FleetStats & { wallMs: number }; plain: PlainWriteStats & { wallMs: number } }[]>(
    options.sizes.map((n) => [n, []]),
  );
  try {
    // One run of each kind not counted, so the first counted run does not pay for a cold file cache.
    await runNode(['-e', NODE_START_SCRIPT], 'node start');
    const warm = join(work, 'warm-up');
    await runNode([ctx.script, '--fleet', String(options.sizes[0]), '--out', warm], 'warm-up fleet');
    rmSync(warm, { recursive: true, force: true });
    for (let round = 1; round <= options.repeat; round++) {
      const bare = await runNode(['-e', NODE_START_SCRIPT], 'node start');
      nodeStart.push({ wallMs: bare.wallMs, peakRssMiB: mib(bare.json.maxRssKiB) });
      log(`bench: round ${round}/${options.repeat}: node start ${bare.wallMs.toFixed(0)} ms`);
      for (const size of options.sizes) {
        const out = join(work, `fleet-${size}`);
        const plainOut = join(work, `plain-${size}`);
        const layout = join(work, `layout-${size}.json`);
        const fleet = await runNode([ctx.script, '--fleet', String(size), '--out', out, '--layout', layout], `fleet of ${size}`);
        rmSync(out, { recursive: true, force: true });
        const plain = await runNode(['-e', PLAIN_WRITE_SCRIPT, layout, plainOut], `plain fs write for ${size}`);
        rmSync(plainOut, { recursive: true, force: true });
        runs.get(size)!.push({ fleet: { ...fleet.json, wallMs: fleet.wallMs }, plain: { ...plain.json, wallMs: plain.wallMs } });
        log(
          `bench: round ${round}/${options.repeat}: ${size} cluster${size === 1 ? '' : 's'} ${fleet.wallMs.toFixed(0)} ms, ` +
            `${mib(fleet.json.maxRssKiB).toFixed(0)} MiB (plain fs ${plain.wallMs.toFixed(0)} ms)`,
        );
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const fleets = options.sizes.map((size): FleetRow => {
    const rs = runs.get(size)!;
    const f = rs.map((r) => r.fleet);
    const [first] = f;
    // Rendering is deterministic: every repeat must produce the same output.
    for (const r of f) {
      if (r.clusters !== size || r.objects !== first.objects || r.files !== first.files || r.bytes !== first.bytes)
        throw new Error(`fleet of ${size}: runs differ in clusters, objects, files or bytes: ${JSON.stringify(f)}`);
    }
    const med = (pick: (r: FleetStats & { wallMs: number }) => number) => median(f.map(pick));
    return {
      clusters: size,
      objects: first.objects,
      files: first.files,
      bytes: first.bytes,
      wallMs: med((r) => r.wallMs),
      startupMs: med((r) => r.startupMs),
      renderMs: med((r) => r.renderMs),
      serializeMs: med((r) => r.serializeMs),
      writeMs: med((r) => r.writeMs),
      synthMs: med((r) => r.synthMs),
      peakRssMiB: med((r) => mib(r.maxRssKiB)),
      plainWallMs: median(rs.map((r) => r.plain.wallMs)),
      plainPeakRssMiB: median(rs.map((r) => mib(r.plain.maxRssKiB))),
    };
  });
  return {
    date: options.date,
    node: process.version,
    cpus: availableParallelism(),
    repeat: options.repeat,
    nodeStart: { wallMs: median(nodeStart.map((r) => r.wallMs)), peakRssMiB: median(nodeStart.map((r) => r.peakRssMiB)) },
    fleets,
  };
}

/** Per-cluster synth time at the largest fleet over that at the smallest fleet of 2 or more (1.00 = linear). */
export function growth(fleets: readonly FleetRow[]): { small: FleetRow; large: FleetRow; ratio: number; marginalMs: number } | undefined {
  const multi = fleets.filter((f) => f.clusters >= 2);
  if (multi.length < 2) return undefined;
  const small = multi.reduce((a, b) => (b.clusters < a.clusters ? b : a));
  const large = multi.reduce((a, b) => (b.clusters > a.clusters ? b : a));
  const ratio = large.synthMs / large.clusters / (small.synthMs / small.clusters);
  const marginalMs = (large.synthMs - small.synthMs) / (large.clusters - small.clusters);
  return { small, large, ratio, marginalMs };
}

/** The 100-cluster targets: undefined when no fleet of 100 was measured. */
export function targets(fleets: readonly FleetRow[]): { row: FleetRow; wallMet: boolean; memoryMet: boolean } | undefined {
  const row = fleets.find((f) => f.clusters === TARGET.clusters);
  return row && { row, wallMet: row.wallMs < TARGET.wallMs, memoryMet: row.peakRssMiB < TARGET.peakRssMiB };
}

type Align = 'left' | 'right';

/** A Markdown table with padded columns, as Prettier formats it (so `prettier --check` accepts the file). */
export function markdownTable(header: readonly string[], align: readonly Align[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(3, h.length, ...rows.map((r) => r[c].length)));
  const cell = (text: string, c: number) => (align[c] === 'right' ? text.padStart(widths[c]) : text.padEnd(widths[c]));
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(header.map(cell)),
    line(widths.map((w, c) => (align[c] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)))),
    ...rows.map((r) => line(r.map(cell))),
  ].join('\n');
}

const ms = (n: number) => n.toFixed(0);
const ms1 = (n: number) => n.toFixed(1);

/** docs/benchmarks.md. Deterministic: the same report gives the same text. */
export function renderMarkdown(report: BenchReport): string {
  const { fleets, nodeStart } = report;
  const fleetTable = markdownTable(
    ['clusters', 'wall (ms)', 'ms / cluster', 'objects', 'files', 'bytes', 'peak RSS (MiB)'],
    ['right', 'right', 'right', 'right', 'right', 'right', 'right'],
    fleets.map((f) => [
      String(f.clusters),
      ms(f.wallMs),
      ms1(f.synthMs / f.clusters),
      String(f.objects),
      String(f.files),
      String(f.bytes),
      ms(f.peakRssMiB),
    ]),
  );
  const floorTable = markdownTable(
    ['clusters', 'node start', 'plain fs', 'fleet', 'above plain fs', 'start + load', 'render', 'serialize', 'write'],
    ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    fleets.map((f) => [
      String(f.clusters),
      ms(nodeStart.wallMs),
      ms(f.plainWallMs),
      ms(f.wallMs),
      ms(f.wallMs - f.plainWallMs),
      ms(f.startupMs),
      ms(f.renderMs),
      ms(f.serializeMs),
      ms(f.writeMs),
    ]),
  );

  const g = growth(fleets);
  const growthLine = g
    ? `Growth: ${g.large.clusters} clusters take ${g.ratio.toFixed(2)}× the synth time per cluster of ${g.small.clusters} clusters, ` +
      `${g.ratio > 1.25 ? 'superlinear' : g.ratio < 0.8 ? 'sublinear (fixed costs spread over more clusters)' : 'linear'} ` +
      `(1.00 is linear; 0.80 to 1.25 counts as linear); each cluster beyond ${g.small.clusters} adds ${ms1(g.marginalMs)} ms.`
    : 'Growth: needs two fleet sizes of 2 or more clusters.';
  const t = targets(fleets);
  const verdict = (met: boolean) => (met ? 'met' : '**missed**');
  const targetLine = t
    ? `Targets for ${TARGET.clusters} clusters: wall ${ms(t.row.wallMs)} ms < ${TARGET.wallMs} ms ${verdict(t.wallMet)}; ` +
      `peak RSS ${ms(t.row.peakRssMiB)} MiB < ${TARGET.peakRssMiB} MiB ${verdict(t.memoryMet)}.`
    : `Targets for ${TARGET.clusters} clusters: not measured (no fleet of ${TARGET.clusters}).`;

  return [
    '# Synth benchmark',
    '',
    '<!-- Generated by `npm run bench` (apps/platform/src/bench/cli.ts); rerun it rather than editing. -->',
    '',
    'Fleets of clones of `clusters/prod.ts` (names `bench-001`…, domains `bench-001.example.com`…, the same components),',
    'each synthesized by a fresh `node` process (`renderAll`, `distFiles`, `writeDistAtomically`) into a temporary',
    `directory. Every figure is the median of ${report.repeat} run${report.repeat === 1 ? '' : 's'}.`,
    '',
    `## ${report.date}`,
    '',
    `Node ${report.node}, ${report.cpus} CPU${report.cpus === 1 ? '' : 's'}.`,
    '',
    fleetTable,
    '',
    '- wall: the child process from spawn to exit (Node start, loading the bundle, synth, exit).',
    '- ms / cluster: the synth steps in the child (render + serialize + write) divided by the clusters.',
    '- objects: Kubernetes objects rendered; files and bytes: what was written.',
    '- peak RSS: `process.resourceUsage().maxRSS` of the child.',
    '',
    growthLine,
    '',
    targetLine,
    '',
    '### Against the floors (ms)',
    '',
    floorTable,
    '',
    `- node start: \`node -e\` printing its own peak RSS (${ms(nodeStart.peakRssMiB)} MiB), spawn to exit.`,
    '- plain fs: a fresh `node -e` writing files of the same paths and sizes with `mkdirSync` + `writeFileSync`, no',
    '  rendering and no bundle to load, spawn to exit.',
    '- above plain fs: fleet minus plain fs, what loading the bundle, rendering and serializing add.',
    '- start + load: from process start until rendering begins, in the child; render (`renderAll`), serialize',
    '  (`distFiles`) and write (`writeDistAtomically`) are measured inside it.',
    '',
  ].join('\n');
}

/** The bench command: measures, prints the report and writes docs/benchmarks.md. Returns the exit code. */
export async function main(argv: string[], ctx: BenchContext = { root: process.cwd(), script: __filename }): Promise<number> {
  const parsed = parseArgs(argv);
  if ('help' in parsed) {
    console.log(USAGE);
    return 0;
  }
  if ('error' in parsed) {
    console.error(`bench: ${parsed.error}\n${USAGE}`);
    return 2;
  }
  let report: BenchReport;
  try {
    report = await measure(ctx, parsed, (line) => console.error(line));
  } catch (error) {
    console.error('bench failed:', error instanceof Error ? error.message : error);
    return 1;
  }
  const markdown = renderMarkdown(report);
  console.log(markdown);
  if (parsed.write) {
    const doc = join(ctx.root, 'docs', 'benchmarks.md');
    writeFileSync(doc, markdown);
    console.error(`bench: wrote ${doc}`);
  }
  const t = targets(report.fleets);
  return t && !(t.wallMet && t.memoryMet) ? 1 : 0;
}
