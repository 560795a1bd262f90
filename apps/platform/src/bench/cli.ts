import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Flags, parseFlags, runCommand, UsageError } from '../cli-args';
import { BenchContext, measure } from './measure';
import { BenchReport, renderMarkdown, targets } from './report';

export interface BenchOptions {
  readonly sizes: readonly number[];
  readonly repeat: number;
  /** Cold runs (empty render cache) for fleets of at most this many clusters. */
  readonly coldMax: number;
  readonly write: boolean;
  /** YYYY-MM-DD, the heading of docs/benchmarks.md. */
  readonly date: string;
  /** `--charts-dir` of synth (absolute). */
  readonly chartsDir?: string;
}

const USAGE = [
  'usage: npm run bench -- [--sizes 1,10,100] [--repeat 3] [--cold-max 10] [--charts-dir DIR] [--date YYYY-MM-DD] [--no-write]',
  '  Synthesizes fleets of clones of clusters/prod.ts, each run in a fresh node process: cold (empty render cache, for',
  '  fleets of at most --cold-max clusters), warm first write, warm unchanged and warm one change; writes',
  "  docs/benchmarks.md. The warm render cache is the bench's own, .cache/bench/renders, kept between runs (the first",
  "  run fills it for the largest fleet); the repository's .cache/renders and .cache/yaml-memo.json are never touched.",
  '  --date defaults to $BENCH_DATE, else today (UTC). --charts-dir as for synth.',
  '  Exit code 1 when the 100-cluster targets are missed.',
].join('\n');

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Cluster names are padded to three digits below 1000 clusters, so every fleet's clusters are the largest fleet's first ones. */
const MAX_SIZE = 999;

const BENCH = {
  name: 'bench',
  usage: USAGE,
  options: {
    sizes: { type: 'string' },
    repeat: { type: 'string' },
    'cold-max': { type: 'string' },
    'charts-dir': { type: 'string' },
    date: { type: 'string' },
    'no-write': { type: 'boolean' },
  },
} as const;

/** The options of a command line, or 'help'; throws a UsageError (cli-args.ts) for a bad one. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions | 'help' {
  const flags = parseFlags(BENCH, argv);
  return flags === 'help' ? 'help' : benchOptions(flags, env);
}

function benchOptions(flags: Flags<typeof BENCH.options>, env: NodeJS.ProcessEnv): BenchOptions {
  const count = (flag: string, value: string | undefined, min: number, otherwise: number): number => {
    if (value === undefined) return otherwise;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag}: got ${JSON.stringify(value)}, expected an integer ≥ ${min}`);
    return n;
  };
  const sizes = flags.sizes === undefined ? [1, 10, 100] : flags.sizes.split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_SIZE))
    throw new UsageError(`--sizes: got ${JSON.stringify(flags.sizes)}, expected integers from 1 to ${MAX_SIZE} separated by commas`);
  const date = flags.date ?? (env.BENCH_DATE || new Date().toISOString().slice(0, 10));
  if (!DATE.test(date)) throw new UsageError(`date: got ${JSON.stringify(date)}, expected YYYY-MM-DD (--date or $BENCH_DATE)`);
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    repeat: count('--repeat', flags.repeat, 1, 3),
    coldMax: count('--cold-max', flags['cold-max'], 0, 10),
    write: !flags['no-write'],
    date,
    ...(flags['charts-dir'] !== undefined && { chartsDir: resolve(flags['charts-dir']) }),
  };
}

/** The bench command: measures, prints the report and writes docs/benchmarks.md. Returns the exit code (0 targets met, 1 missed or failed, 2 usage; cli-args.ts). */
export async function main(argv: string[], ctx: BenchContext = { root: process.cwd(), script: __filename }): Promise<number> {
  return runCommand(BENCH, argv, (flags) => bench(ctx, benchOptions(flags, process.env)));
}

async function bench(ctx: BenchContext, options: BenchOptions): Promise<number> {
  let report: BenchReport;
  try {
    report = await measure(ctx, options, (line) => console.error(line));
  } catch (error) {
    console.error('bench failed:', error instanceof Error ? error.message : error);
    return 1;
  }
  const markdown = renderMarkdown(report);
  console.log(markdown);
  if (options.write) {
    const doc = join(ctx.root, 'docs', 'benchmarks.md');
    writeFileSync(doc, markdown);
    console.error(`bench: wrote ${doc}`);
  }
  const t = targets(report.fleets);
  return t && !(t.wallMet && t.memoryMet) ? 1 : 0;
}
