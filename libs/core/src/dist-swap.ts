/**
 * The atomic, recoverable writer of dist/.
 *
 * `writeDistAtomically` replaces a directory with exactly a set of files, and `recoverDist` completes
 * or rolls back a replacement that was interrupted (a killed process, Ctrl-C, a crash). Beside the
 * output directory `<parent>/<base>` the writer uses, for one swap with a random id `X`:
 *
 * - `.<base>.tmp-X`: the new tree while it is written;
 * - `.<base>.swap`: the journal, `{"new": ".<base>.tmp-X", "old": ".<base>.old-X"}`, written once the
 *   new tree is complete and removed as the very last step. Its presence is the commit point: with a
 *   valid journal, recovery rolls forward; without one, any `.<base>.tmp-*` is incomplete and deleted;
 * - `.<base>.old-X`: the previous tree, moved aside for the swap and then deleted.
 *
 * Steps (each a named checkpoint, see DIST_SWAP_CHECKPOINTS) and what recovery does after a kill:
 *
 * | killed at          | on disk                                   | recovery                                   | result |
 * | ------------------ | ----------------------------------------- | ------------------------------------------ | ------ |
 * | start              | dist (after recovery, comparison, checks) | nothing                                    | old    |
 * | after-tmp-created  | dist, empty tmp                           | delete tmp                                 | old    |
 * | during-write       | dist, partial tmp                         | delete tmp                                 | old    |
 * | after-write        | dist, complete tmp, no journal            | delete tmp                                 | old    |
 * | during-journal     | dist, tmp, empty journal                  | delete tmp, then the journal               | old    |
 * | after-journal      | dist, tmp, journal                        | dist → old, tmp → dist, rm old, rm journal | new    |
 * | after-old-rename   | old, tmp, journal: no dist                | tmp → dist, rm old, rm journal             | new    |
 * | after-new-rename   | dist (new), old, journal                  | rm old, rm journal                         | new    |
 * | during-old-removal | dist (new), partial old, journal          | rm old, rm journal                         | new    |
 * | after-old-removal  | dist (new), journal                       | rm journal                                 | new    |
 * | end                | dist (new)                                | nothing                                    | new    |
 *
 * Recovery runs the same steps as the writer (with the same checkpoints), so it can itself be
 * interrupted and run again. Without a journal and without dist, an `.<base>.old-*` directory is the
 * complete previous tree left by the earlier writer (killed between its two renames): it is restored.
 * The only moment without dist is between two consecutive rename(2) calls.
 *
 * Guarantees hold against the death of the process, not against power loss (nothing is fsynced).
 * Two writers of the same directory at the same time are not supported.
 */
import { randomBytes } from 'node:crypto';
import {
  Stats,
  accessSync,
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  linkSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { SynthError } from './errors';

export interface WriteResult {
  /** False when the directory already held exactly these files: then nothing at all was written. */
  readonly written: boolean;
  /** What recovery of an interrupted earlier swap did, for a message (absent when nothing was needed). */
  readonly recovered?: string;
}

/** The named points of a swap, in order; `PLATFORM_TEST_KILL_AT=<name>` kills the process there (tests). */
export const DIST_SWAP_CHECKPOINTS = [
  'start',
  'after-tmp-created',
  'during-write',
  'after-write',
  'during-journal',
  'after-journal',
  'after-old-rename',
  'after-new-rename',
  'during-old-removal',
  'after-old-removal',
  'end',
] as const;
export type DistSwapCheckpoint = (typeof DIST_SWAP_CHECKPOINTS)[number];

function checkpoint(name: DistSwapCheckpoint): void {
  if (process.env.PLATFORM_TEST_KILL_AT === name) process.kill(process.pid, 'SIGKILL');
}

interface Names {
  readonly outDir: string;
  readonly parent: string;
  readonly base: string;
  readonly tmpPrefix: string;
  readonly oldPrefix: string;
  readonly journal: string;
}

function names(outDir: string): Names {
  const abs = resolve(outDir);
  const base = basename(abs);
  const parent = dirname(abs);
  return { outDir: abs, parent, base, tmpPrefix: `.${base}.tmp-`, oldPrefix: `.${base}.old-`, journal: join(parent, `.${base}.swap`) };
}

/** A path for a message: relative to the working directory when inside it, else absolute. */
function show(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

const quote = (path: string) => `'${path.replace(/'/g, `'\\''`)}'`;

function codeOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e?.code ?? (error instanceof Error ? error.message : String(error));
}

function fail(n: Names, path: string, message: string): never {
  throw new SynthError([{ file: show(n.outDir), path: show(path), message }]);
}

function cannotRemove(n: Names, path: string, error: unknown): never {
  const inner = (error as NodeJS.ErrnoException)?.path;
  const where = inner && inner !== path ? ` on ${show(inner)}` : '';
  fail(
    n,
    path,
    `a leftover of an interrupted synth that cannot be removed (${codeOf(error)}${where}): remove it by hand (rm -rf ${quote(path)}) and run again`,
  );
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Removes a file or a tree, depth first, so a failure names the entry that cannot be removed (with its
 * own error code); `afterFirst` runs once the first entry of the top directory is gone.
 */
function removeTree(path: string, afterFirst?: () => void): void {
  const stat = lstatOrUndefined(path);
  if (!stat) return;
  if (!stat.isDirectory()) return unlinkSync(path);
  let first = true;
  for (const entry of readdirSync(path)) {
    removeTree(join(path, entry));
    if (first) afterFirst?.();
    first = false;
  }
  rmdirSync(path);
}

interface Journal {
  readonly new: string;
  readonly old: string;
}

/** The journal, or undefined when it is absent or not one this writer completed (then the swap never began). */
function readJournal(n: Names): Journal | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(n.journal, 'utf8'));
  } catch {
    return undefined;
  }
  const j = parsed as Partial<Journal> | null;
  const id = (name: unknown, prefix: string) =>
    typeof name === 'string' && name.startsWith(prefix) && /^[A-Za-z0-9]+$/.test(name.slice(prefix.length));
  return j && id(j.new, n.tmpPrefix) && id(j.old, n.oldPrefix) ? { new: j.new!, old: j.old! } : undefined;
}

/**
 * The swap proper, from a complete new tree and a written journal to the end; the writer and recovery
 * both run it, and every step can be repeated after an interruption.
 */
function completeSwap(n: Names, newTree: string, oldTree: string): void {
  if (existsSync(newTree)) {
    if (existsSync(n.outDir)) {
      // Only if something else recreated it; the old tree is garbage once the journal exists.
      if (existsSync(oldTree)) removeTree(oldTree);
      renameSync(n.outDir, oldTree);
    }
    checkpoint('after-old-rename');
    renameSync(newTree, n.outDir);
    checkpoint('after-new-rename');
  }
  removeTree(oldTree, () => checkpoint('during-old-removal'));
  checkpoint('after-old-removal');
  unlinkSync(n.journal);
  checkpoint('end');
}

/**
 * Completes or rolls back an interrupted swap of `outDir` (see the table above), and removes leftovers.
 * Returns a one-line description of what it did, or undefined when nothing was needed. Throws a
 * SynthError naming the path when a leftover cannot be removed.
 */
export function recoverDist(outDir: string): string | undefined {
  const n = names(outDir);
  const list = () => {
    try {
      return readdirSync(n.parent);
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return [];
      fail(n, n.parent, `cannot be read (${codeOf(error)})`);
    }
  };
  if (!list().some((e) => e.startsWith(`.${n.base}.`))) return undefined;
  const did: string[] = [];

  const journal = existsSync(n.journal) ? readJournal(n) : undefined;
  if (journal) {
    const newTree = join(n.parent, journal.new);
    const oldTree = join(n.parent, journal.old);
    const forward = existsSync(newTree);
    try {
      completeSwap(n, newTree, oldTree);
    } catch (error) {
      if (error instanceof SynthError) throw error;
      // The new tree in place, what is left is removing the old one and the journal.
      if (!existsSync(newTree) && existsSync(n.outDir)) cannotRemove(n, existsSync(oldTree) ? oldTree : n.journal, error);
      fail(
        n,
        existsSync(newTree) ? newTree : oldTree,
        `cannot complete an interrupted swap (${codeOf(error)}): the complete new tree is ${journal.new}, the old one ${journal.old}; fix the permissions and run again, or move ${journal.new} to ${basename(n.outDir)} and remove ${basename(n.journal)} by hand`,
      );
    }
    did.push(
      forward
        ? `completed an interrupted swap: ${show(n.outDir)} now holds the complete new tree`
        : `finished the cleanup of an interrupted swap (${show(n.outDir)} already held the new tree)`,
    );
  } else if (!existsSync(n.outDir)) {
    // No commit point: the previous tree, moved aside by a writer killed between its two renames.
    const olds = list()
      .filter((e) => e.startsWith(n.oldPrefix))
      .map((e) => ({ e, t: lstatSync(join(n.parent, e)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    if (olds.length > 0) {
      try {
        renameSync(join(n.parent, olds[0].e), n.outDir);
      } catch (error) {
        fail(n, join(n.parent, olds[0].e), `cannot be restored as ${show(n.outDir)} (${codeOf(error)}): rename it by hand and run again`);
      }
      did.push(`restored ${show(n.outDir)} from ${olds[0].e}, the previous tree of an interrupted swap`);
    }
  }

  const leftovers = list().filter((e) => e.startsWith(n.tmpPrefix) || e.startsWith(n.oldPrefix));
  for (const entry of leftovers) {
    const path = join(n.parent, entry);
    try {
      removeTree(path);
    } catch (error) {
      cannotRemove(n, path, error);
    }
  }
  const incomplete = leftovers.filter((e) => e.startsWith(n.tmpPrefix));
  if (incomplete.length > 0)
    did.push(`removed the incomplete tree${incomplete.length === 1 ? '' : 's'} ${incomplete.join(', ')} of an interrupted synth`);
  const old = leftovers.filter((e) => e.startsWith(n.oldPrefix));
  if (old.length > 0) did.push(`removed the previous tree${old.length === 1 ? '' : 's'} ${old.join(', ')} left by an interrupted swap`);
  // An unfinished journal (the process died while writing it) goes last: the swap never began.
  if (existsSync(n.journal)) {
    try {
      unlinkSync(n.journal);
    } catch (error) {
      cannotRemove(n, n.journal, error);
    }
    did.push(`removed the unfinished journal ${basename(n.journal)}`);
  }
  return did.length > 0 ? did.join('; ') : undefined;
}

/** The directories the files need (relative paths, without ''), after checking every path is a plain relative one. */
function expectedDirs(n: Names, files: ReadonlyMap<string, string>): Set<string> {
  const dirs = new Set<string>();
  for (const path of files.keys()) {
    const parts = path.split('/');
    if (isAbsolute(path) || path.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..'))
      fail(n, join(n.outDir, path), `${JSON.stringify(path)} is not a relative file path (a/b.yaml)`);
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  for (const dir of dirs) if (files.has(dir)) fail(n, join(n.outDir, dir), `${JSON.stringify(dir)} is both a file and a directory`);
  return dirs;
}

interface Entry {
  readonly rel: string;
  readonly path: string;
  readonly stat: Stats;
}

/** Every entry of the existing output directory, itself first (rel ''), or undefined when it does not exist. */
function scan(n: Names): Entry[] | undefined {
  const root = lstatOrUndefined(n.outDir);
  if (!root) return undefined;
  if (root.isSymbolicLink())
    fail(
      n,
      n.outDir,
      `is a symbolic link, which the writer would replace by a directory: write to its target instead (--out ${quote(linkTarget(n.outDir))})`,
    );
  if (!root.isDirectory()) fail(n, n.outDir, 'exists and is not a directory: remove it or write elsewhere');
  const entries: Entry[] = [{ rel: '', path: n.outDir, stat: root }];
  const walk = (dir: string, rel: string) => {
    let list: string[];
    try {
      list = readdirSync(dir).sort();
    } catch (error) {
      fail(
        n,
        dir,
        `cannot be read (${codeOf(error)}), so ${show(n.outDir)} was not replaced: fix its permissions (chmod -R u+rwX ${quote(n.outDir)})`,
      );
    }
    for (const name of list) {
      const path = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const stat = lstatSync(path);
      entries.push({ rel: r, path, stat });
      if (stat.isDirectory()) walk(path, r);
    }
  };
  walk(n.outDir, '');
  return entries;
}

function linkTarget(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Compares the existing tree with `files`: which files already hold exactly the bytes wanted
 * (`unchanged`, relative paths), and whether the tree is exactly `files` (`same`: the same files
 * and directories, the same bytes, nothing else).
 */
function compareTree(
  entries: readonly Entry[],
  files: ReadonlyMap<string, string>,
  dirs: ReadonlySet<string>,
): { same: boolean; unchanged: Set<string> } {
  const unchanged = new Set<string>();
  let extra = false;
  let dirCount = 0;
  for (const e of entries) {
    if (e.rel === '') continue;
    if (e.stat.isDirectory()) {
      if (dirs.has(e.rel)) dirCount++;
      else extra = true;
      continue;
    }
    const content = e.stat.isFile() ? files.get(e.rel) : undefined;
    if (content === undefined) {
      extra = true;
      continue;
    }
    const wanted = Buffer.from(content);
    if (wanted.length !== e.stat.size) continue;
    try {
      if (readFileSync(e.path).equals(wanted)) unchanged.add(e.rel);
    } catch {
      // unreadable: written anew
    }
  }
  return { same: !extra && dirCount === dirs.size && unchanged.size === files.size, unchanged };
}

/** Hard-links `from` to `to`; false when the file system refuses (the caller writes the file instead). */
function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch {
    return false;
  }
}

/** Refuses, before anything changes, when any directory or file of the existing tree is read-only. */
function assertReplaceable(n: Names, entries: readonly Entry[]): void {
  for (const e of entries) {
    if (e.stat.isSymbolicLink()) continue; // removing a link never needs its target to be writable
    // The user-write bit as well as access(2): running as root, the OS would let every write through.
    let writable = (e.stat.mode & 0o200) !== 0;
    if (writable) {
      try {
        accessSync(e.path, constants.W_OK);
      } catch {
        writable = false;
      }
    }
    if (!writable)
      fail(
        n,
        e.path,
        `is read-only (mode ${(e.stat.mode & 0o7777).toString(8).padStart(4, '0')}), so ${show(n.outDir)} was not replaced: make it writable (chmod -R u+w ${quote(n.outDir)}) or remove it, then run again`,
      );
  }
}

/**
 * Replaces `outDir` with exactly `files` (paths relative to it), atomically and recoverably: an earlier
 * interrupted swap is recovered first; when the directory already holds exactly these files nothing is
 * written (`written: false`); a read-only directory or file in it is refused before anything changes;
 * otherwise the new tree is written beside it, then swapped into place (see the table above), and
 * files that are no longer produced disappear. Refusals and failures before the swap throw a
 * SynthError and leave `outDir` untouched.
 */
export function writeDistAtomically(outDir: string, files: ReadonlyMap<string, string>): WriteResult {
  const n = names(outDir);
  const dirs = expectedDirs(n, files);
  try {
    mkdirSync(n.parent, { recursive: true });
  } catch (error) {
    fail(n, n.parent, `cannot be created (${codeOf(error)})`);
  }
  const recovered = recoverDist(n.outDir);
  const result = (written: boolean): WriteResult => ({ written, ...(recovered !== undefined && { recovered }) });

  const existing = scan(n);
  const { same, unchanged } = existing ? compareTree(existing, files, dirs) : { same: false, unchanged: new Set<string>() };
  if (same) return result(false);
  if (existing) assertReplaceable(n, existing);
  checkpoint('start');

  let id = randomBytes(6).toString('hex');
  let tmp = join(n.parent, n.tmpPrefix + id);
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(tmp);
      break;
    } catch (error) {
      if (codeOf(error) !== 'EEXIST' || attempt > 5)
        fail(
          n,
          n.parent,
          `cannot create the temporary directory ${basename(tmp)} here (${codeOf(error)}), so ${show(n.outDir)} was not replaced`,
        );
      id = randomBytes(6).toString('hex');
      tmp = join(n.parent, n.tmpPrefix + id);
    }
  }
  const old = join(n.parent, n.oldPrefix + id);
  checkpoint('after-tmp-created');

  const abandon = (path: string, error: unknown): never => {
    try {
      removeTree(tmp);
    } catch {
      // the next run's recovery removes it, or says what to remove
    }
    if (error instanceof SynthError) throw error;
    fail(n, path, `cannot be written (${codeOf(error)}), so ${show(n.outDir)} was not replaced`);
  };

  let current = tmp;
  try {
    for (const dir of [...dirs].sort()) mkdirSync((current = join(tmp, dir)));
    let first = true;
    for (const [path, content] of files) {
      current = join(tmp, path);
      // A file whose bytes do not change is a hard link to the old one: no write, and after the
      // swap it keeps its inode and mtime (editors and file watchers see only what changed).
      if (!unchanged.has(path) || !tryLink(join(n.outDir, path), current)) writeFileSync(current, content);
      if (first) checkpoint('during-write');
      first = false;
    }
  } catch (error) {
    abandon(current, error);
  }
  checkpoint('after-write');

  // The commit point: from here on, recovery rolls forward.
  try {
    const fd = openSync(n.journal, 'wx');
    try {
      checkpoint('during-journal');
      writeSync(fd, `${JSON.stringify({ new: basename(tmp), old: basename(old) })}\n`);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (codeOf(error) === 'EEXIST')
      abandon(
        n.journal,
        new SynthError([
          {
            file: show(n.outDir),
            path: show(n.journal),
            message: 'appeared while this synth was writing: is another synth writing the same directory? Run again once it is done',
          },
        ]),
      );
    try {
      unlinkSync(n.journal);
    } catch {
      // absent, or removed by the next run's recovery
    }
    abandon(n.journal, error);
  }
  checkpoint('after-journal');

  // The renames. Should the first one fail, nothing changed yet: undo and report dist untouched.
  if (existsSync(n.outDir)) {
    try {
      renameSync(n.outDir, old);
    } catch (error) {
      try {
        unlinkSync(n.journal);
      } catch {
        // recovery would roll forward, which is also correct
      }
      abandon(n.outDir, error);
    }
  }
  checkpoint('after-old-rename');
  try {
    renameSync(tmp, n.outDir);
  } catch (error) {
    if (existsSync(old) && !existsSync(n.outDir)) renameSync(old, n.outDir);
    try {
      unlinkSync(n.journal);
    } catch {
      // as above
    }
    abandon(n.outDir, error);
  }
  checkpoint('after-new-rename');
  try {
    completeSwap(n, tmp, old);
  } catch {
    // The new tree is in place; the next run's recovery finishes removing the old one (or says what to remove).
  }
  return result(true);
}
