import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { renderCluster } from '@platform/core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import prod from '../../../../clusters/prod';
import { cacheEntries, snapshotDiff, swapLeftovers, treeSnapshot } from './measure';
import { FleetRun, FleetStats, Layout, PLAIN_WRITE_SCRIPT, childMain, parseChildArgs, runFleet } from './run';

const ROOT = resolve(__dirname, '../../../..');
const work = mkdtempSync(join(tmpdir(), 'bench-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every file under dir with its content, sorted by path. */
function contents(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p).split('\\').join('/'), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

const layoutOf = (files: Map<string, string>): Layout => [...files].map(([path, text]) => [path, Buffer.byteLength(text)]);

describe('runFleet: first write, re-synth unchanged, re-synth after one change', () => {
  const out = join(work, 'fleet');
  const run: FleetRun = { root: ROOT, size: 2, outDir: out, rendersDir: join(work, 'renders'), memoFile: join(work, 'memo.json') };
  const results: Record<'cold' | 'unchanged' | 'change' | 'first', { stats: FleetStats; layout: Layout }> = {} as never;
  const trees: Record<'cold' | 'change', Map<string, string>> = {} as never;
  const snapshots: Record<'beforeUnchanged' | 'afterUnchanged' | 'afterChange', Map<string, string>> = {} as never;
  let memoMtimes: [bigint, bigint];

  beforeAll(async () => {
    results.cold = await runFleet(prod, run);
    trees.cold = contents(out);
    snapshots.beforeUnchanged = treeSnapshot(out);
    const memoBefore = statSync(run.memoFile, { bigint: true }).mtimeNs;
    results.unchanged = await runFleet(prod, run);
    snapshots.afterUnchanged = treeSnapshot(out);
    memoMtimes = [memoBefore, statSync(run.memoFile, { bigint: true }).mtimeNs];
    results.change = await runFleet(prod, { ...run, edit: 'edit-test' });
    snapshots.afterChange = treeSnapshot(out);
    trees.change = contents(out);
    rmSync(out, { recursive: true });
    results.first = await runFleet(prod, run);
  }, 120_000);

  test('cold: renders every chart with helm into its own cache, and writes one directory per cluster', () => {
    const { stats, layout } = results.cold;
    expect(stats).toMatchObject({ clusters: 2, written: true, cached: 0 });
    expect(stats.rendered).toBeGreaterThanOrEqual(2);
    expect(cacheEntries(run.rendersDir).length).toBeGreaterThanOrEqual(2);
    expect(existsSync(run.memoFile)).toBe(true);
    expect([...new Set([...trees.cold.keys()].map((p) => p.split('/')[0]))]).toEqual(['bench-001', 'bench-002']);
    expect(layout).toEqual(layoutOf(trees.cold));
    expect(stats.files).toBe(trees.cold.size);
    expect(stats.bytes).toBe(layout.reduce((sum, [, n]) => sum + n, 0));
    // Chart objects are in the manifests: far more objects than our own constructs make.
    const ours = renderCluster(prod, 'clusters/prod.ts').components.reduce((sum, c) => sum + c.objects.length, 0);
    expect(stats.objects).toBeGreaterThan(2 * ours);
    expect([...trees.cold.keys()].filter((p) => p.includes('/manifests/')).length).toBe(stats.objects);
  });

  test('unchanged: every render from the cache, and nothing written, the memo included', () => {
    const { stats } = results.unchanged;
    // Every request from the cache: one per chart of each cluster (identical inputs rendered once cold).
    const charts = renderCluster(prod, 'clusters/prod.ts').components.filter((c) => c.chart).length;
    expect(stats).toMatchObject({ rendered: 0, cached: charts * results.cold.stats.clusters, written: false });
    expect(snapshotDiff(snapshots.beforeUnchanged, snapshots.afterUnchanged)).toEqual([]);
    expect(memoMtimes[1]).toBe(memoMtimes[0]);
    expect(stats.files).toBe(results.cold.stats.files);
  });

  test('one change: one helm render, a new tree swapped in, only the edited cluster differs', () => {
    const { stats } = results.change;
    expect(stats).toMatchObject({ rendered: 1, written: true });
    expect(snapshots.afterChange.get('')).not.toBe(snapshots.afterUnchanged.get(''));
    expect(swapLeftovers(out)).toEqual([]);
    const changed = [...trees.cold.keys()].filter((p) => trees.change.get(p) !== trees.cold.get(p));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((p) => p.startsWith('bench-001/'))).toBe(true);
    expect(changed).toContain('bench-001/README.md');
    expect(changed).toContain('bench-001/argocd/values.yaml');
    // The same files, but for the certificates of public hosts, whose names carry the new domain.
    const others = (tree: Map<string, unknown>) => [...tree.keys()].filter((p) => !/\/manifests\/certificate-[a-z]+-bench-/.test(p));
    expect(others(trees.change)).toEqual(others(trees.cold));
  });

  test('warm first write into an empty directory: the same tree as cold, no helm', () => {
    expect(results.first.stats).toMatchObject({
      rendered: 0,
      written: true,
      files: results.cold.stats.files,
      bytes: results.cold.stats.bytes,
    });
    expect(contents(out)).toEqual(trees.cold);
  });

  test('measures every step', () => {
    for (const { stats } of Object.values(results)) {
      for (const key of ['startupMs', 'renderMs', 'serializeMs', 'writeMs', 'memoMs', 'synthMs', 'maxRssKiB'] as const)
        expect(stats[key]).toBeGreaterThan(0);
      expect(stats.synthMs).toBeCloseTo(stats.renderMs + stats.serializeMs + stats.writeMs + stats.memoMs, 6);
    }
  });

  test('only renders a slice of the fleet, with the names and domains of the whole', async () => {
    const slice = join(work, 'slice');
    const { stats } = await runFleet(prod, { ...run, size: 3, only: [2, 3], outDir: slice, memoFile: join(work, 'slice-memo.json') });
    expect(stats.clusters).toBe(2);
    expect(readdirSync(slice).sort()).toEqual(['bench-002', 'bench-003']);
    // bench-002 is the same cluster as in the fleet of 2: its renders come from the cache; bench-003
    // renders only the charts whose values name the cluster (Argo CD's domain, Karpenter's cluster name, ...).
    const charts = renderCluster(prod, 'clusters/prod.ts').components.filter((c) => c.chart).length;
    expect(stats.rendered).toBeGreaterThan(0);
    expect(stats.rendered).toBeLessThan(charts);
  });

  test('the plain-fs floor writes the same paths and sizes', () => {
    const { layout } = results.first;
    const layoutFile = join(work, 'layout.json');
    writeFileSync(layoutFile, JSON.stringify(layout));
    const plain = join(work, 'plain');
    const result = spawnSync(process.execPath, ['-e', PLAIN_WRITE_SCRIPT, layoutFile, plain], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(Object.keys(JSON.parse(result.stdout)).sort()).toEqual(['maxRssKiB', 'writeMs']);
    expect(layoutOf(contents(plain))).toEqual(layout);
    expect(readFileSync(join(plain, 'bench-001/README.md'), 'utf8')).toMatch(/^x+$/);
  });
});

describe('childMain', () => {
  test('prints the stats as one JSON line and writes the layout', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const layoutFile = join(work, 'child-layout.json');
    const args = [
      '--fleet',
      '1',
      '--out',
      join(work, 'child'),
      '--renders',
      join(work, 'renders'),
      '--memo',
      join(work, 'child-memo.json'),
    ];
    try {
      expect(await childMain([...args, '--layout', layoutFile], prod, ROOT)).toBe(0);
      const printed = JSON.parse(String(write.mock.calls.at(-1)![0]));
      expect(printed).toMatchObject({
        clusters: 1,
        rendered: 0,
        written: true,
        files: JSON.parse(readFileSync(layoutFile, 'utf8')).length,
      });
    } finally {
      write.mockRestore();
    }
  });

  test('a failing synth exits 1, and bad arguments 2', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      // An empty render cache, so the chart sources are needed, and a charts directory without them.
      const base = ['--out', join(work, 'bad'), '--renders', join(work, 'no-renders'), '--memo', join(work, 'bad.json')];
      expect(await childMain(['--fleet', '1', ...base, '--charts-dir', join(work, 'no-charts')], prod, ROOT)).toBe(1);
      expect(existsSync(join(work, 'bad'))).toBe(false);
      expect(await childMain(['--fleet', '0', ...base], prod, ROOT)).toBe(2);
    } finally {
      error.mockRestore();
    }
  });
});

describe('parseChildArgs', () => {
  const base = ['--out', 'o', '--renders', 'r', '--memo', 'm.json'];

  test('resolves paths, and takes an edit, a slice, a charts directory and a layout file', () => {
    expect(parseChildArgs(['--fleet', '3', ...base], '/repo')).toEqual({
      root: '/repo',
      size: 3,
      outDir: resolve('o'),
      rendersDir: resolve('r'),
      memoFile: resolve('m.json'),
    });
    expect(
      parseChildArgs(['--fleet', '3', ...base, '--edit', 'edit-1', '--only', '2-3', '--charts-dir', 'c', '--layout', 'l.json'], '/repo'),
    ).toMatchObject({ edit: 'edit-1', only: [2, 3], chartsDir: resolve('c'), layoutFile: resolve('l.json') });
  });

  test.each([
    [['--fleet', '0', ...base], '--fleet: got "0"'],
    [['--fleet', '2'], '--out is required'],
    [['--fleet', '2', '--out', 'o', '--memo', 'm'], '--renders is required'],
    [['--fleet', '2', ...base, '--bogus', 'y'], 'unknown argument "--bogus"'],
    [['--fleet', '2', ...base, '--edit', 'Not_A_Label'], '--edit: got "Not_A_Label"'],
    [['--fleet', '2', ...base, '--only', '2-3'], '--only: got "2-3", expected <from>-<to> within 1-2'],
    [['--fleet', '2', ...base, '--only', '0-1'], '--only: got "0-1"'],
    [['--fleet', '2', ...base, '--layout'], '--layout needs a value'],
  ])('rejects %j', (argv, message) => {
    expect((parseChildArgs(argv, '/repo') as { error: string }).error).toContain(message);
  });
});
