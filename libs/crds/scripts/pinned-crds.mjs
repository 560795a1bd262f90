// Where import.mjs gets the upstream CRD files from, and how it checks them.
//
// The one list of pinned files is apps/platform/src/validate/crd-sources.json, shared with
// `platform:validate` (apps/platform/src/validate/sources.ts): per file its path (the layout of
// ../shared/crds), its URL at the upstream tag and its sha256. The files come from, in order:
//   1. --crds-dir, else $PLATFORM_CRDS_DIR (an error when it is not a directory);
//   2. <repo>/../shared/crds when it exists;
//   3. otherwise the git-ignored cache <repo>/.cache/crds/<path>, filled by downloading the pinned
//      URL, or <PLATFORM_CRDS_BASE_URL>/<path> when that is set (a mirror; the tests use it).
// Every file is checked against its pinned sha256 wherever it comes from; a file that is not
// pinned, missing, unreachable or different fails the import (PinnedCrdError).

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The pinned-file list, relative to the repository root. */
export const PINS_FILE = 'apps/platform/src/validate/crd-sources.json';
const DOWNLOADS_AT_A_TIME = 6;

export class PinnedCrdError extends Error {}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/** Reads crd-sources.json: pinned files by path, and the projects (repo, tag) by folder. */
export function loadPins(repoRoot) {
  let list;
  try {
    list = JSON.parse(readFileSync(join(repoRoot, PINS_FILE), 'utf8'));
  } catch (err) {
    throw new PinnedCrdError(`cannot read ${PINS_FILE}: ${err.message}`);
  }
  const files = new Map();
  for (const f of list.files ?? []) {
    if (typeof f?.path !== 'string' || typeof f.url !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256))
      throw new PinnedCrdError(`${PINS_FILE}: every file needs path, url and sha256 (64 hex digits), got ${JSON.stringify(f)}`);
    files.set(f.path, f);
  }
  return { files, projects: list.projects ?? {}, listFile: PINS_FILE };
}

/**
 * Where the CRD files come from: { dir, origin } for a directory, or { origin: 'download', baseUrl }.
 * `cacheDir` (default <repo>/.cache/crds) is where downloads are kept.
 */
export function locateCrds({ repoRoot, crdsDir, env = process.env, cacheDir = join(repoRoot, '.cache/crds') }) {
  const [given, origin] = crdsDir ? [crdsDir, '--crds-dir'] : [env.PLATFORM_CRDS_DIR, 'PLATFORM_CRDS_DIR'];
  if (given) {
    const dir = resolve(given);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new PinnedCrdError(
        `CRD dir not found: ${dir} (from ${origin}). Point --crds-dir or PLATFORM_CRDS_DIR at the folder that holds the ` +
          'upstream CRD folders (argo-cd/, cert-manager/, ...), or give neither to use ../shared/crds or download the pinned files.',
      );
    return { dir, origin, cacheDir };
  }
  const shared = resolve(repoRoot, '../shared/crds');
  if (existsSync(shared)) return { dir: shared, origin: 'default (<repo>/../shared/crds)', cacheDir };
  return { origin: 'download', cacheDir, baseUrl: env.PLATFORM_CRDS_BASE_URL || undefined };
}

export function describeLocation(location) {
  if (location.dir) return `${location.dir} (${location.origin})`;
  return `pinned files cached in ${location.cacheDir}${location.baseUrl ? ` (downloads from ${location.baseUrl})` : ''}`;
}

/** As in sources.ts: the pinned URL, or <base URL>/<path> when a base URL is set. */
function downloadUrl(pin, location) {
  return location.baseUrl ? `${location.baseUrl.replace(/\/+$/, '')}/${pin.path}` : pin.url;
}

function checkHash(pin, data, where, listFile, advice) {
  const actual = sha256(data);
  if (actual !== pin.sha256)
    throw new PinnedCrdError(
      `${pin.path}: sha256 mismatch in ${where}: expected ${pin.sha256} (pinned in ${listFile}, ${pin.url}), got ${actual}. ${advice}`,
    );
  return data;
}

async function download(pin, location, timeoutMs) {
  const url = downloadUrl(pin, location);
  const todo =
    (location.baseUrl ? 'Fix PLATFORM_CRDS_BASE_URL' : 'Connect to the network (or set PLATFORM_CRDS_BASE_URL to a mirror)') +
    ', or point --crds-dir (or PLATFORM_CRDS_DIR) at a directory holding the pinned files.';
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
  try {
    const response = await fetch(url, { signal: abort.signal });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trimEnd());
    const data = Buffer.from(await response.arrayBuffer());
    return { url, data };
  } catch (err) {
    const reason = err.cause?.code ?? err.cause?.message ?? err.message;
    throw new PinnedCrdError(`${pin.path}: cannot download ${url} (${reason}). ${todo}`);
  } finally {
    clearTimeout(timer);
  }
}

function writeFileAtomic(path, data) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

async function readOne(path, location, pins, { timeoutMs = 30_000, onDownload }) {
  const pin = pins.files.get(path);
  if (!pin)
    throw new PinnedCrdError(
      `${path}: not pinned in ${pins.listFile}: add its upstream url and sha256 there (bindings come from pinned files only)`,
    );
  if (location.dir) {
    const file = join(location.dir, path);
    if (!existsSync(file)) throw new PinnedCrdError(`${path}: missing from ${describeLocation(location)}; it is pinned at ${pin.url}`);
    const advice = `The file is not the pinned upstream version: restore it, or update the pin in ${pins.listFile} on purpose.`;
    return checkHash(pin, readFileSync(file), file, pins.listFile, advice);
  }
  const cached = join(location.cacheDir, path);
  if (existsSync(cached)) {
    const data = readFileSync(cached);
    if (sha256(data) === pin.sha256) return data;
  }
  const { url, data } = await download(pin, location, timeoutMs);
  const advice = 'The server did not send the pinned upstream file; nothing was cached.';
  checkHash(pin, data, `the download from ${url}`, pins.listFile, advice);
  writeFileAtomic(cached, data);
  onDownload?.(path, url);
  return data;
}

/**
 * Reads the given CRD paths (relative to the CRD dir) from `location`, hash-checked, a few downloads
 * at a time. Returns a Map path -> Buffer in the order given; throws one PinnedCrdError listing every
 * file that failed. Options: timeoutMs (per download, default 30 s), onDownload(path, url).
 */
export async function readPinnedCrds(paths, location, pins, options = {}) {
  const unique = [...new Set(paths)];
  const queue = [...unique];
  const read = new Map();
  const errors = [];
  const worker = async () => {
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
      try {
        read.set(path, await readOne(path, location, pins, options));
      } catch (err) {
        errors.push(err instanceof PinnedCrdError ? err.message : `${path}: ${err.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DOWNLOADS_AT_A_TIME, unique.length) }, worker));
  if (errors.length) throw new PinnedCrdError(`cannot read the pinned CRD files:\n  ${errors.sort().join('\n  ')}`);
  return new Map(unique.map((path) => [path, read.get(path)]));
}
