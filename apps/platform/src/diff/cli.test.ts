import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { SynthError } from '@platform/core';
import { Synthesize, main, parseArgs } from './cli';

const work = mkdtempSync(join(tmpdir(), 'diff-cli-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: api\n';

/** A repository whose committed dist/ has one Namespace. */
function repo(name: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'dist/dev/namespaces/manifests'), { recursive: true });
  writeFileSync(join(dir, 'dist/dev/namespaces/manifests/namespace-api.yaml'), NAMESPACE);
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args]);
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'dist');
  return dir;
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  vi.spyOn(console, 'error').mockImplementation((...args) => void err.push(args.join(' ')));
  return { out, err };
}

describe('diff cli', () => {
  test('arguments', () => {
    expect(parseArgs([])).toEqual({ maxFields: 20 });
    expect(parseArgs(['--base', 'main', '--out', 'x.md', '--max-fields', '3', '--charts-dir', 'charts'])).toEqual({
      base: 'main',
      out: 'x.md',
      maxFields: 3,
      chartsDir: resolve('charts'),
    });
    expect(parseArgs(['--base=main', '--max-fields=5'])).toEqual({ base: 'main', maxFields: 5 });
    expect(parseArgs(['--help'])).toBe('help');
    expect(parseArgs(['-h'])).toBe('help');
    expect(() => parseArgs(['--base'])).toThrow("Option '--base <value>' argument missing");
    expect(() => parseArgs(['--bogus', 'x'])).toThrow("Unknown option '--bogus'");
    expect(() => parseArgs(['--max-fields', '0'])).toThrow('--max-fields takes a positive integer, got "0"');
  });

  test.each([
    [['--help'], 0, 'stdout', 'usage: npm run diff'],
    [['--bogus'], 2, 'stderr', "diff: Unknown option '--bogus'"],
    [['--out'], 2, 'stderr', "diff: Option '--out <value>' argument missing"],
    [['--base', '--out', 'x.md'], 2, 'stderr', "diff: Option '--base' argument is ambiguous"],
    [['--max-fields', 'many'], 2, 'stderr', 'diff: --max-fields takes a positive integer, got "many"'],
    [['HEAD'], 2, 'stderr', "diff: Unexpected argument 'HEAD'"],
  ])('%j: exit %i, the usage on %s, nothing synthesized', async (argv, code, stream, message) => {
    const synthesize = vi.fn<Synthesize>();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const { err } = capture();
    expect(await main(argv, { root: work, synthesize })).toBe(code);
    const printed = stream === 'stdout' ? log.mock.calls.map((c) => c.join(' ')) : err;
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain(message);
    expect(printed[0]).toContain('usage: npm run diff -- [--base <git-ref>]');
    expect(stream === 'stdout' ? err : log.mock.calls).toEqual([]);
    expect(synthesize).not.toHaveBeenCalled();
  });

  test('the synthesized files against the base, written to --out too; default base HEAD without origin/main; --charts-dir passed on', async () => {
    const root = repo('ok');
    const seen: { chartsDir?: string }[] = [];
    const synthesize: Synthesize = async (options) => {
      seen.push(options);
      return new Map([['dev/namespaces/manifests/namespace-api.yaml', `${NAMESPACE}  labels: {team: a}\n`]]);
    };
    const { out } = capture();
    const file = join(work, 'ok.md');
    expect(await main(['--out', file, '--charts-dir', '/charts'], { root, synthesize })).toBe(0);
    expect(seen).toEqual([{ chartsDir: '/charts' }]);
    expect(out.join('')).toMatch(/^## dist\/ diff against `HEAD \([0-9a-f]{12}\)`\n/);
    expect(out.join('')).toContain('- Namespace `api`\n  - `metadata.labels`: (none) → `{"team":"a"}`\n');
    expect(readFileSync(file, 'utf8')).toBe(out.join(''));
  });

  test('a failing synth: its problems are printed and the exit code is 1', async () => {
    const root = repo('failing');
    const synthesize: Synthesize = async () => {
      throw new SynthError([{ file: 'clusters/dev.ts', path: 'components.api', message: 'boom' }]);
    };
    const { out, err } = capture();
    expect(await main(['--base', 'HEAD'], { root, synthesize })).toBe(1);
    expect(out).toEqual([]);
    expect(err.join('\n')).toBe('diff: synth of the working tree failed (1 problem):\n  clusters/dev.ts: components.api: boom');
  });

  test('a bad base is exit 1 before anything is synthesized', async () => {
    const root = repo('bad-base');
    const synthesize = vi.fn<Synthesize>();
    const { err } = capture();
    expect(await main(['--base', 'no-such-ref'], { root, synthesize })).toBe(1);
    expect(synthesize).not.toHaveBeenCalled();
    expect(err.join('\n')).toBe('diff: not a git commit: "no-such-ref"');
  });
});
