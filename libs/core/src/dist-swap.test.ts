import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DIST_SWAP_CHECKPOINTS, DistSwapCheckpoint, recoverDist, writeDistAtomically } from './dist-swap';
import { SynthError } from './errors';

const ROOT = resolve(__dirname, '../../..');
const work = mkdtempSync(join(tmpdir(), 'dist-swap-test-'));
const CHILD = join(work, 'child.cjs');
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(() => {
  buildSync({
    entryPoints: [join(__dirname, '__fixtures__/dist-swap/child.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: CHILD,
    logLevel: 'error',
  });
});

type Files = Record<string, string>;
const OLD: Files = {
  'README.md': 'old readme\n',
  'dev/a.yaml': 'a: 1\n',
  'dev/gone/x.yaml': 'stale: true\n',
  'dev/gone/y.yaml': 'stale: true\n',
  'prod/b.yaml': 'b: 1\n',
};
const NEW: Files = {
  'README.md': 'new readme\n',
  'dev/a.yaml': 'a: 1\n',
  'dev/c.yaml': 'c: 1\n',
  'prod/b.yaml': 'b: 2\n',
  'prod/more/d.yaml': 'd: 1\n',
};
const map = (files: Files) => new Map(Object.entries(files));

let counter = 0;
/** A fresh parent directory; returns the path of its (not yet existing) `dist`. */
function fresh(): string {
  const parent = join(work, `case-${counter++}`);
  mkdirSync(parent);
  return join(parent, 'dist');
}

/** Files with their content and directories (trailing `/`) under dir, or undefined when dir does not exist. */
function tree(dir: string): Files | undefined {
  if (!existsSync(dir)) return undefined;
  const out: Files = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (lstatSync(p).isDirectory()) {
        out[`${r}/`] = '';
        walk(p, r);
      } else out[r] = readFileSync(p, 'utf8');
    }
  };
  walk(dir, '');
  return out;
}

/** The tree `tree()` returns for exactly these files. */
function expected(files: Files): Files {
  const out: Files = { ...files };
  for (const path of Object.keys(files)) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) out[`${parts.slice(0, i).join('/')}/`] = '';
  }
  return out;
}

/** Inode, mode, mtime and ctime of every entry under dir (and of dir). */
function stats(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (p: string, rel: string) => {
    const s = lstatSync(p, { bigint: true });
    out[rel] = `${s.ino} ${s.mode.toString(8)} ${s.mtimeNs} ${s.ctimeNs}`;
    if (s.isDirectory()) for (const name of readdirSync(p)) add(join(p, name), `${rel}/${name}`);
  };
  add(dir, '.');
  return out;
}

function child(args: string[], killAt?: string) {
  const env = { ...process.env };
  delete env.PLATFORM_TEST_KILL_AT;
  if (killAt) env.PLATFORM_TEST_KILL_AT = killAt;
  return spawnSync(process.execPath, [CHILD, ...args], { encoding: 'utf8', env });
}

function filesJson(files: Files): string {
  const path = join(work, `files-${counter++}.json`);
  writeFileSync(path, JSON.stringify(files));
  return path;
}

function synthError(fn: () => unknown): SynthError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SynthError);
    return error as SynthError;
  }
  throw new Error('expected a SynthError');
}

/** The checkpoints of the swap proper: from here on, an interrupted swap is rolled forward. */
const COMMIT = DIST_SWAP_CHECKPOINTS.indexOf('after-journal');
/** Checkpoints a first synth (no old tree) never reaches. */
const NEEDS_OLD: readonly DistSwapCheckpoint[] = ['during-old-removal'];

describe('writeDistAtomically', () => {
  test('writes exactly the files, with directories, into a new directory', () => {
    const out = fresh();
    expect(writeDistAtomically(out, map(NEW))).toEqual({ written: true });
    expect(tree(out)).toEqual(expected(NEW));
    expect(readdirSync(dirname(out))).toEqual(['dist']);
  });

  test('files no longer produced disappear (and their directories)', () => {
    const out = fresh();
    writeDistAtomically(out, map(OLD));
    expect(writeDistAtomically(out, map(NEW))).toEqual({ written: true });
    expect(tree(out)).toEqual(expected(NEW));
    expect(existsSync(join(out, 'dev/gone'))).toBe(false);
    expect(readdirSync(dirname(out))).toEqual(['dist']);
  });

  test('output equal to the existing tree writes nothing: same inodes, mtimes, ctimes, and the parent is untouched', async () => {
    const out = fresh();
    writeDistAtomically(out, map(OLD));
    const before = stats(out);
    const parentBefore = stats(dirname(out))['.'];
    await new Promise((r) => setTimeout(r, 20));
    expect(writeDistAtomically(out, map({ ...OLD }))).toEqual({ written: false });
    expect(stats(out)).toEqual(before);
    expect(stats(dirname(out))['.']).toEqual(parentBefore);
  });

  test('a change rewrites only what changed: unchanged files keep their inode and mtime (hard links into the new tree)', async () => {
    const out = fresh();
    writeDistAtomically(out, map(OLD));
    const unchanged = lstatSync(join(out, 'dev/a.yaml'), { bigint: true });
    const changed = lstatSync(join(out, 'prod/b.yaml'), { bigint: true });
    await new Promise((r) => setTimeout(r, 20));
    expect(writeDistAtomically(out, map(NEW))).toEqual({ written: true });
    expect(tree(out)).toEqual(expected(NEW));
    const a = lstatSync(join(out, 'dev/a.yaml'), { bigint: true });
    expect([a.ino, a.mtimeNs, a.nlink]).toEqual([unchanged.ino, unchanged.mtimeNs, 1n]);
    const b = lstatSync(join(out, 'prod/b.yaml'), { bigint: true });
    expect(b.ino === changed.ino && b.mtimeNs === changed.mtimeNs).toBe(false);
  });

  test.each<[string, (out: string) => void]>([
    ['an extra file', (out) => writeFileSync(join(out, 'dev/extra.yaml'), 'x')],
    ['an extra dotfile', (out) => writeFileSync(join(out, '.DS_Store'), 'x')],
    ['an extra empty directory', (out) => mkdirSync(join(out, 'prod/empty'))],
    ['a missing file', (out) => rmSync(join(out, 'dev/a.yaml'))],
    ['other bytes of the same length', (out) => writeFileSync(join(out, 'dev/a.yaml'), 'a: 2\n')],
    [
      'a symbolic link in place of a file',
      (out) => {
        rmSync(join(out, 'dev/a.yaml'));
        symlinkSync(join(out, 'README.md'), join(out, 'dev/a.yaml'));
      },
    ],
  ])('%s counts as a change and is replaced', (_case, edit) => {
    const out = fresh();
    writeDistAtomically(out, map(OLD));
    edit(out);
    expect(writeDistAtomically(out, map(OLD))).toEqual({ written: true });
    expect(tree(out)).toEqual(expected(OLD));
  });

  test.each([['/abs.yaml'], ['../up.yaml'], ['a//b.yaml'], ['a/./b.yaml'], ['']])(
    'refuses the file path %j and creates nothing',
    (path) => {
      const out = fresh();
      const error = synthError(() => writeDistAtomically(out, map({ [path]: 'x' })));
      expect(error.message).toContain('is not a relative file path');
      expect(readdirSync(dirname(out))).toEqual([]);
    },
  );

  test('refuses a path that is both a file and a directory', () => {
    const out = fresh();
    expect(synthError(() => writeDistAtomically(out, map({ a: '1', 'a/b': '2' }))).message).toContain('both a file and a directory');
  });

  test('an output path that is a file is refused and kept', () => {
    const out = fresh();
    writeFileSync(out, 'mine');
    const error = synthError(() => writeDistAtomically(out, map(NEW)));
    expect(error.message).toContain('is not a directory');
    expect(readFileSync(out, 'utf8')).toBe('mine');
    expect(readdirSync(dirname(out))).toEqual(['dist']);
  });

  test('an output path that is a symbolic link is refused (naming its target) and kept', () => {
    const out = fresh();
    const target = join(dirname(out), 'real');
    writeDistAtomically(target, map(OLD));
    symlinkSync(target, out);
    const error = synthError(() => writeDistAtomically(out, map(NEW)));
    expect(error.message).toContain(`is a symbolic link`);
    expect(error.message).toContain(`--out '${target}'`);
    expect(lstatSync(out).isSymbolicLink()).toBe(true);
    expect(tree(target)).toEqual(expected(OLD));
  });
});

describe('a read-only dist is refused and left byte-identical', () => {
  // Running as root, permission bits do not stop writes: the writer must not rely on the OS refusing.
  const probe = join(work, 'probe');
  writeFileSync(probe, 'x');
  chmodSync(probe, 0o444);
  let osEnforces = true;
  try {
    writeFileSync(probe, 'y');
    osEnforces = false;
  } catch {
    // not root: the OS refuses too
  }

  test.each<[string, string, number]>([
    ['dist itself', '', 0o555],
    ['a file in it', 'dev/a.yaml', 0o444],
    ['a directory in it', 'dev/gone', 0o555],
    ['the top of the new directories', 'prod', 0o555],
  ])(`%s (the OS enforces permissions: ${osEnforces})`, (_case, rel, mode) => {
    const out = fresh();
    writeDistAtomically(out, map(OLD));
    const target = join(out, rel);
    chmodSync(target, mode);
    try {
      const before = stats(out);
      const parentBefore = stats(dirname(out))['.'];
      const error = synthError(() => writeDistAtomically(out, map(NEW)));
      expect(error.problems).toHaveLength(1);
      expect(error.message).not.toContain('\n');
      expect(error.message).toContain(`${target}: is read-only (mode 0${mode.toString(8)}), so ${out} was not replaced`);
      expect(error.message).toContain(`chmod -R u+w '${out}'`);
      expect(tree(out)).toEqual(expected(OLD));
      expect(stats(out)).toEqual(before);
      expect(stats(dirname(out))['.']).toEqual(parentBefore);
      expect(readdirSync(dirname(out))).toEqual(['dist']);
    } finally {
      chmodSync(target, 0o755);
    }
  });

  test('a read-only dist that already holds the output is fine: nothing to write', () => {
    const out = fresh();
    writeDistAtomically(out, map(OLD));
    chmodSync(out, 0o555);
    try {
      expect(writeDistAtomically(out, map(OLD))).toEqual({ written: false });
    } finally {
      chmodSync(out, 0o755);
    }
  });
});

describe('an unremovable leftover', () => {
  /** Makes dir/sub/f unremovable: a read-only directory, or (as root, where that does not stop rm) the immutable attribute. */
  function stuck(parent: string, name = '.dist.tmp-stuck'): { leftover: string; undo: () => void } | undefined {
    const leftover = join(parent, name);
    mkdirSync(join(leftover, 'sub'), { recursive: true });
    const file = join(leftover, 'sub/f');
    writeFileSync(file, 'x');
    if (process.getuid?.() !== 0) {
      chmodSync(join(leftover, 'sub'), 0o555);
      return { leftover, undo: () => chmodSync(join(leftover, 'sub'), 0o755) };
    }
    try {
      execFileSync('chattr', ['+i', file], { stdio: 'ignore' });
    } catch {
      return undefined;
    }
    return { leftover, undo: () => execFileSync('chattr', ['-i', file]) };
  }

  test('fails every write with one line naming what to remove, and dist stays as it was', (ctx) => {
    const out = fresh();
    writeDistAtomically(out, map(OLD));
    const s = stuck(dirname(out));
    if (!s) return ctx.skip();
    try {
      for (const fn of [() => writeDistAtomically(out, map(NEW)), () => recoverDist(out)]) {
        const error = synthError(fn);
        expect(error.problems).toHaveLength(1);
        expect(error.message).not.toContain('\n');
        expect(error.message).toContain(`${s.leftover}: a leftover of an interrupted synth that cannot be removed`);
        expect(error.message).toContain(`rm -rf '${s.leftover}'`);
      }
      expect(tree(out)).toEqual(expected(OLD));
      expect(existsSync(s.leftover)).toBe(true);
      // A child process prints it as one line (no stack trace).
      const r = child(['write', out, filesJson(NEW)]);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      s.undo();
    }
    expect(writeDistAtomically(out, map(NEW))).toEqual({ written: true, recovered: expect.stringContaining('.dist.tmp-stuck') });
    expect(readdirSync(dirname(out))).toEqual(['dist']);
  });
  test('an old tree that cannot be removed after the swap: one line naming it, dist keeps the new tree', (ctx) => {
    const out = fresh();
    writeDistAtomically(out, map(NEW));
    const s = stuck(dirname(out), '.dist.old-stuck');
    if (!s) return ctx.skip();
    writeFileSync(join(dirname(out), '.dist.swap'), JSON.stringify({ new: '.dist.tmp-stuck', old: '.dist.old-stuck' }));
    try {
      const error = synthError(() => writeDistAtomically(out, map(NEW)));
      expect(error.problems).toHaveLength(1);
      expect(error.message).toContain(`${s.leftover}: a leftover of an interrupted synth that cannot be removed`);
      expect(error.message).toContain(`rm -rf '${s.leftover}'`);
      expect(tree(out)).toEqual(expected(NEW));
    } finally {
      s.undo();
    }
    expect(recoverDist(out)).toContain('finished the cleanup of an interrupted swap');
    expect(readdirSync(dirname(out))).toEqual(['dist']);
  });
});

describe('killed at every step of the swap', () => {
  describe.each([
    ['over an existing dist', true],
    ['on a first synth', false],
  ])('%s', (_scenario, withOld) => {
    test.each(DIST_SWAP_CHECKPOINTS.map((c, i) => [c, i] as const))(
      'killed at %s: recovery yields the complete old or the complete new tree',
      (checkpoint, index) => {
        const out = fresh();
        if (withOld) writeDistAtomically(out, map(OLD));
        const reachable = withOld || !NEEDS_OLD.includes(checkpoint);
        const r = child(['write', out, filesJson(NEW)], checkpoint);
        expect(r.signal).toBe(reachable ? 'SIGKILL' : null);
        if (checkpoint === 'after-old-rename') expect(existsSync(out)).toBe(false); // the one window, recovered below
        const recovered = recoverDist(out);
        if (reachable && checkpoint !== 'start' && checkpoint !== 'end') expect(recovered).toEqual(expect.any(String));
        else expect(recovered).toBeUndefined();
        const want = index >= COMMIT || !reachable ? NEW : withOld ? OLD : undefined;
        expect(tree(out)).toEqual(want && expected(want));
        expect(readdirSync(dirname(out))).toEqual(want ? ['dist'] : []);
        expect(recoverDist(out)).toBeUndefined();
      },
    );
  });

  test.each(DIST_SWAP_CHECKPOINTS.map((c, i) => [c, i] as const))(
    'killed at %s: the next write recovers and completes',
    (checkpoint, index) => {
      const out = fresh();
      writeDistAtomically(out, map(OLD));
      expect(child(['write', out, filesJson(NEW)], checkpoint).signal).toBe('SIGKILL');
      const result = writeDistAtomically(out, map(NEW));
      // Rolled forward by recovery: the tree is already what this write wants.
      expect(result.written).toBe(index < COMMIT);
      expect(result.recovered === undefined).toBe(checkpoint === 'start' || checkpoint === 'end');
      expect(tree(out)).toEqual(expected(NEW));
      expect(readdirSync(dirname(out))).toEqual(['dist']);
    },
  );

  // Recovery runs the swap's own steps: killed itself, the next recovery still completes.
  const committed = DIST_SWAP_CHECKPOINTS.slice(COMMIT, -1);
  test.each(committed.flatMap((writer) => DIST_SWAP_CHECKPOINTS.slice(COMMIT + 1).map((recovery) => [writer, recovery] as const)))(
    'writer killed at %s, recovery killed at %s: the next recovery completes',
    (writerAt, recoveryAt) => {
      const out = fresh();
      writeDistAtomically(out, map(OLD));
      expect(child(['write', out, filesJson(NEW)], writerAt).signal).toBe('SIGKILL');
      const r = child(['recover', out], recoveryAt);
      expect(r.signal === 'SIGKILL' || r.status === 0).toBe(true);
      recoverDist(out);
      expect(tree(out)).toEqual(expected(NEW));
      expect(readdirSync(dirname(out))).toEqual(['dist']);
    },
  );
});

describe('recoverDist', () => {
  test('nothing to do: undefined, also when the parent does not exist', () => {
    const out = fresh();
    expect(recoverDist(out)).toBeUndefined();
    expect(recoverDist(join(out, 'nowhere', 'dist'))).toBeUndefined();
    writeDistAtomically(out, map(OLD));
    expect(recoverDist(out)).toBeUndefined();
  });

  test("the earlier writer's state, killed between its renames (no dist, .dist.old-<pid>, .dist.tmp-*): the old tree is restored", () => {
    const out = fresh();
    const parent = dirname(out);
    writeDistAtomically(join(parent, '.dist.old-4242'), map(OLD));
    writeDistAtomically(join(parent, '.dist.tmp-Ab12Cd'), map(NEW));
    const recovered = recoverDist(out);
    expect(recovered).toContain('restored');
    expect(recovered).toContain('.dist.old-4242');
    expect(recovered).toContain('removed the incomplete tree .dist.tmp-Ab12Cd');
    expect(tree(out)).toEqual(expected(OLD));
    expect(readdirSync(parent)).toEqual(['dist']);
  });

  test('an old tree beside an existing dist is removed', () => {
    const out = fresh();
    writeDistAtomically(out, map(NEW));
    writeDistAtomically(join(dirname(out), '.dist.old-4242'), map(OLD));
    expect(recoverDist(out)).toContain('removed the previous tree .dist.old-4242');
    expect(tree(out)).toEqual(expected(NEW));
    expect(readdirSync(dirname(out))).toEqual(['dist']);
  });

  test.each([
    [''],
    ['{"new": ".dist.tmp-'],
    ['{"new": "../../victim", "old": "../../victim"}'],
    ['{"new": ".dist.tmp-a/../..", "old": ".dist.old-a"}'],
  ])('a journal %j that is not a complete one rolls back, touching nothing outside', (journal) => {
    const out = fresh();
    const parent = dirname(out);
    writeDistAtomically(out, map(OLD));
    writeDistAtomically(join(parent, '.dist.tmp-abc'), map(NEW));
    writeFileSync(join(parent, '.dist.swap'), journal);
    const victim = join(work, 'victim');
    mkdirSync(victim, { recursive: true });
    expect(recoverDist(out)).toContain('removed the unfinished journal .dist.swap');
    expect(tree(out)).toEqual(expected(OLD));
    expect(readdirSync(parent)).toEqual(['dist']);
    expect(existsSync(victim)).toBe(true);
  });

  test('a leftover outside the naming scheme is left alone', () => {
    const out = fresh();
    writeDistAtomically(out, map(OLD));
    writeFileSync(join(dirname(out), '.distance'), 'mine');
    writeFileSync(join(dirname(out), '.other.tmp-1'), 'mine');
    expect(recoverDist(out)).toBeUndefined();
    expect(readdirSync(dirname(out)).sort()).toEqual(['.distance', '.other.tmp-1', 'dist']);
  });
});

test('.gitignore ignores every leftover name of the repository dist/, and not dist/', () => {
  // The repository's .gitignore as the only exclude file of an empty repository: independent of this checkout's state.
  const repo = join(work, 'gitignore-repo');
  mkdirSync(repo);
  execFileSync('git', ['init', '-q', repo]);
  const ignored = (name: string) =>
    spawnSync('git', ['-c', `core.excludesFile=${join(ROOT, '.gitignore')}`, 'check-ignore', '--no-index', '-q', name], { cwd: repo })
      .status;
  for (const name of ['.dist.tmp-a1b2c3', '.dist.old-a1b2c3', '.dist.old-4242', '.dist.swap']) expect(ignored(name), name).toBe(0);
  for (const name of ['dist/x.yaml', 'dist']) expect(ignored(name), name).toBe(1);
});
