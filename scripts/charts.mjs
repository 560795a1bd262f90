// Pinned upstream Helm chart sources: where a chart's unpacked tree is read from, how it is
// downloaded, and how it is checked. Plain Node ESM like pinned-files.mjs; types in charts.d.mts.
//
// A ChartPin names a folder (`argo-cd-10.1.1`), its source (a git tree at a commit, or a packaged
// .tgz with its sha256), the dependencies unpacked under it (`charts/redis-ha`) and the digest of
// the whole tree. locateChart() takes the chart, in order, from:
//   1. a charts directory given by a flag (`--charts-dir`) or PLATFORM_CHARTS_DIR: it must hold the chart;
//   2. the workplace copy `<root>/../shared/charts` when it holds the chart;
//   3. the git-ignored download cache `<root>/.cache/charts/`, filled on a miss: git trees from
//      https://codeload.github.com/<repo>/tar.gz/<commit> (or `<PLATFORM_CHARTS_BASE_URL>/<repo>/tar.gz/<commit>`),
//      packages from their https URL or with `helm pull` for oci://. Archives are read by the small tar
//      reader below; symlinks become copies. The tree is assembled in a temporary folder, checked, renamed.
// Whatever the place, the tree digest must match the pin; a verified tree is remembered by a stamp
// (keyed by its files' paths, sizes and mtimes) so the next check costs a directory walk.
//
// Tree digest (the convention of ../shared/charts/SHA256SUMS): one line `<sha256>  <dir>/<path>` per
// file under <dir> (recursive, symlinks followed), sorted by path in byte order (LC_ALL=C); the
// digest is the sha256 of those lines, each followed by "\n". For a version bump, print it with
//   node scripts/charts.mjs digest <chartsDir> <dir>
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { helmBinary } from './helm.mjs';
import { fetchBytes, sha256, writeFileAtomic } from './pinned-files.mjs';

const GITHUB_TARBALLS = 'https://codeload.github.com';

export class ChartSourceError extends Error {
  name = 'ChartSourceError';
}

/** The files under `dir` (recursive, symlinks followed), sorted by relative path in byte order. */
function listFiles(dir) {
  const files = [];
  const walk = (rel) => {
    for (const name of readdirSync(join(dir, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      const stat = statSync(join(dir, path));
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) files.push({ path, size: stat.size, mtimeMs: stat.mtimeMs });
    }
  };
  walk('');
  return files.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

function treeDigest(root, dir, files) {
  return sha256(files.map((file) => `${sha256(readFileSync(join(root, file.path)))}  ${dir}/${file.path}\n`).join(''));
}

/** The tree digest of `<chartsDir>/<dir>` (see the header). */
export function chartTreeDigest(chartsDir, dir) {
  const root = join(chartsDir, dir);
  return treeDigest(root, dir.replace(/\/+$/, ''), listFiles(root));
}

function describeSource(source) {
  return source.type === 'git' ? `${source.repo}@${source.commit}:${source.path || '/'}` : source.url;
}

/** Checks the tree digest of `chartDir`, unless a stamp says this very listing was verified. */
function verify(pin, chartDir, origin, root) {
  const files = listFiles(chartDir);
  const listing = sha256(files.map((f) => `${f.path}\0${f.size}\0${f.mtimeMs}\n`).join(''));
  const stampFile = join(root, 'node_modules/.cache/platform/charts-verified', `${sha256(chartDir).slice(0, 16)}.json`);
  try {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
    if (stamp.listing === listing && stamp.digest === pin.digest) return;
  } catch {
    // No stamp yet: hash the files.
  }
  const actual = treeDigest(chartDir, pin.dir, files);
  if (actual !== pin.digest) {
    const bump = `node scripts/charts.mjs digest ${dirname(chartDir)} ${pin.dir}`;
    const fix =
      origin === 'cache'
        ? `Delete ${chartDir} to download it again`
        : `Restore it from its source (${describeSource(pin.source)}) or use another charts directory`;
    throw new ChartSourceError(
      `${pin.dir}: tree digest mismatch in ${chartDir} (${origin}): expected ${pin.digest}, got ${actual}. ` +
        `${fix}; or, if the change is on purpose, bump the pin (\`${bump}\` prints the digest).`,
    );
  }
  writeFileAtomic(stampFile, JSON.stringify({ dir: chartDir, listing, digest: actual }));
}

function tarString(block, start, length) {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end < 0 ? length : end);
}

function paxRecords(data) {
  const records = {};
  for (let at = 0; at < data.length;) {
    const space = data.indexOf(0x20, at);
    const length = Number(data.toString('latin1', at, space));
    if (!(length > 0)) throw new Error('malformed pax header');
    const record = data.toString('utf8', space + 1, at + length - 1);
    const equals = record.indexOf('=');
    records[record.slice(0, equals)] = record.slice(equals + 1);
    at += length;
  }
  return records;
}

/** The entries of an uncompressed tar: ustar (with prefix), GNU long names, pax `path`/`linkpath`. */
function readTar(tar) {
  const entries = [];
  let extended = {};
  for (let at = 0; at + 512 <= tar.length;) {
    const block = tar.subarray(at, at + 512);
    if (block.every((byte) => byte === 0)) break;
    const size = parseInt(tarString(block, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(block[156]);
    const data = tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') extended = { ...extended, ...paxRecords(data) };
    else if (type === 'L') extended.path = tarString(data, 0, data.length);
    else if (type === 'K') extended.linkpath = tarString(data, 0, data.length);
    else if (type !== 'g') {
      const prefix = block.toString('latin1', 257, 263) === 'ustar\0' ? tarString(block, 345, 155) : '';
      const path = extended.path ?? (prefix ? `${prefix}/` : '') + tarString(block, 0, 100);
      entries.push({ path: posix.normalize(path).replace(/\/+$/, ''), type, data, link: extended.linkpath ?? tarString(block, 157, 100) });
      extended = {};
    }
  }
  return entries;
}

/**
 * Writes the files under `path` (relative to the archive's one top folder; '' or '/' for all of
 * it) into `dest`. Symlinks and hard links inside the archive are written as copies of their target.
 */
function extractTree(entries, path, dest) {
  const files = new Map();
  const links = new Map();
  const children = new Map([['.', new Set()]]);
  const top = entries[0]?.path.split('/')[0];
  for (const entry of entries) {
    if (entry.path !== top && !entry.path.startsWith(`${top}/`)) throw new Error(`${entry.path} is outside the top folder ${top}/`);
    const rel = entry.path.slice(top.length + 1);
    if (!rel) continue;
    if (entry.type === '0' || entry.type === '\0') files.set(rel, entry.data);
    else if (entry.type === '1') links.set(rel, entry.link.slice(top.length + 1));
    else if (entry.type === '2') {
      if (entry.link.startsWith('/')) throw new Error(`${entry.path} is a symlink to the absolute path ${entry.link}`);
      links.set(rel, posix.join(posix.dirname(rel), entry.link));
    } else if (entry.type === '5') children.set(rel, children.get(rel) ?? new Set());
    else continue;
    for (let child = rel; child !== '.'; child = posix.dirname(child)) {
      const parent = posix.dirname(child);
      if (!children.has(parent)) children.set(parent, new Set());
      children.get(parent).add(posix.basename(child));
    }
  }
  /** The archive path `p` names, with every symlinked component replaced by its target. */
  const real = (p, hops = 0) => {
    const parts = p.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const link = links.get(parts.slice(0, i).join('/'));
      if (link === undefined) continue;
      const target = posix.join(link, ...parts.slice(i));
      if (hops > 40 || target === '..' || target.startsWith('../')) throw new Error(`${p}: symlink loop or link outside the archive`);
      return real(target, hops + 1);
    }
    return p;
  };
  let written = 0;
  const copy = (p, out, seen) => {
    const r = real(p);
    if (files.has(r)) {
      mkdirSync(dirname(join(dest, out)), { recursive: true });
      writeFileSync(join(dest, out), files.get(r));
      written++;
    } else if (children.has(r) && !seen.includes(r)) {
      for (const name of children.get(r)) copy(r === '.' ? name : `${r}/${name}`, out ? `${out}/${name}` : name, [...seen, r]);
    } else
      throw new Error(p === r ? `no ${p} in the archive` : `${p} links to ${r}, ${seen.includes(r) ? 'a loop' : 'not in the archive'}`);
  };
  copy(posix.normalize(path.replace(/^\/+|\/+$/g, '') || '.'), '', []);
  if (written === 0) throw new Error(`no files under ${path || '/'}`);
}

async function download(url, context) {
  context.onDownload?.(url);
  try {
    return await fetchBytes(url, context.timeoutMs);
  } catch (error) {
    const reason = error.message;
    const mirror = context.baseUrl
      ? `Fix PLATFORM_CHARTS_BASE_URL (${context.baseUrl})`
      : 'Connect to the network (or set PLATFORM_CHARTS_BASE_URL to a mirror)';
    throw new ChartSourceError(
      `${context.label}: cannot download ${url} (${reason}). ${mirror}, or point --charts-dir or PLATFORM_CHARTS_DIR at a charts directory holding ${context.label}/.`,
    );
  }
}

/** `helm pull` of an oci:// chart: the bytes of the pulled .tgz. Loopback registries are plain HTTP. */
async function helmPull(ref, version, context) {
  if (!version) throw new ChartSourceError(`${context.label}: ${ref} needs a chart version to pull.`);
  const helm = helmBinary(context.root, { env: context.env });
  const destination = mkdtempSync(join(tmpdir(), 'platform-helm-pull-'));
  const args = ['pull', ref, '--version', version, '--destination', destination];
  if (/^oci:\/\/(127\.0\.0\.1|localhost)[:/]/.test(ref)) args.push('--plain-http');
  context.onDownload?.(ref);
  try {
    await promisify(execFile)(helm, args, { timeout: context.timeoutMs });
    const [file] = readdirSync(destination);
    return readFileSync(join(destination, file));
  } catch (error) {
    throw new ChartSourceError(`${context.label}: helm ${args.join(' ')} failed: ${(error.stderr || error.message).trim()}`);
  } finally {
    rmSync(destination, { recursive: true, force: true });
  }
}

/** Fetches one source (the chart's or a dependency's) and unpacks it into `dest`. */
async function fetchSource(source, version, dest, context) {
  let url = source.url;
  let archive;
  if (source.type === 'git') {
    url = `${context.baseUrl ?? GITHUB_TARBALLS}/${source.repo}/tar.gz/${source.commit}`;
    archive = await download(url, context);
  } else {
    archive = url.startsWith('oci://') ? await helmPull(url, version, context) : await download(url, context);
    const actual = sha256(archive);
    if (actual !== source.sha256)
      throw new ChartSourceError(
        `${context.label}: sha256 mismatch in the download from ${url}: expected ${source.sha256}, got ${actual}. ` +
          'The server did not send the pinned package; nothing was cached.',
      );
  }
  try {
    extractTree(readTar(gunzipSync(archive)), source.type === 'git' ? source.path : '', dest);
  } catch (error) {
    throw new ChartSourceError(`${context.label}: cannot unpack ${url}: ${error.message}`);
  }
  return url;
}

/** Downloads the chart and its dependencies, checks the tree and moves it into `cacheDir`. */
async function downloadChart(pin, cacheDir, context) {
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, `.${pin.dir}-`));
  try {
    const tree = join(work, pin.dir);
    const urls = [await fetchSource(pin.source, pin.version, tree, context)];
    for (const dependency of pin.dependencies ?? [])
      urls.push(await fetchSource(dependency.source, dependency.version, join(tree, dependency.dir), context));
    const actual = chartTreeDigest(work, pin.dir);
    if (actual !== pin.digest)
      throw new ChartSourceError(
        `${pin.dir}: tree digest mismatch in the download from ${urls.join(', ')}: expected ${pin.digest}, got ${actual}. ` +
          'The sources do not hold the pinned tree (check the pinned commits, paths and dependency folders); nothing was cached.',
      );
    try {
      renameSync(tree, join(cacheDir, pin.dir));
    } catch (error) {
      if (!existsSync(join(cacheDir, pin.dir))) throw error; // else another process was first
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Where the pinned chart's verified tree is (see the header). */
export async function locateChart(pin, options) {
  const { root } = options;
  const env = options.env ?? process.env;
  for (const [dir, origin] of [
    [options.chartsDir, '--charts-dir'],
    [env.PLATFORM_CHARTS_DIR, 'PLATFORM_CHARTS_DIR'],
  ]) {
    if (!dir) continue;
    const chartDir = join(resolve(root, dir), pin.dir);
    if (!existsSync(chartDir))
      throw new ChartSourceError(
        `${pin.dir}: not found in ${resolve(root, dir)} (from ${origin}). Point ${origin} at a charts directory holding ${pin.dir}/, ` +
          'or give neither --charts-dir nor PLATFORM_CHARTS_DIR to use ../shared/charts or the download cache.',
      );
    verify(pin, chartDir, origin, root);
    return { dir: chartDir, origin };
  }
  const shared = join(root, '../shared/charts', pin.dir);
  if (existsSync(shared)) {
    verify(pin, shared, 'default', root);
    return { dir: shared, origin: 'default' };
  }
  const cacheDir = join(root, '.cache/charts');
  const cached = join(cacheDir, pin.dir);
  if (existsSync(cached)) {
    verify(pin, cached, 'cache', root);
    return { dir: cached, origin: 'cache' };
  }
  const baseUrl = (options.baseUrl || env.PLATFORM_CHARTS_BASE_URL || '').replace(/\/+$/, '') || undefined;
  await downloadChart(pin, cacheDir, {
    label: pin.dir,
    root,
    env,
    baseUrl,
    onDownload: options.onDownload,
    timeoutMs: options.timeoutMs ?? 300_000,
  });
  verify(pin, cached, 'cache', root);
  return { dir: cached, origin: 'download' };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [command, chartsDir, dir] = process.argv.slice(2);
  if (command !== 'digest' || !chartsDir || !dir) {
    console.error('usage: node scripts/charts.mjs digest <chartsDir> <dir>');
    process.exit(2);
  }
  console.log(chartTreeDigest(chartsDir, dir));
}
