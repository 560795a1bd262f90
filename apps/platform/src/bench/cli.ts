import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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

/** Parses the command line; returns a message for a bad one. */
export function parseArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): BenchOptions | { help: true } | { error: string } {
  let sizes = [1, 10, 100];
  let repeat = 3;
  let coldMax = 10;
  let write = true;
  let chartsDir: string | undefined;
  let date = env.BENCH_DATE || new Date().toISOString().slice(0, 10);
  // `--flag value` or `--flag=value` (the form `nx run platform:bench --sizes=1,10` passes on).
  const args = argv.flatMap((a) => (/^--[a-z-]+=/.test(a) ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a]));
  const count = (flag: string, value: string, min: number): number | { error: string } => {
    const n = Number(value);
    return Number.isInteger(n) && n >= min ? n : { error: `${flag}: got ${JSON.stringify(value)}, expected an integer ≥ ${min}` };
  };
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
      if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_SIZE))
        return { error: `--sizes: got ${JSON.stringify(value)}, expected integers from 1 to ${MAX_SIZE} separated by commas` };
    } else if (flag === '--repeat') {
      const n = count(flag, value, 1);
      if (typeof n !== 'number') return n;
      repeat = n;
    } else if (flag === '--cold-max') {
      const n = count(flag, value, 0);
      if (typeof n !== 'number') return n;
      coldMax = n;
    } else if (flag === '--charts-dir') {
      chartsDir = resolve(value);
    } else if (flag === '--date') {
      date = value;
    } else {
      return { error: `unknown argument ${JSON.stringify(flag)}` };
    }
  }
  if (!DATE.test(date)) return { error: `date: got ${JSON.stringify(date)}, expected YYYY-MM-DD (--date or $BENCH_DATE)` };
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    repeat,
    coldMax,
    write,
    date,
    ...(chartsDir !== undefined && { chartsDir }),
  };
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
