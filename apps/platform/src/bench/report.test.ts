import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { format } from 'prettier';
import { describe, expect, test } from 'vitest';
import { BenchReport, FleetRow, ScenarioRow, growth, markdownTable, renderMarkdown, targets } from './report';

const run = (synthMs: number, wallMs: number, peakRssMiB: number, rendered = 0, cached = 2): ScenarioRow => ({
  wallMs,
  startupMs: 250.4,
  renderMs: synthMs * 0.5,
  serializeMs: synthMs * 0.2,
  writeMs: synthMs * 0.25,
  memoMs: synthMs * 0.05,
  synthMs,
  peakRssMiB,
  rendered,
  cached,
});

const row = (clusters: number, changeMs: number, wallMs: number, peakRssMiB: number, cold = true): FleetRow => ({
  clusters,
  objects: 135 * clusters,
  files: 141 * clusters,
  bytes: 3046940 * clusters,
  ...(cold && { distinctCharts: clusters + 1, cold: run(1500 * clusters, 2000 * clusters, 200, 2 * clusters, 0) }),
  first: run(changeMs / 2, wallMs / 2, peakRssMiB - 10, 0, 2 * clusters),
  unchanged: run(changeMs / 4, wallMs / 4, peakRssMiB - 20, 0, 2 * clusters),
  change: run(changeMs, wallMs, peakRssMiB, 1, 2 * clusters - 1),
  plainWallMs: 100 + 20 * clusters,
  plainPeakRssMiB: 45.2,
});

const report: BenchReport = {
  date: '2026-01-02',
  node: 'v20.20.2',
  cpus: 2,
  repeat: 3,
  coldMax: 10,
  nodeStart: { wallMs: 61.6, peakRssMiB: 41.3 },
  prime: { clusters: 100, processes: 2, wallMs: 48_250, rendered: 101 },
  fleets: [row(1, 1700, 2000.4, 171.2), row(10, 3000, 4000, 190), row(100, 12_000, 14_000.49, 450, false)],
};

describe('renderMarkdown', () => {
  const md = renderMarkdown(report);

  test('renders sizes, wall times per run with the replace ratios, and not measured as a dash', () => {
    expect(md).toContain(
      [
        '| clusters | objects | files |     bytes | distinct chart inputs | helm runs cold | helm runs one change |',
        '| -------: | ------: | ----: | --------: | --------------------: | -------------: | -------------------: |',
        '|        1 |     135 |   141 |   3046940 |                     2 |              2 |                    1 |',
        '|       10 |    1350 |  1410 |  30469400 |                    11 |             20 |                    1 |',
        '|      100 |   13500 | 14100 | 304694000 |                     — |              — |                    1 |',
      ].join('\n'),
    );
    expect(md).toContain(
      [
        '| clusters |  cold | warm, first write | warm, unchanged | warm, one change | one change ÷ unchanged | write: replace ÷ fresh |',
        '| -------: | ----: | ----------------: | --------------: | ---------------: | ---------------------: | ---------------------: |',
        '|        1 |  2000 |              1000 |             500 |             2000 |                  4.00× |                  2.00× |',
        '|       10 | 20000 |              2000 |            1000 |             4000 |                  4.00× |                  2.00× |',
        '|      100 |     — |              7000 |            3500 |            14000 |                  4.00× |                  2.00× |',
      ].join('\n'),
    );
  });

  test('renders peak RSS and the steps inside the process for every run measured', () => {
    expect(md).toContain(
      [
        '| clusters | cold | warm, first write | warm, unchanged | warm, one change |',
        '| -------: | ---: | ----------------: | --------------: | ---------------: |',
        '|        1 |  200 |               161 |             151 |              171 |',
      ].join('\n'),
    );
    expect(md).toContain('|      100 |    — |               440 |             430 |              450 |');
    expect(md).toContain(
      [
        '| clusters | run               | start + load | render | serialize | write | memo | synth | ms / cluster |',
        '| -------: | ----------------- | -----------: | -----: | --------: | ----: | ---: | ----: | -----------: |',
        '|        1 | cold              |          250 |    750 |       300 |   375 |   75 |  1500 |       1500.0 |',
        '|        1 | warm, first write |          250 |    425 |       170 |   213 |   43 |   850 |        850.0 |',
      ].join('\n'),
    );
    expect(md).toContain('|      100 | warm, one change  |          250 |   6000 |      2400 |  3000 |  600 | 12000 |        120.0 |');
    expect(md).not.toContain('|      100 | cold');
  });

  test('says what a fleet is and that cold stops at coldMax, with the cache filling time', () => {
    expect(md).toContain('every clone is a distinct chart input of Argo CD');
    expect(md).toContain("the repository's\n`.cache/renders` and `.cache/yaml-memo.json` are neither read nor written");
    expect(md).toContain(
      "Cold is measured for fleets of up to 10 clusters only (not at 100): a cold run renders every distinct chart input (one per cluster for Argo CD), parsing helm's",
    );
    expect(md).toContain(
      '`--cold-max 100` measures it). Filling the warm cache for 100 clusters took 48.3 s for 101 helm renders in 2 processes',
    );
    expect(renderMarkdown({ ...report, prime: { ...report.prime, rendered: 0 } })).not.toContain('Filling the warm cache');
    const allCold = renderMarkdown({ ...report, fleets: report.fleets.slice(0, 2) });
    expect(allCold).toContain('Cold is measured at every fleet size.');
  });

  test('renders growth, targets and floors', () => {
    expect(md).toContain(
      'Growth: a re-synth after one change of 100 clusters takes 0.40× the synth time per cluster of 10 clusters, sublinear ' +
        '(fixed costs spread over more clusters) (1.00 is linear; 0.80 to 1.25 counts as linear); each cluster beyond 10 adds 100.0 ms.',
    );
    expect(md).toContain(
      'Targets for a re-synth of 100 clusters (the slowest and the largest warm run): wall 14000 ms (warm, one change) < 15000 ms met; ' +
        'peak RSS 450 MiB (warm, one change) < 1024 MiB met.',
    );
    expect(md).toContain(
      [
        '| clusters | node start | plain fs | warm, first write | above plain fs |',
        '| -------: | ---------: | -------: | ----------------: | -------------: |',
        '|        1 |         62 |      120 |              1000 |            880 |',
      ].join('\n'),
    );
    expect(md).toContain('## 2026-01-02\n\nNode v20.20.2, 2 CPUs.\n');
    expect(md).toContain('Every figure is the median of 3 runs.');
  });

  test('is deterministic and already formatted as Prettier formats Markdown', async () => {
    expect(renderMarkdown(structuredClone(report))).toBe(md);
    const options = JSON.parse(readFileSync(resolve(__dirname, '../../../../.prettierrc.json'), 'utf8'));
    expect(await format(md, { ...options, parser: 'markdown' })).toBe(md);
  });

  test('says when a target is missed or not measured', () => {
    const slow = renderMarkdown({ ...report, fleets: [row(10, 3000, 4000, 190), row(100, 60_000, 70_000, 1500, false)] });
    expect(slow).toContain(
      'wall 70000 ms (warm, one change) < 15000 ms **missed**; peak RSS 1500 MiB (warm, one change) < 1024 MiB **missed**.',
    );
    expect(slow).toContain('100 clusters takes 2.00× the synth time per cluster of 10 clusters, superlinear (1.00 is linear');
    const small = renderMarkdown({ ...report, fleets: [row(1, 1700, 2000, 171)] });
    expect(small).toContain('Targets for a re-synth of 100 clusters: not measured (no fleet of 100).');
    expect(small).toContain('Growth: needs two fleet sizes of 2 or more clusters.');
  });
});

describe('growth and targets', () => {
  test('growth compares the re-synth after one change of the largest fleet with the smallest of 2 or more', () => {
    const g = growth([row(1, 100, 0, 0), row(10, 1000, 0, 0), row(50, 5000, 0, 0), row(100, 10_000, 0, 0)])!;
    expect([g.small.clusters, g.large.clusters, g.ratio, g.marginalMs]).toEqual([10, 100, 1, 100]);
  });

  test('targets take the slowest and the largest warm run, never cold', () => {
    const r = row(100, 1, 14_999, 1023.9);
    expect(targets([{ ...r, cold: run(1, 99_999, 5000) }])).toMatchObject({ wallMet: true, memoryMet: true, slowest: 'change' });
    const slowUnchanged = { ...r, unchanged: { ...r.unchanged, wallMs: 15_000, peakRssMiB: 1024 } };
    expect(targets([slowUnchanged])).toMatchObject({ wallMet: false, memoryMet: false, slowest: 'unchanged', largest: 'unchanged' });
    expect(targets([row(10, 1, 1, 1)])).toBeUndefined();
  });
});

describe('markdownTable', () => {
  test('pads columns and marks right alignment', () => {
    expect(markdownTable(['a', 'long header'], ['left', 'right'], [['xy', '1']])).toBe(
      ['| a   | long header |', '| --- | ----------: |', '| xy  |           1 |'].join('\n'),
    );
  });
});
