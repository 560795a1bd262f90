import { resolve } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
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
    expect(parseArgs(['-h'], {})).toEqual({ help: true });
  });

  test.each([
    [['--sizes', '1,x'], '--sizes: got "1,x"'],
    [['--sizes', '0'], '--sizes: got "0"'],
    [['--sizes', '1000'], 'expected integers from 1 to 999'],
    [['--repeat', '0'], '--repeat: got "0"'],
    [['--cold-max', '-1'], '--cold-max: got "-1", expected an integer ≥ 0'],
    [['--date', '2026-1-1'], 'date: got "2026-1-1"'],
    [['--repeat'], '--repeat needs a value'],
    [['--fleet', '3'], 'unknown argument "--fleet"'],
  ])('rejects %j', (argv, message) => {
    expect((parseArgs(argv, { BENCH_DATE: '2026-01-01' }) as { error: string }).error).toContain(message);
  });
});

test('main prints the usage, and exits 2 on a bad command line without measuring', async () => {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    expect(await main(['--help'], { root: '/nowhere', script: '/nowhere/bench.cjs' })).toBe(0);
    expect(String(log.mock.calls[0][0])).toContain('--cold-max');
    expect(await main(['--sizes', 'x'], { root: '/nowhere', script: '/nowhere/bench.cjs' })).toBe(2);
    expect(String(error.mock.calls[0][0])).toContain('--sizes: got "x"');
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
});
