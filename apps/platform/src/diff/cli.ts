// `npm run diff -- [--base <ref>] [--out <file>] [--max-fields <n>]`: synthesizes the working tree
// into a temporary directory, compares it with dist/ of the base commit and prints Markdown for a
// pull request comment.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compareTrees } from './compare';
import { renderMarkdown } from './markdown';
import { readDistDir, readDistRef, resolveCommit } from './tree';

const USAGE = 'usage: npm run diff -- [--base <git-ref>] [--out <file>] [--max-fields <n>]';

export interface DiffArgs {
  readonly base?: string;
  readonly out?: string;
  readonly maxFields: number;
}

class UsageError extends Error {}

/** The diff command. Returns the process exit code; never throws. `root` is the repository root. */
export async function main(argv: string[], root: string = repoRoot()): Promise<number> {
  let args: DiffArgs | 'help';
  try {
    args = parseArgs(argv);
  } catch (error) {
    console.error(`diff: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }
  try {
    const markdown = run(root, args);
    process.stdout.write(markdown);
    if (args.out) writeFileSync(resolve(args.out), markdown);
    return 0;
  } catch (error) {
    console.error(`diff: ${(error as Error).message}`);
    return 1;
  }
}

export function parseArgs(argv: readonly string[]): DiffArgs | 'help' {
  const args: { base?: string; out?: string; maxFields: number } = { maxFields: 20 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') return 'help';
    const value = argv[++i];
    if (!['--base', '--out', '--max-fields'].includes(flag)) throw new UsageError(`unknown argument ${JSON.stringify(flag)}`);
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    if (flag === '--base') args.base = value;
    if (flag === '--out') args.out = value;
    if (flag === '--max-fields') args.maxFields = positiveInteger(value);
  }
  return args;
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`--max-fields takes a positive integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** Synthesizes, reads the base and renders; throws an Error with a readable message on failure. */
function run(root: string, args: DiffArgs): string {
  const base = args.base ?? defaultBase(root);
  const commit = resolveCommit(root, base);
  const before = readDistRef(root, commit);
  const after = withSynthesizedDist(root, readDistDir);
  return renderMarkdown(compareTrees(before, after), { base: `${base} (${commit.slice(0, 12)})`, maxFields: args.maxFields });
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

/** Runs the synth program into a temporary directory and hands that dist/ to `read`. */
function withSynthesizedDist<T>(root: string, read: (dist: string) => T): T {
  const tmp = mkdtempSync(join(tmpdir(), 'platform-diff-'));
  try {
    const dist = join(tmp, 'dist');
    const synth = spawnSync(process.execPath, [join(root, 'apps/platform/bin/synth.mjs'), '--out', dist], { cwd: root, encoding: 'utf8' });
    if (synth.status !== 0) {
      const output = `${synth.stdout ?? ''}${synth.stderr ?? ''}`.split(tmp).join('<tmp>').trim();
      throw new Error(`synth of the working tree failed:\n${output || synth.error?.message || `exit ${synth.status}`}`);
    }
    return read(dist);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function repoRoot(): string {
  return execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
}
