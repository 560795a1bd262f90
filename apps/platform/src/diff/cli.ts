// `npm run diff -- [--base <ref>] [--out <file>] [--max-fields <n>] [--charts-dir <dir>]`: renders
// the working tree's clusters in memory (the async synth: charts hydrated, cached), compares the
// result with dist/ of the base commit and prints Markdown for a pull request comment. Nothing is
// written to dist/.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SynthError, distFiles } from '@platform/core';
import { Flags, parseFlags, runCommand, UsageError } from '../cli-args';
import { ClusterModule, renderAll } from '../synth';
import { compareTrees } from './compare';
import { renderMarkdown } from './markdown';
import { parseDistFiles, readDistRef, resolveCommit } from './tree';

const DIFF = {
  name: 'diff',
  usage: 'usage: npm run diff -- [--base <git-ref>] [--out <file>] [--max-fields <n>] [--charts-dir <dir>] [--clusters <dir>]',
  options: { base: { type: 'string' }, out: { type: 'string' }, 'max-fields': { type: 'string' }, 'charts-dir': { type: 'string' } },
} as const;

export interface DiffArgs {
  readonly base?: string;
  readonly out?: string;
  readonly maxFields: number;
  readonly chartsDir?: string;
}

/** Renders the working tree: every file of its dist/, by path under dist/. */
export type Synthesize = (options: { readonly chartsDir?: string }) => Promise<ReadonlyMap<string, string>>;

export interface DiffOptions {
  /** Repository root. */
  readonly root: string;
  readonly synthesize: Synthesize;
}

/** The working tree's dist/ files from the cluster modules, rendered in memory as synth would write them. */
export function synthesizeModules(modules: readonly ClusterModule[], root: string): Synthesize {
  return async ({ chartsDir }) => {
    const { clusters } = await renderAll(modules, { root, chartsDir });
    return distFiles(clusters, 'dist');
  };
}

/** The diff command. Returns the process exit code (0 done, 1 failed, 2 usage; cli-args.ts); never throws. */
export async function main(argv: readonly string[], { root, synthesize }: DiffOptions): Promise<number> {
  return runCommand(DIFF, argv, async (flags) => {
    const args = diffArgs(flags);
    try {
      const markdown = await run(root, args, synthesize);
      process.stdout.write(markdown);
      if (args.out) writeFileSync(resolve(args.out), markdown);
      return 0;
    } catch (error) {
      console.error(`diff: ${(error as Error).message}`);
      return 1;
    }
  });
}

/** The arguments of a command line, or 'help'; throws a UsageError (cli-args.ts) for a bad one. */
export function parseArgs(argv: readonly string[]): DiffArgs | 'help' {
  const flags = parseFlags(DIFF, argv);
  return flags === 'help' ? 'help' : diffArgs(flags);
}

function diffArgs(flags: Flags<typeof DIFF.options>): DiffArgs {
  return {
    ...(flags.base !== undefined && { base: flags.base }),
    ...(flags.out !== undefined && { out: flags.out }),
    maxFields: flags['max-fields'] === undefined ? 20 : positiveInteger(flags['max-fields']),
    ...(flags['charts-dir'] !== undefined && { chartsDir: resolve(flags['charts-dir']) }),
  };
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`--max-fields takes a positive integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** Synthesizes, reads the base and renders; throws an Error with a readable message on failure. */
async function run(root: string, args: DiffArgs, synthesize: Synthesize): Promise<string> {
  const base = args.base ?? defaultBase(root);
  const commit = resolveCommit(root, base);
  const before = readDistRef(root, commit);
  const after = parseDistFiles(await synthesized(synthesize, args.chartsDir));
  return renderMarkdown(compareTrees(before, after), { base: `${base} (${commit.slice(0, 12)})`, maxFields: args.maxFields });
}

async function synthesized(synthesize: Synthesize, chartsDir: string | undefined): Promise<ReadonlyMap<string, string>> {
  try {
    return await synthesize({ chartsDir });
  } catch (error) {
    if (error instanceof SynthError) {
      const problems = `${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}`;
      throw new Error(`synth of the working tree failed (${problems}):\n${error.message.replace(/^/gm, '  ')}`, { cause: error });
    }
    throw new Error(`synth of the working tree failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** `origin/main` when the repository has it, else `HEAD`. */
function defaultBase(root: string): string {
  try {
    resolveCommit(root, 'origin/main');
    return 'origin/main';
  } catch {
    return 'HEAD';
  }
}
