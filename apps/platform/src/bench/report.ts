/** The benchmark's figures and docs/benchmarks.md. */
import type { FleetStats } from './run';

/** The runs of one fleet size, in the order they are measured (see measure.ts). */
export const SCENARIOS = ['cold', 'first', 'unchanged', 'change'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const SCENARIO_TITLE: Record<Scenario, string> = {
  cold: 'cold',
  first: 'warm, first write',
  unchanged: 'warm, unchanged',
  change: 'warm, one change',
};

/** Medians of one run kind of one fleet size over the repeats. */
/** One scenario of a fleet: the child's own step timings and chart counts (medians), plus what was measured from outside. */
export interface ScenarioRow extends Pick<
  FleetStats,
  'startupMs' | 'renderMs' | 'serializeMs' | 'writeMs' | 'memoMs' | 'synthMs' | 'rendered' | 'cached'
> {
  /** The child process, spawn to exit. */
  readonly wallMs: number;
  readonly peakRssMiB: number;
}

export interface FleetRow {
  readonly clusters: number;
  readonly objects: number;
  readonly files: number;
  readonly bytes: number;
  /** Distinct chart inputs (render cache entries after a cold run); undefined when cold was not measured. */
  readonly distinctCharts?: number;
  /** Undefined when the fleet is larger than the cold limit. */
  readonly cold?: ScenarioRow;
  readonly first: ScenarioRow;
  readonly unchanged: ScenarioRow;
  readonly change: ScenarioRow;
  /** The plain-fs floor child (the first write's files and bytes, no rendering), spawn to exit. */
  readonly plainWallMs: number;
  readonly plainPeakRssMiB: number;
}

export interface BenchReport {
  readonly date: string;
  readonly node: string;
  readonly cpus: number;
  readonly repeat: number;
  /** Cold runs are measured for fleets of at most this many clusters. */
  readonly coldMax: number;
  /** The node-start floor (`node -e`), spawn to exit. */
  readonly nodeStart: { readonly wallMs: number; readonly peakRssMiB: number };
  /** Filling the warm render cache for the largest fleet, once, in parallel processes (not a synth figure). */
  readonly prime: { readonly clusters: number; readonly processes: number; readonly wallMs: number; readonly rendered: number };
  readonly fleets: readonly FleetRow[];
}

/** The 100-cluster targets, for a re-synth (every warm run). */
export const TARGET = { clusters: 100, wallMs: 15_000, peakRssMiB: 1024 } as const;

const WARM = ['first', 'unchanged', 'change'] as const;
type WarmScenario = (typeof WARM)[number];

/** Per-cluster synth time of a warm re-synth after one change at the largest fleet over that at the smallest fleet of 2 or more (1.00 = linear). */
export function growth(fleets: readonly FleetRow[]): { small: FleetRow; large: FleetRow; ratio: number; marginalMs: number } | undefined {
  const multi = fleets.filter((f) => f.clusters >= 2);
  if (multi.length < 2) return undefined;
  const small = multi.reduce((a, b) => (b.clusters < a.clusters ? b : a));
  const large = multi.reduce((a, b) => (b.clusters > a.clusters ? b : a));
  const ratio = large.change.synthMs / large.clusters / (small.change.synthMs / small.clusters);
  const marginalMs = (large.change.synthMs - small.change.synthMs) / (large.clusters - small.clusters);
  return { small, large, ratio, marginalMs };
}

/** The 100-cluster targets against the slowest and the largest warm run. */
export interface TargetCheck {
  readonly row: FleetRow;
  readonly slowest: WarmScenario;
  readonly largest: WarmScenario;
  readonly wallMs: number;
  readonly peakRssMiB: number;
  readonly wallMet: boolean;
  readonly memoryMet: boolean;
}

/** Checks the targets; undefined when no fleet of 100 was measured. */
export function targets(fleets: readonly FleetRow[]): TargetCheck | undefined {
  const row = fleets.find((f) => f.clusters === TARGET.clusters);
  if (!row) return undefined;
  const slowest = WARM.reduce<WarmScenario>((a, b) => (row[b].wallMs > row[a].wallMs ? b : a), 'first');
  const largest = WARM.reduce<WarmScenario>((a, b) => (row[b].peakRssMiB > row[a].peakRssMiB ? b : a), 'first');
  const wallMs = row[slowest].wallMs;
  const peakRssMiB = row[largest].peakRssMiB;
  return { row, slowest, largest, wallMs, peakRssMiB, wallMet: wallMs < TARGET.wallMs, memoryMet: peakRssMiB < TARGET.peakRssMiB };
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
const ratio = (n: number) => `${n.toFixed(2)}×`;
const NOT_MEASURED = '—';
const right = (n: number): Align[] => Array.from({ length: n }, () => 'right');

/** docs/benchmarks.md. Deterministic: the same report gives the same text. */
export function renderMarkdown(report: BenchReport): string {
  const { fleets, nodeStart, prime } = report;
  const runs = (f: FleetRow) => SCENARIOS.flatMap((s) => (f[s] ? [[s, f[s]] as const] : []));

  const sizeTable = markdownTable(
    ['clusters', 'objects', 'files', 'bytes', 'distinct chart inputs', 'helm runs cold', 'helm runs one change'],
    right(7),
    fleets.map((f) => [
      String(f.clusters),
      String(f.objects),
      String(f.files),
      String(f.bytes),
      f.distinctCharts === undefined ? NOT_MEASURED : String(f.distinctCharts),
      f.cold ? String(f.cold.rendered) : NOT_MEASURED,
      String(f.change.rendered),
    ]),
  );
  const wallTable = markdownTable(
    ['clusters', ...SCENARIOS.map((s) => SCENARIO_TITLE[s]), 'one change ÷ unchanged', 'write: replace ÷ fresh'],
    right(7),
    fleets.map((f) => [
      String(f.clusters),
      ...SCENARIOS.map((s) => (f[s] ? ms(f[s].wallMs) : NOT_MEASURED)),
      ratio(f.change.wallMs / f.unchanged.wallMs),
      ratio(f.change.writeMs / f.first.writeMs),
    ]),
  );
  const rssTable = markdownTable(
    ['clusters', ...SCENARIOS.map((s) => SCENARIO_TITLE[s])],
    right(5),
    fleets.map((f) => [String(f.clusters), ...SCENARIOS.map((s) => (f[s] ? ms(f[s].peakRssMiB) : NOT_MEASURED))]),
  );
  const stepTable = markdownTable(
    ['clusters', 'run', 'start + load', 'render', 'serialize', 'write', 'memo', 'synth', 'ms / cluster'],
    ['right', 'left', ...right(7)],
    fleets.flatMap((f) =>
      runs(f).map(([s, r]) => [
        String(f.clusters),
        SCENARIO_TITLE[s],
        ms(r.startupMs),
        ms(r.renderMs),
        ms(r.serializeMs),
        ms(r.writeMs),
        ms(r.memoMs),
        ms(r.synthMs),
        ms1(r.synthMs / f.clusters),
      ]),
    ),
  );
  const floorTable = markdownTable(
    ['clusters', 'node start', 'plain fs', 'warm, first write', 'above plain fs'],
    right(5),
    fleets.map((f) => [
      String(f.clusters),
      ms(nodeStart.wallMs),
      ms(f.plainWallMs),
      ms(f.first.wallMs),
      ms(f.first.wallMs - f.plainWallMs),
    ]),
  );

  const g = growth(fleets);
  const growthLine = g
    ? `Growth: a re-synth after one change of ${g.large.clusters} clusters takes ${g.ratio.toFixed(2)}× the synth time per cluster of ` +
      `${g.small.clusters} clusters, ` +
      `${g.ratio > 1.25 ? 'superlinear' : g.ratio < 0.8 ? 'sublinear (fixed costs spread over more clusters)' : 'linear'} ` +
      `(1.00 is linear; 0.80 to 1.25 counts as linear); each cluster beyond ${g.small.clusters} adds ${ms1(g.marginalMs)} ms.`
    : 'Growth: needs two fleet sizes of 2 or more clusters.';
  const t = targets(fleets);
  const verdict = (met: boolean) => (met ? 'met' : '**missed**');
  const targetLine = t
    ? `Targets for a re-synth of ${TARGET.clusters} clusters (the slowest and the largest warm run): ` +
      `wall ${ms(t.wallMs)} ms (${SCENARIO_TITLE[t.slowest]}) < ${TARGET.wallMs} ms ${verdict(t.wallMet)}; ` +
      `peak RSS ${ms(t.peakRssMiB)} MiB (${SCENARIO_TITLE[t.largest]}) < ${TARGET.peakRssMiB} MiB ${verdict(t.memoryMet)}.`
    : `Targets for a re-synth of ${TARGET.clusters} clusters: not measured (no fleet of ${TARGET.clusters}).`;
  const notCold = fleets.filter((f) => !f.cold).map((f) => f.clusters);
  const primeLine =
    prime.rendered > 0
      ? ` Filling the warm cache for ${prime.clusters} clusters took ${(prime.wallMs / 1000).toFixed(1)} s for ${prime.rendered} helm ` +
        `renders in ${prime.processes} process${prime.processes === 1 ? '' : 'es'} at once (cluster 1, then slices of the others; ` +
        'not a synth figure, and only when the bench cache lacks them).'
      : '';
  const coldLine =
    notCold.length === 0
      ? `Cold is measured at every fleet size.${primeLine}`
      : `Cold is measured for fleets of up to ${report.coldMax} clusters only (not at ${notCold.join(', ')}): a cold run ` +
        "renders every distinct chart input (one per cluster for Argo CD), parsing helm's output in the synth process costs more than helm " +
        `itself, and a fleet of ${Math.max(...notCold)} would take minutes a run (\`--cold-max ${Math.max(...notCold)}\` measures it).${primeLine}`;

  return [
    '# Synth benchmark',
    '',
    '<!-- Generated by `npm run bench` (apps/platform/src/bench/cli.ts); rerun it rather than editing. -->',
    '',
    'A fleet of N is N clones of `clusters/prod.ts` with their own names (`bench-001`…) and domains',
    '(`bench-001.example.com`…) and the same components. The domain reaches the Argo CD chart values',
    "(`global.domain`), so every clone is a distinct chart input of Argo CD (cert-manager's values are the same in",
    'every clone): a fleet is N clusters sharing chart versions but not values, like real environments, not N copies',
    'of one render. Each run is a fresh `node` process through the steps of `synthesize()` (`renderAll` with',
    'hydration, the YAML memo, `distFiles`, `writeDistAtomically`). The bench has its own render cache',
    "(`.cache/bench/renders`, kept between bench runs) and YAML memos (a temporary directory): the repository's",
    '`.cache/renders` and `.cache/yaml-memo.json` are neither read nor written. The runs of each size, in order:',
    '',
    '- cold: an empty render cache and memo (a temporary directory), no output directory: helm renders every chart',
    '  input of every cluster (as many at once as CPUs), then the tree is written.',
    '- warm, first write: every render in the cache, the memo filled, no output directory.',
    '- warm, unchanged: a re-synth over the identical tree; it must write nothing (checked: every file and',
    '  directory keeps its inode and mtime).',
    '- warm, one change: `bench-001` gets a new domain (a new one every run): one helm render, the new tree is',
    '  written beside the old one and swapped in, the old one removed (checked: the directory was replaced and',
    '  nothing is left beside it).',
    '',
    `Every figure is the median of ${report.repeat} run${report.repeat === 1 ? '' : 's'}.`,
    '',
    `## ${report.date}`,
    '',
    `Node ${report.node}, ${report.cpus} CPU${report.cpus === 1 ? '' : 's'}.`,
    '',
    sizeTable,
    '',
    '- objects: Kubernetes objects rendered; files and bytes: the tree written by the first write.',
    '- distinct chart inputs: render cache entries after a cold run; helm runs: renders the run did not find in the',
    '  cache (an input shared by several clusters renders once).',
    '',
    '### Wall time (ms)',
    '',
    wallTable,
    '',
    '- wall: the child process from spawn to exit (Node start, loading the bundle, synth, exit).',
    '- write: replace ÷ fresh: the write step of one change (a new tree beside the old one, the swap, removing the',
    '  old tree) over that of the first write into an empty directory.',
    '',
    coldLine,
    '',
    growthLine,
    '',
    targetLine,
    '',
    '### Peak RSS (MiB)',
    '',
    rssTable,
    '',
    "- peak RSS: `process.resourceUsage().maxRSS` of the child; helm's processes are not included.",
    '',
    '### Inside the process (ms)',
    '',
    stepTable,
    '',
    '- start + load: from process start until rendering begins; render: `renderAll` (compose, hydrate, finish);',
    '  serialize: `distFiles`; write: `writeDistAtomically` (compare, and when different write, swap, remove the old',
    '  tree); memo: reading and saving the YAML memo; synth: their sum.',
    '',
    '### Against the floors (ms)',
    '',
    floorTable,
    '',
    `- node start: \`node -e\` printing its own peak RSS (${ms(nodeStart.peakRssMiB)} MiB), spawn to exit.`,
    '- plain fs: a fresh `node -e` writing files of the same paths and sizes with `mkdirSync` + `writeFileSync` into',
    '  an empty directory, no rendering and no bundle to load, spawn to exit.',
    '- above plain fs: warm, first write minus plain fs, what loading the bundle, rendering and serializing add.',
    '',
  ].join('\n');
}
