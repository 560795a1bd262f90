// Runtime inputs of the Nx targets (nx.json, `{ "runtime": "node scripts/input-hash.mjs ..." }`):
// prints one digest of the places a cached target reads that Nx's file inputs cannot name. Nx hashes
// only the files of its own file map, that is inside the workspace and not ignored by git, so a
// `{workspaceRoot}/../shared/**` input or a `.cache/**` input hashes nothing at all.
//
//   node scripts/input-hash.mjs [--roots] <source>...
//     <path>       a file or directory, relative to the repository root (`../shared/charts`, `.cache/charts`)
//     env:<NAME>   the file or directory an environment variable names (nothing when it is unset)
//     git-ignored  what git ignores in the repository outside the folders the secret scan skips
//                  (leftovers such as `.dist.old-*`: validate scans them, Nx's file map omits them)
//     git-head     the commit HEAD names (tests that read `dist/` at HEAD through git)
//     --roots      print the absolute paths the sources cover, one JSON array, instead of the digest
//
// The digest covers, per source, its name, its path and one line per file below it (relative path,
// size, mtime in ms; symlinks followed, byte order), or `missing`; for git-head, the commit id (git
// objects never change, so HEAD's commit stands for what is read under .git). A directory walk reads no
// file, so ../shared (1,700 files, 46 MB) costs a few milliseconds; the chart stamps in charts.mjs
// make the same trade. An edit that keeps both size and mtime goes unseen; `git checkout`, copies and
// editors change the mtime. Plain Node ESM; types in input-hash.d.mts; tested by nx-inputs.test.ts.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Folders the secret scan never enters (SKIP_DIRS in apps/platform/src/validate/secrets.ts). */
export const SCAN_SKIPPED_DIRS = Object.freeze(['node_modules', '.git', '.nx', '.cache', 'tmp', '.terraform', 'coverage']);

const byteOrder = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Repository paths git ignores (folders once, with a trailing `/`) outside SCAN_SKIPPED_DIRS; undefined without git. */
function gitIgnored(root) {
  let out;
  try {
    out = execFileSync('git', ['ls-files', '--others', '--ignored', '--exclude-standard', '--directory', '-z'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined;
  }
  return out
    .split('\0')
    .filter(
      (p) =>
        p &&
        !p
          .replace(/\/$/, '')
          .split('/')
          .some((part) => SCAN_SKIPPED_DIRS.includes(part)),
    )
    .map((p) => p.replace(/\/$/, ''))
    .sort(byteOrder);
}

/** The commit id of HEAD and the absolute git directory; undefined without git or without a commit. */
function gitHead(root) {
  try {
    const [commit, gitDir] = execFileSync('git', ['rev-parse', 'HEAD', '--absolute-git-dir'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .trim()
      .split('\n');
    return { commit, gitDir };
  } catch {
    return undefined;
  }
}

/**
 * What each source names: `{ source, paths }` with absolute paths (none for an unset variable).
 * `paths` is undefined for `git-ignored` and `git-head` outside a git checkout; git-head names the git directory.
 */
export function inputRoots(sources, { root = ROOT, env = process.env } = {}) {
  return sources.map((source) => {
    if (source === 'git-head') {
      const head = gitHead(root);
      return { source, paths: head && [head.gitDir] };
    }
    if (source === 'git-ignored') {
      const ignored = gitIgnored(root);
      return { source, paths: ignored?.map((p) => join(root, p)) };
    }
    if (source.startsWith('env:')) {
      const value = env[source.slice(4)];
      return { source, paths: value ? [resolve(root, value)] : [] };
    }
    return { source, paths: [resolve(root, source)] };
  });
}

/** One line per file under `path` (relative path, size, mtime), or `missing`. */
function listing(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return ['missing'];
  }
  if (!stat.isDirectory()) return [`file\0${stat.size}\0${stat.mtimeMs}`];
  const lines = [];
  const walk = (rel) => {
    let names;
    try {
      names = readdirSync(join(path, rel)).sort(byteOrder);
    } catch {
      lines.push(`${rel}\0unreadable`);
      return;
    }
    for (const name of names) {
      const child = rel ? `${rel}/${name}` : name;
      let s;
      try {
        s = statSync(join(path, child));
      } catch {
        lines.push(`${child}\0dangling`);
        continue;
      }
      if (s.isDirectory()) walk(child);
      else lines.push(`${child}\0${s.size}\0${s.mtimeMs}`);
    }
  };
  walk('');
  return lines;
}

/** The digest of `sources` (see the header). */
export function inputDigest(sources, options = {}) {
  const hash = createHash('sha256');
  for (const { source, paths } of inputRoots(sources, options)) {
    hash.update(`source\0${source}\n`);
    if (source === 'git-head') {
      hash.update(`${gitHead(options.root ?? ROOT)?.commit ?? 'unavailable'}\n`);
      continue;
    }
    if (paths === undefined) hash.update('unavailable\n');
    for (const path of paths ?? []) {
      hash.update(`path\0${path}\n`);
      for (const line of listing(path)) hash.update(`${line}\n`);
    }
  }
  return hash.digest('hex');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const roots = args[0] === '--roots';
  const sources = roots ? args.slice(1) : args;
  if (sources.length === 0 || sources.some((s) => s.startsWith('--'))) {
    console.error('usage: node scripts/input-hash.mjs [--roots] <path | env:NAME | git-ignored | git-head>...');
    process.exit(2);
  }
  console.log(roots ? JSON.stringify(inputRoots(sources)) : inputDigest(sources));
}
