import { resolve } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { UsageError } from '../cli-args';
import { main, parseArgs } from './cli';

describe('parseArgs', () => {
  test('defaults', () => {
    expect(parseArgs([], { BENCH_DATE: '2026-03-04' })).toEqual({
      sizes: [1, 10, 100],
      repeat: 3,
      coldMax: 10,
      write: true,
      date: '2026-03-04',
    });
    expect(parseArgs([], {})).toMatchObject({ date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
  });

  test('flags', () => {
    expect(
      parseArgs(
        ['--sizes', '10,2,10', '--repeat', '1', '--cold-max', '0', '--charts-dir', 'charts', '--no-write', '--date', '2026-01-01'],
        {},
      ),
    ).toEqual({ sizes: [2, 10], repeat: 1, coldMax: 0, chartsDir: resolve('charts'), write: false, date: '2026-01-01' });
    expect(parseArgs(['--sizes=1,10', '--repeat=2', '--cold-max=100', '--date=2026-01-01'], {})).toMatchObject({
      sizes: [1, 10],
      repeat: 2,
      coldMax: 100,
      date: '2026-01-01',
    });
    expect(parseArgs(['-h'], {})).toBe('help');
  });

  test.each([
    [['--sizes', '1,x'], '--sizes: got "1,x"'],
    [['--sizes', '0'], '--sizes: got "0"'],
    [['--sizes', '1000'], 'expected integers from 1 to 999'],
    [['--repeat', '0'], '--repeat: got "0"'],
    [['--cold-max=-1'], '--cold-max: got "-1", expected an integer ≥ 0'],
    [['--cold-max', '-1'], "Option '--cold-max' argument is ambiguous"],
    [['--date', '2026-1-1'], 'date: got "2026-1-1"'],
    [['--repeat'], "Option '--repeat <value>' argument missing"],
    [['--sizes='], "Option '--sizes <value>' argument is empty"],
    [['--fleet', '3'], "Unknown option '--fleet'"],
    [['--no-write=yes'], "Option '--no-write' does not take an argument"],
    [['100'], "Unexpected argument '100'"],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv, { BENCH_DATE: '2026-01-01' })).toThrow(UsageError);
    expect(() => parseArgs(argv, { BENCH_DATE: '2026-01-01' })).toThrow(message);
  });
});

test.each([
  [['--help'], 0, 'stdout', 'usage: npm run bench'],
  [['-h'], 0, 'stdout', 'usage: npm run bench'],
  [['--sizes', 'x'], 2, 'stderr', 'bench: --sizes: got "x"'],
  [['--bogus'], 2, 'stderr', "bench: Unknown option '--bogus'"],
  [['--repeat'], 2, 'stderr', "bench: Option '--repeat <value>' argument missing"],
])('main %j: exit %i, the usage on %s, without measuring', async (argv, code, stream, message) => {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    expect(await main(argv, { root: '/nowhere', script: '/nowhere/bench.cjs' })).toBe(code);
    const [printed, other] = stream === 'stdout' ? [log, error] : [error, log];
    expect(printed.mock.calls.map((c) => c.join(' '))).toEqual([expect.stringContaining(message)]);
    expect(String(printed.mock.calls[0][0])).toContain('--cold-max');
    expect(other).not.toHaveBeenCalled();
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
});
