import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { format } from 'prettier';
import { describe, expect, test } from 'vitest';
import { BenchReport, FleetRow, growth, markdownTable, median, parseArgs, renderMarkdown, targets } from './cli';

const row = (clusters: number, synthMs: number, wallMs: number, peakRssMiB: number): FleetRow => ({
  clusters,
  objects: 52 * clusters,
  files: 58 * clusters,
  bytes: 39004 * clusters,
  wallMs,
  startupMs: 480.4,
  renderMs: synthMs * 0.3,
  serializeMs: synthMs * 0.3,
  writeMs: synthMs * 0.4,
  synthMs,
  peakRssMiB,
  plainWallMs: 100 + 20 * clusters,
  plainPeakRssMiB: 45.2,
});

const report: BenchReport = {
  date: '2026-01-02',
  node: 'v20.20.2',
  cpus: 2,
  repeat: 3,
  nodeStart: { wallMs: 61.6, peakRssMiB: 41.3 },
  fleets: [row(1, 190.26, 760.5, 93.4), row(10, 700, 1250, 100.6), row(100, 4400, 5100.49, 130.2)],
};

describe('renderMarkdown', () => {
  const md = renderMarkdown(report);

  test('renders the fleet table with rounded medians', () => {
    expect(md).toContain(
      [
        '| clusters | wall (ms) | ms / cluster | objects | files |   bytes | peak RSS (MiB) |',
        '| -------: | --------: | -----------: | ------: | ----: | ------: | -------------: |',
        '|        1 |       761 |        190.3 |      52 |    58 |   39004 |             93 |',
        '|       10 |      1250 |         70.0 |     520 |   580 |  390040 |            101 |',
        '|      100 |      5100 |         44.0 |    5200 |  5800 | 3900400 |            130 |',
      ].join('\n'),
    );
  });

  test('renders the floors, growth and targets', () => {
    expect(md).toContain(
      [
        '| clusters | node start | plain fs | fleet | above plain fs | start + load | render | serialize | write |',
        '| -------: | ---------: | -------: | ----: | -------------: | -----------: | -----: | --------: | ----: |',
        '|        1 |         62 |      120 |   761 |            641 |          480 |     57 |        57 |    76 |',
        '|       10 |         62 |      300 |  1250 |            950 |          480 |    210 |       210 |   280 |',
        '|      100 |         62 |     2100 |  5100 |           3000 |          480 |   1320 |      1320 |  1760 |',
      ].join('\n'),
    );
    expect(md).toContain(
      'Growth: 100 clusters take 0.63× the synth time per cluster of 10 clusters, sublinear (fixed costs spread over more clusters) ' +
        '(1.00 is linear; 0.80 to 1.25 counts as linear); each cluster beyond 10 adds 41.1 ms.',
    );
    expect(md).toContain('Targets for 100 clusters: wall 5100 ms < 15000 ms met; peak RSS 130 MiB < 1024 MiB met.');
    expect(md).toContain('## 2026-01-02\n\nNode v20.20.2, 2 CPUs.\n');
    expect(md).toContain('the median of 3 runs');
  });

  test('is deterministic and already formatted as Prettier formats Markdown', async () => {
    expect(renderMarkdown(structuredClone(report))).toBe(md);
    const options = JSON.parse(readFileSync(resolve(__dirname, '../../../../.prettierrc.json'), 'utf8'));
    expect(await format(md, { ...options, parser: 'markdown' })).toBe(md);
  });

  test('says when a target is missed or not measured', () => {
    const slow = renderMarkdown({ ...report, fleets: [row(10, 700, 1250, 100), row(100, 16_000, 17_000, 1500)] });
    expect(slow).toContain('wall 17000 ms < 15000 ms **missed**; peak RSS 1500 MiB < 1024 MiB **missed**.');
    expect(slow).toContain('100 clusters take 2.29× the synth time per cluster of 10 clusters, superlinear (1.00 is linear');
    const small = renderMarkdown({ ...report, fleets: [row(1, 190, 760, 93)] });
    expect(small).toContain('Targets for 100 clusters: not measured (no fleet of 100).');
    expect(small).toContain('Growth: needs two fleet sizes of 2 or more clusters.');
  });
});

describe('growth and targets', () => {
  test('compare the largest fleet with the smallest of 2 or more', () => {
    const g = growth([row(1, 100, 0, 0), row(10, 1000, 0, 0), row(50, 5000, 0, 0), row(100, 10_000, 0, 0)])!;
    expect([g.small.clusters, g.large.clusters, g.ratio, g.marginalMs]).toEqual([10, 100, 1, 100]);
    expect(targets([row(100, 1, 14_999, 1023.9)])).toMatchObject({ wallMet: true, memoryMet: true });
    expect(targets([row(100, 1, 15_000, 1024)])).toMatchObject({ wallMet: false, memoryMet: false });
  });
});

describe('markdownTable', () => {
  test('pads columns and marks right alignment', () => {
    expect(markdownTable(['a', 'long header'], ['left', 'right'], [['xy', '1']])).toBe(
      ['| a   | long header |', '| --- | ----------: |', '| xy  |           1 |'].join('\n'),
    );
  });
});

describe('parseArgs', () => {
  test('defaults', () => {
    expect(parseArgs([], { BENCH_DATE: '2026-03-04' })).toEqual({ sizes: [1, 10, 50, 100], repeat: 3, write: true, date: '2026-03-04' });
    expect(parseArgs([], {})).toMatchObject({ date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
  });

  test('flags', () => {
    expect(parseArgs(['--sizes', '10,2,10', '--repeat', '1', '--no-write', '--date', '2026-01-01'], {})).toEqual({
      sizes: [2, 10],
      repeat: 1,
      write: false,
      date: '2026-01-01',
    });
    expect(parseArgs(['--sizes=1,10', '--repeat=2', '--date=2026-01-01'], {})).toMatchObject({
      sizes: [1, 10],
      repeat: 2,
      date: '2026-01-01',
    });
    expect(parseArgs(['-h'], {})).toEqual({ help: true });
  });

  test.each([
    [['--sizes', '1,x'], '--sizes: got "1,x"'],
    [['--sizes', '0'], '--sizes: got "0"'],
    [['--repeat', '0'], '--repeat: got "0"'],
    [['--date', '2026-1-1'], 'date: got "2026-1-1"'],
    [['--repeat'], '--repeat needs a value'],
    [['--fleet', '3'], 'unknown argument "--fleet"'],
  ])('rejects %j', (argv, message) => {
    expect((parseArgs(argv, { BENCH_DATE: '2026-01-01' }) as { error: string }).error).toContain(message);
  });
});

test('median', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
});
