import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, expectTypeOf, test, vi } from 'vitest';
import { UsageError, parseFlags, runCommand } from './cli-args';
import { main as synthMain } from './main';

afterEach(() => vi.restoreAllMocks());

const EXAMPLE = {
  name: 'example',
  usage: 'usage: example [--out <dir>] [--tag <t>]... [--dry-run]',
  options: { out: { type: 'string' }, tag: { type: 'string', multiple: true }, 'dry-run': { type: 'boolean' } },
} as const;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args) => void out.push(args.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...args) => void err.push(args.join(' ')));
  return { out, err };
}

describe('parseFlags', () => {
  test('typed flags, both value forms, repeatable flags; --help and -h', () => {
    const flags = parseFlags(EXAMPLE, ['--out', 'x', '--tag=a', '--tag', 'b', '--dry-run']);
    expect(flags).toEqual({ out: 'x', tag: ['a', 'b'], 'dry-run': true });
    if (flags !== 'help') {
      expectTypeOf(flags.out).toEqualTypeOf<string | undefined>();
      expectTypeOf(flags.tag).toEqualTypeOf<string[] | undefined>();
      expectTypeOf(flags['dry-run']).toEqualTypeOf<boolean | undefined>();
    }
    expect(parseFlags(EXAMPLE, [])).toEqual({});
    expect(parseFlags(EXAMPLE, ['--help'])).toBe('help');
    expect(parseFlags(EXAMPLE, ['--out', 'x', '-h'])).toBe('help');
  });

  test.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['-x'], "Unknown option '-x'"],
    [['--out'], "Option '--out <value>' argument missing"],
    [['--out', '--dry-run'], "Option '--out' argument is ambiguous"],
    [['--out='], "Option '--out <value>' argument is empty"],
    [['--tag', 'a', '--tag='], "Option '--tag <value>' argument is empty"],
    [['--dry-run=no'], "Option '--dry-run' does not take an argument"],
    [['extra'], "Unexpected argument 'extra'"],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseFlags(EXAMPLE, argv)).toThrow(UsageError);
    expect(() => parseFlags(EXAMPLE, argv)).toThrow(message);
  });
});

describe('runCommand: 0 ok, 1 failed, 2 usage', () => {
  test('--help: the usage on stdout, exit 0, the command does not run', async () => {
    const { out, err } = capture();
    const run = vi.fn(() => 0);
    expect(await runCommand(EXAMPLE, ['-h'], run)).toBe(0);
    expect([out, err]).toEqual([[EXAMPLE.usage], []]);
    expect(run).not.toHaveBeenCalled();
  });

  test('a bad command line, or a value the command rejects: `<command>: <what>` and the usage on stderr, exit 2', async () => {
    const { out, err } = capture();
    expect(await runCommand(EXAMPLE, ['--bogus'], () => 0)).toBe(2);
    expect(
      await runCommand(EXAMPLE, ['--out', 'x'], () => {
        throw new UsageError('--out: got "x", expected a directory');
      }),
    ).toBe(2);
    expect(out).toEqual([]);
    expect(err).toEqual([
      `example: Unknown option '--bogus'\n${EXAMPLE.usage}`,
      `example: --out: got "x", expected a directory\n${EXAMPLE.usage}`,
    ]);
  });

  test("the command's exit code, and its other errors, are its own", async () => {
    capture();
    expect(await runCommand(EXAMPLE, ['--dry-run'], async (flags) => (flags['dry-run'] ? 1 : 0))).toBe(1);
    await expect(
      runCommand(EXAMPLE, [], () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });
});

describe('synth (main.ts) follows it', () => {
  test.each([
    [['--help'], 0, 'stdout', 'usage: npm run synth'],
    [['--frobnicate'], 2, 'stderr', "synth: Unknown option '--frobnicate'"],
    [['--out'], 2, 'stderr', "synth: Option '--out <value>' argument missing"],
    [['--charts-dir='], 2, 'stderr', "synth: Option '--charts-dir <value>' argument is empty"],
  ])('%j: exit %i, the usage on %s, nothing rendered', async (argv, code, stream, message) => {
    const { out, err } = capture();
    const modules = [
      {
        file: 'clusters/never.ts',
        get exports(): never {
          throw new Error('synth ran');
        },
      },
    ];
    expect(await synthMain({ root: '/nowhere', modules, argv })).toBe(code);
    const [printed, other] = stream === 'stdout' ? [out, err] : [err, out];
    expect(other).toEqual([]);
    expect(printed).toHaveLength(1);
    expect(printed[0].startsWith(message)).toBe(true);
    expect(printed[0]).toContain('usage: npm run synth [-- --out <dir>] [--charts-dir <dir>]');
  });
});

describe('libs/crds/scripts/import.mjs follows it (parseArgs directly: it is plain .mjs)', () => {
  const script = resolve(__dirname, '../../../libs/crds/scripts/import.mjs');
  test.each([
    [['--help'], 0, 'stdout', 'usage: node libs/crds/scripts/import.mjs'],
    [['--bogus'], 2, 'stderr', "import.mjs: Unknown option '--bogus'"],
    [['--jobs'], 2, 'stderr', "import.mjs: Option '--jobs <value>' argument missing"],
    [['--jobs', '0'], 2, 'stderr', 'import.mjs: --jobs: got "0", expected a positive integer'],
  ])('%j: exit %i, the usage on %s, nothing imported', (argv, code, stream, message) => {
    const result = spawnSync(process.execPath, [script, ...argv], { encoding: 'utf8' });
    expect(result.status).toBe(code);
    const [printed, other] = stream === 'stdout' ? [result.stdout, result.stderr] : [result.stderr, result.stdout];
    expect(other).toBe('');
    expect(printed.startsWith(message)).toBe(true);
    expect(printed).toContain('usage: node libs/crds/scripts/import.mjs [--crds-dir <dir>] [--jobs <n>]');
  });
});
