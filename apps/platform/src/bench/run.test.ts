import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { renderCluster } from '@platform/core';
import { afterAll, describe, expect, test, vi } from 'vitest';
import prod from '../../../../clusters/prod';
import { PLAIN_WRITE_SCRIPT, childMain, runFleet } from './run';

const work = mkdtempSync(join(tmpdir(), 'bench-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every file under dir with its size, sorted by path. */
function sizes(dir: string): [string, number][] {
  const out: [string, number][] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push([relative(dir, p).split('\\').join('/'), statSync(p).size]);
    }
  };
  walk(dir);
  return out.sort(([a], [b]) => (a < b ? -1 : 1));
}

describe('runFleet', () => {
  const out = join(work, 'fleet');
  const { stats, layout } = runFleet(prod, 2, out);

  test('writes one directory per cluster', () => {
    expect(readdirSync(out).sort()).toEqual(['bench-001', 'bench-002']);
    expect(readdirSync(join(out, 'bench-001')).sort()).toEqual(readdirSync(join(out, 'bench-002')).sort());
  });

  test('counts what it rendered and wrote', () => {
    const onDisk = sizes(out);
    expect(stats.clusters).toBe(2);
    expect(stats.files).toBe(onDisk.length);
    expect(stats.bytes).toBe(onDisk.reduce((sum, [, n]) => sum + n, 0));
    expect(layout).toEqual(onDisk);
    const perCluster = renderCluster(prod, 'clusters/prod.ts').components.reduce((sum, c) => sum + c.objects.length, 0);
    expect(stats.objects).toBe(2 * perCluster);
  });

  test('measures every step', () => {
    for (const key of ['startupMs', 'renderMs', 'serializeMs', 'writeMs', 'synthMs', 'maxRssKiB'] as const)
      expect(stats[key]).toBeGreaterThan(0);
    expect(stats.synthMs).toBeCloseTo(stats.renderMs + stats.serializeMs + stats.writeMs, 6);
  });

  test('the plain-fs floor writes the same paths and sizes', () => {
    const layoutFile = join(work, 'layout.json');
    writeFileSync(layoutFile, JSON.stringify(layout));
    const plain = join(work, 'plain');
    const result = spawnSync(process.execPath, ['-e', PLAIN_WRITE_SCRIPT, layoutFile, plain], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(Object.keys(JSON.parse(result.stdout)).sort()).toEqual(['maxRssKiB', 'writeMs']);
    expect(sizes(plain)).toEqual(layout);
    expect(readFileSync(join(plain, 'bench-001/README.md'), 'utf8')).toMatch(/^x+$/);
  });
});

describe('childMain', () => {
  test('prints the stats as one JSON line and writes the layout', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const layoutFile = join(work, 'child-layout.json');
    try {
      expect(childMain(['--fleet', '1', '--out', join(work, 'child'), '--layout', layoutFile], prod)).toBe(0);
      const printed = JSON.parse(String(write.mock.calls.at(-1)![0]));
      expect(printed).toMatchObject({ clusters: 1, files: JSON.parse(readFileSync(layoutFile, 'utf8')).length });
    } finally {
      write.mockRestore();
    }
  });

  test.each([[['--fleet', '0', '--out', 'x']], [['--out', 'x']], [['--fleet', '2']], [['--fleet', '2', '--out', 'x', '--bogus', 'y']]])(
    'rejects %j',
    (argv) => {
      const error = vi.spyOn(console, 'error').mockImplementation(() => {});
      try {
        expect(childMain(argv, prod)).toBe(2);
      } finally {
        error.mockRestore();
      }
    },
  );
});
