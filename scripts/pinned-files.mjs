// Pinned upstream files (CRDs, Helm values schemas): where they are read from, how they are
// downloaded, and how their sha256 is checked. One implementation for `platform:validate`
// (apps/platform/src/validate) and `crds:import` (libs/crds/scripts); plain Node ESM so the import
// script runs without a TypeScript step; types in pinned-files.d.mts.
//
// Each file is pinned in a sources JSON with its path (the layout of ../shared/crds or
// ../shared/chart-schemas), its URL at the exact upstream tag and its sha256. Files come from, in order:
//   1. a directory given by a flag (`--crds-dir`) or an environment variable (`PLATFORM_CRDS_DIR`);
//   2. the workplace copy `<root>/../shared/<name>` when it exists (CI);
//   3. otherwise a download into the git-ignored cache `<root>/.cache/<name>/`, from the pinned URL or
//      from `<base URL>/<path>` when a base URL is set (a mirror; the tests use a loopback server).
// Every file is checked against its sha256 wherever it comes from; any failure throws a
// PinnedFileError naming the file, the place, the URL and what to do. Nothing is skipped silently.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const DOWNLOADS_AT_A_TIME = 6;

export class PinnedFileError extends Error {
  name = 'PinnedFileError';
}

export function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Writes a file via a temporary name and a rename, so concurrent readers never see half a file;
 * `mode` (e.g. 0o755) is set before the rename.
 */
export function writeFileAtomic(path, data, mode) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  if (mode !== undefined) chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/** Resolves where one family of pinned files comes from (see LocateOptions in pinned-files.d.mts). */
export function locateSources(options) {
  const common = {
    cacheDir: options.cacheDir,
    baseUrl: options.baseUrl || undefined,
    listFile: options.listFile,
    flagName: options.flagName,
    envName: options.envName,
    baseUrlEnvName: options.baseUrlEnvName,
  };
  for (const [dir, origin] of [
    [options.flagDir, options.flagName],
    [options.envDir, options.envName],
  ]) {
    if (!dir) continue;
    const absolute = resolve(options.root, dir);
    if (!existsSync(absolute) || !statSync(absolute).isDirectory())
      throw new PinnedFileError(
        `${options.label} not found: ${absolute} (from ${origin}). Point ${options.flagName} or ${options.envName} at the folder ` +
          `that holds the pinned files, or give neither to use ${options.defaultDir} or download them.`,
      );
    return { ...common, dir: absolute, origin };
  }
  if (existsSync(options.defaultDir)) return { ...common, dir: options.defaultDir, origin: 'default' };
  return { ...common, origin: 'download' };
}

export function describeLocation(location) {
  if (location.dir) return `${location.dir} (${location.origin})`;
  return `downloads cached in ${location.cacheDir}${location.baseUrl ? ` from ${location.baseUrl}` : ''}`;
}

function checkHash(file, data, where, location, advice) {
  const actual = sha256(data);
  if (actual !== file.sha256)
    throw new PinnedFileError(
      `${file.path}: sha256 mismatch in ${where}: expected ${file.sha256} (pinned in ${location.listFile}, ${file.url}), got ${actual}. ${advice}`,
    );
  return data;
}

/**
 * GETs `url` as bytes within `timeoutMs`. Rejects with an Error whose message is the reason: the
 * HTTP status, or the network error's code (ENOTFOUND, ECONNREFUSED...).
 */
export async function fetchBytes(url, timeoutMs) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trimEnd());
    return Buffer.from(await response.arrayBuffer());
  } catch (error) {
    throw new Error(error.cause?.code ?? error.cause?.message ?? error.message, { cause: error });
  }
}

function downloadUrl(file, location) {
  return location.baseUrl ? `${location.baseUrl.replace(/\/+$/, '')}/${file.path}` : file.url;
}

async function download(file, location, timeoutMs) {
  const url = downloadUrl(file, location);
  const mirror = location.baseUrlEnvName ?? 'the mirror base URL';
  const option = location.flagName ? `${location.flagName}${location.envName ? ` (or ${location.envName})` : ''}` : 'the directory option';
  const todo =
    (location.baseUrl ? `Fix ${mirror}` : `Connect to the network (or set ${mirror} to a mirror)`) +
    `, or point ${option} at a directory holding the pinned files.`;
  let data;
  try {
    data = await fetchBytes(url, timeoutMs);
  } catch (error) {
    throw new PinnedFileError(`${file.path}: cannot download ${url} (${error.message}). ${todo}`);
  }
  return {
    url,
    data: checkHash(
      file,
      data,
      `the download from ${url}`,
      location,
      'The server did not send the pinned upstream file; nothing was cached.',
    ),
  };
}

/** Reads one pinned file from the configured directory, the cache or the network, hash-checked. */
export async function readPinnedFile(file, location, options = {}) {
  if (location.dir) {
    const path = join(location.dir, file.path);
    if (!existsSync(path))
      throw new PinnedFileError(`${file.path}: missing from ${describeLocation(location)}; it is pinned at ${file.url}`);
    const advice = `The file is not the pinned upstream version: restore it, or update the pin in ${location.listFile} on purpose.`;
    return checkHash(file, readFileSync(path), path, location, advice);
  }
  const cached = join(location.cacheDir, file.path);
  if (existsSync(cached)) {
    const data = readFileSync(cached);
    if (sha256(data) === file.sha256) return data;
  }
  const { url, data } = await download(file, location, options.timeoutMs ?? 30_000);
  writeFileAtomic(cached, data);
  options.onDownload?.(file.path, url);
  return data;
}

/** Reads several pinned files, a few downloads at a time; one PinnedFileError lists every failure. */
export async function readPinnedFiles(files, location, options = {}) {
  const read = new Map();
  const queue = [...files];
  const errors = [];
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      try {
        read.set(file.path, await readPinnedFile(file, location, options));
      } catch (error) {
        errors.push(error.message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DOWNLOADS_AT_A_TIME, files.length) }, worker));
  if (errors.length > 0) throw new PinnedFileError(errors.sort().join('\n'));
  return new Map(files.filter((f) => read.has(f.path)).map((f) => [f.path, read.get(f.path)]));
}
