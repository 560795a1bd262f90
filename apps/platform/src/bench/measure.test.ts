import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { writeDistAtomically } from '@platform/core';
import { afterAll, describe, expect, test } from 'vitest';
import { fleetClusterName } from './fleet';
import {
  BenchContext,
  MeasureOptions,
  RunNode,
  cacheEntries,
  measure,
  median,
  primeSlices,
  snapshotDiff,
  swapLeftovers,
  treeSnapshot,
} from './measure';
import { NODE_START_SCRIPT } from './run';

const work = mkdtempSync(join(tmpdir(), 'bench-measure-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let dirs = 0;
const fresh = (name: string) => {
  const dir = join(work, `${name}-${++dirs}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

/** Every file under dir with its content. */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

type Misbehaviour = 'rewrites-unchanged' | 'reports-written' | 'changes-in-place' | 'no-render-on-change' | 'fresh-directory';

/** What one fake fleet child saw. */
interface Call {
  readonly what: string;
  readonly size: number;
  readonly out: string;
  /** The memo the run found. */
  readonly memo?: Record<string, string>;
  readonly edit?: string;
  readonly existed: boolean;
  /** The output tree before the run, and after. */
  readonly before?: Record<string, string>;
  readonly after: Record<string, string>;
  readonly rendered: number;
}

/**
 * A fleet child in miniature: the same arguments and JSON as run.ts childMain, renders faked as
 * cache files (one per cluster for Argo CD, keyed by its domain, one shared by every cluster for
 * cert-manager, looked up before any is written, as hydrate does), and the real writeDistAtomically
 * for the tree, unless told to misbehave.
 */
function fakeNode(calls: Call[], misbehave?: Misbehaviour): RunNode {
  return async (args, what) => {
    if (args[0] === '-e')
      return { wallMs: 50, json: args[1] === NODE_START_SCRIPT ? { maxRssKiB: 40_000 } : { writeMs: 5, maxRssKiB: 45_000 } };
    const flags = new Map<string, string>();
    for (let i = 1; i < args.length; i += 2) flags.set(args[i], args[i + 1]);
    const size = Number(flags.get('--fleet'));
    const [out, renders, memo] = ['--out', '--renders', '--memo'].map((f) => flags.get(f)!);
    const edit = flags.get('--edit');
    const [from, to] = (flags.get('--only') ?? `1-${size}`).split('-').map(Number);
    const clusters = Array.from({ length: to - from + 1 }, (_, k) => from + k).map((i) => {
      const name = fleetClusterName(i, size);
      return { name, domain: i === 1 && edit ? `${name}.${edit}.example.com` : `${name}.example.com` };
    });
    const memoFound = existsSync(memo) ? JSON.parse(readFileSync(memo, 'utf8')) : undefined;
    mkdirSync(renders, { recursive: true });
    const present = new Set(cacheEntries(renders));
    const keys = [...clusters.map((c) => `argocd-${c.domain}.json`), ...clusters.map(() => 'cert-manager.json')];
    let rendered = keys.filter((k) => !present.has(k)).length;
    for (const k of keys) writeFileSync(join(renders, k), '{}');
    const files = new Map<string, string>();
    for (const c of clusters) {
      files.set(`${c.name}/README.md`, `# ${c.name}\n\ndomain: ${c.domain}\n`);
      files.set(`${c.name}/argocd/values.yaml`, `global:\n  domain: argocd.${c.domain}\n`);
      files.set(`${c.name}/cert-manager/values.yaml`, 'crds:\n  enabled: true\n');
    }
    const existed = existsSync(out);
    const before = existed ? contents(out) : undefined;
    const same = before !== undefined && JSON.stringify(before) === JSON.stringify(Object.fromEntries([...files].sort()));
    let written: boolean;
    if (misbehave === 'fresh-directory') {
      rmSync(out, { recursive: true, force: true });
      written = writeDistAtomically(out, files).written;
    } else if ((misbehave === 'rewrites-unchanged' && same) || (misbehave === 'changes-in-place' && existed && !same)) {
      for (const [path, text] of files) writeFileSync(join(out, path), text);
      written = !same;
    } else {
      written = writeDistAtomically(out, files).written;
    }
    if (misbehave === 'reports-written') written = true;
    if (misbehave === 'no-render-on-change' && edit) rendered = 0;
    writeFileSync(memo, JSON.stringify(Object.fromEntries(clusters.map((c) => [c.name, c.domain]))));
    const layout: [string, number][] = [...files].map(([p, t]) => [p, Buffer.byteLength(t)]);
    if (flags.has('--layout')) writeFileSync(flags.get('--layout')!, JSON.stringify(layout));
    calls.push({ what, size, out, memo: memoFound, edit, existed, before, after: contents(out), rendered });
    const stats = {
      clusters: clusters.length,
      objects: 2 * clusters.length,
      files: files.size,
      bytes: layout.reduce((sum, [, n]) => sum + n, 0),
      rendered,
      cached: keys.length - rendered,
      written,
      startupMs: 200,
      renderMs: 10 * size + rendered,
      serializeMs: 5 * size,
      writeMs: written ? 3 * size : 1,
      memoMs: 1,
      synthMs: 10 * size + rendered + 5 * size + (written ? 3 * size : 1) + 1,
      maxRssKiB: 100_000 + 1000 * size,
    };
    return { wallMs: 300 + stats.synthMs, json: stats };
  };
}

const OPTIONS: MeasureOptions = { sizes: [1, 3], repeat: 2, coldMax: 1, date: '2026-01-02' };
const context = (cacheDir: string): BenchContext => ({ root: work, script: join(work, 'bench.cjs'), cacheDir });

describe('measure, with fake fleet children', () => {
  const calls: Call[] = [];
  const cacheDir = fresh('cache');
  const log: string[] = [];
  const measured = measure(context(cacheDir), OPTIONS, (line) => log.push(line), fakeNode(calls));
  const scenario = (c: Call) => c.what.split(' fleet')[0];
  const counted = () => calls.filter((c) => !c.what.startsWith('filling'));

  test('fills the render cache for the largest fleet once: cluster 1, then the others in slices', async () => {
    const report = await measured;
    const priming = calls.filter((c) => c.what.startsWith('filling'));
    expect(priming[0].what).toBe('filling the render cache (cluster 1)');
    expect(priming.every((c) => c.size === 3)).toBe(true);
    // cluster 1 renders both charts; the others only their own Argo CD, cert-manager being cached.
    expect(report.prime).toMatchObject({ clusters: 3, rendered: 4 });
    expect(priming.slice(1).reduce((sum, c) => sum + c.rendered, 0)).toBe(2);
  });

  test('runs, per round and size, cold (up to coldMax), first write, unchanged, one change', async () => {
    await measured;
    expect(counted().map((c) => `${scenario(c)} ${c.size}`)).toEqual([
      ...['cold 1', 'first 1', 'unchanged 1', 'change 1', 'first 3', 'unchanged 3', 'change 3'],
      ...['cold 1', 'first 1', 'unchanged 1', 'change 1', 'first 3', 'unchanged 3', 'change 3'],
    ]);
  });

  test('re-synthesizes over the tree the previous run left: the unchanged and the replace path', async () => {
    await measured;
    const runs = counted();
    runs.forEach((c, i) => {
      if (scenario(c) === 'cold' || scenario(c) === 'first') {
        expect(c.existed, c.what).toBe(false);
      } else {
        expect(c.existed, c.what).toBe(true);
        expect(c.before, c.what).toEqual(runs[i - 1].after);
      }
      if (scenario(c) === 'change') {
        expect(c.after).not.toEqual(c.before);
        expect(c.edit).toMatch(new RegExp(`^edit-[0-9a-f]{8}-${c.size}-[12]$`));
      }
    });
    expect(new Set(runs.filter((c) => c.edit).map((c) => c.edit)).size).toBe(4);
  });

  test('cold starts with an empty render cache and memo; warm runs with the whole fleet memo', async () => {
    await measured;
    const runs = counted();
    for (const c of runs.filter((x) => scenario(x) === 'cold')) {
      expect(c.memo).toBeUndefined();
      expect(c.rendered).toBe(2);
    }
    for (const size of OPTIONS.sizes)
      expect(runs.find((x) => scenario(x) === 'first' && x.size === size)!.memo).toEqual({
        'bench-001': 'bench-001.example.com',
        'bench-002': 'bench-002.example.com',
        'bench-003': 'bench-003.example.com',
      });
  });

  test('reports medians per scenario, cold only where measured', async () => {
    const report = await measured;
    const [one, three] = report.fleets;
    expect(one).toMatchObject({ clusters: 1, objects: 2, files: 3, distinctCharts: 2 });
    expect(one.cold).toMatchObject({ rendered: 2, cached: 0, wallMs: 300 + 10 + 2 + 5 + 3 + 1 });
    expect(one.first).toMatchObject({ rendered: 0, cached: 2 });
    expect(one.unchanged).toMatchObject({ rendered: 0, writeMs: 1 });
    expect(one.change).toMatchObject({ rendered: 1, cached: 1 });
    expect(three.cold).toBeUndefined();
    expect(three.distinctCharts).toBeUndefined();
    expect(three).toMatchObject({ clusters: 3, files: 9, plainWallMs: 50 });
    expect(report).toMatchObject({ repeat: 2, coldMax: 1, date: '2026-01-02', nodeStart: { wallMs: 50 } });
  });

  test("keeps its persistent render cache to the fleets' entries, and reuses it", async () => {
    await measured;
    const renders = join(cacheDir, 'renders');
    const fleet = ['argocd-bench-001.example.com.json', 'argocd-bench-002.example.com.json', 'argocd-bench-003.example.com.json'];
    expect(cacheEntries(renders).sort()).toEqual([...fleet, 'cert-manager.json']);
    const again = await measure(context(cacheDir), { ...OPTIONS, repeat: 1 }, () => {}, fakeNode([]));
    expect(again.prime.rendered).toBe(0);
  });

  test('leaves nothing behind but the render cache', async () => {
    await measured;
    for (const c of calls) expect(existsSync(c.out), c.out).toBe(false);
    expect(existsSync(dirname(calls[0].out))).toBe(false);
    expect(readdirSync(cacheDir)).toEqual(['renders']);
  });

  test('empties a render cache full of old entries before filling it', async () => {
    const dir = fresh('stale');
    mkdirSync(join(dir, 'renders'));
    for (let i = 0; i < 30; i++) writeFileSync(join(dir, 'renders', `old-${i}.json`), '{}');
    const lines: string[] = [];
    const report = await measure(context(dir), { ...OPTIONS, repeat: 1 }, (l) => lines.push(l), fakeNode([]));
    expect(lines[0]).toContain('emptying');
    expect(report.prime.rendered).toBe(4);
    expect(cacheEntries(join(dir, 'renders')).some((f) => f.startsWith('old-'))).toBe(false);
  });
});

describe('measure refuses a run that does not do what it measures', () => {
  test.each<[Misbehaviour, string]>([
    ['rewrites-unchanged', 'unchanged fleet of 1: a re-synth over an identical tree wrote (written: false; changed: '],
    ['reports-written', 'unchanged fleet of 1: a re-synth over an identical tree wrote (written: true'],
    ['no-render-on-change', 'change fleet of 1: rendered no chart'],
    ['fresh-directory', 'unchanged fleet of 1: a re-synth over an identical tree wrote'],
  ])('%s', async (misbehave, message) => {
    await expect(measure(context(fresh('cache')), { ...OPTIONS, repeat: 1 }, () => {}, fakeNode([], misbehave))).rejects.toThrow(message);
  });

  test('an in-place change is not the replace path', async () => {
    await expect(measure(context(fresh('cache')), { ...OPTIONS, repeat: 1 }, () => {}, fakeNode([], 'changes-in-place'))).rejects.toThrow(
      'was not replaced: the re-synth after a change did not swap in a new tree',
    );
  });
});

describe('tree snapshots', () => {
  test('see a rewrite with the same bytes, a replacement, and nothing when nothing happened', () => {
    const dir = join(fresh('snap'), 'out');
    writeDistAtomically(dir, new Map([['a/b.yaml', 'x: 1\n']]));
    const first = treeSnapshot(dir);
    expect([...first.keys()]).toEqual(['', 'a', 'a/b.yaml']);
    expect(snapshotDiff(first, treeSnapshot(dir))).toEqual([]);
    expect(writeDistAtomically(dir, new Map([['a/b.yaml', 'x: 1\n']])).written).toBe(false);
    expect(snapshotDiff(first, treeSnapshot(dir))).toEqual([]);
    writeFileSync(join(dir, 'a/b.yaml'), 'x: 1\n');
    expect(snapshotDiff(first, treeSnapshot(dir))).toEqual(['a/b.yaml']);
    const second = treeSnapshot(dir);
    writeDistAtomically(dir, new Map([['a/b.yaml', 'x: 2\n']]));
    const third = treeSnapshot(dir);
    expect(third.get('')).not.toBe(second.get(''));
    expect(swapLeftovers(dir)).toEqual([]);
  });

  test('swapLeftovers names what a swap leaves beside the directory', () => {
    const parent = fresh('left');
    mkdirSync(join(parent, 'out'));
    mkdirSync(join(parent, '.out.tmp-abc'));
    writeFileSync(join(parent, '.out.swap'), '{}');
    mkdirSync(join(parent, '.other.tmp-abc'));
    expect(swapLeftovers(join(parent, 'out')).sort()).toEqual(['.out.swap', '.out.tmp-abc']);
    renameSync(join(parent, '.out.tmp-abc'), join(parent, 'gone'));
  });
});

test('primeSlices splits clusters 2..size into at most `parts` ranges', () => {
  expect(primeSlices(1, 2)).toEqual([]);
  expect(primeSlices(2, 2)).toEqual(['2-2']);
  expect(primeSlices(3, 2)).toEqual(['2-2', '3-3']);
  expect(primeSlices(100, 2)).toEqual(['2-51', '52-100']);
  expect(primeSlices(10, 4)).toEqual(['2-4', '5-6', '7-8', '9-10']);
  expect(primeSlices(10, 1)).toEqual(['2-10']);
});

test('median', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
});
