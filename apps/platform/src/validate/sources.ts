/**
 * Pinned upstream schema files (CRDs, Helm values schemas): where they are read from, how they are
 * downloaded, and how their sha256 is checked.
 *
 * Each file is listed in a sources JSON next to this code with its path (the layout of
 * `../shared/crds` / `../shared/chart-schemas`), its URL at the exact upstream tag and its sha256.
 * Where the files come from, in order:
 *   1. a directory given by a flag (`--crds-dir`) or an environment variable (`PLATFORM_CRDS_DIR`);
 *   2. the workplace copy `<root>/../shared/<name>` when it exists (CI);
 *   3. otherwise a download into the git-ignored cache `<root>/.cache/<name>/`, from the pinned URL
 *      or from `<base URL>/<path>` when a base URL is set (`PLATFORM_CRDS_BASE_URL`; tests use it).
 * Every file is checked against its pinned sha256 wherever it comes from. Any failure throws a
 * SchemaSourceError naming the file, the place and the URL: schema checks are never skipped.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sha256, writeFileAtomic } from './util';

export interface PinnedFile {
  /** Path relative to the source directory, e.g. `cert-manager/cert-manager.io_certificates.yaml`. */
  readonly path: string;
  /** Upstream URL at the pinned tag. */
  readonly url: string;
  readonly sha256: string;
}

export class SchemaSourceError extends Error {
  override readonly name = 'SchemaSourceError';
}

/** Where one family of pinned files (CRDs or chart schemas) comes from, once resolved. */
export interface SourceLocation {
  /** Directory holding the files, or undefined to download them. */
  readonly dir?: string;
  /** How `dir` was chosen, for messages: `--crds-dir`, `PLATFORM_CRDS_DIR`, `default`. */
  readonly origin: string;
  /** Download cache directory (used when `dir` is undefined). */
  readonly cacheDir: string;
  /** When set, files are downloaded from `<baseUrl>/<path>` instead of their pinned URL. */
  readonly baseUrl?: string;
  /** The sources JSON listing the files, for messages. */
  readonly listFile: string;
}

export interface LocateOptions {
  readonly root: string;
  /** Directory given on the command line, if any. */
  readonly flagDir?: string;
  readonly flagName: string;
  readonly envDir?: string;
  readonly envName: string;
  /** Default directory, used only when it exists. */
  readonly defaultDir: string;
  readonly cacheDir: string;
  readonly baseUrl?: string;
  readonly listFile: string;
}

export function locateSources(options: LocateOptions): SourceLocation {
  const common = { cacheDir: options.cacheDir, baseUrl: options.baseUrl || undefined, listFile: options.listFile };
  const explicit: [string | undefined, string][] = [
    [options.flagDir, options.flagName],
    [options.envDir, options.envName],
  ];
  for (const [dir, origin] of explicit) {
    if (!dir) continue;
    const absolute = resolve(options.root, dir);
    if (!existsSync(absolute) || !statSync(absolute).isDirectory()) throw new SchemaSourceError(`${origin} ${dir}: no such directory`);
    return { ...common, dir: absolute, origin };
  }
  if (existsSync(options.defaultDir)) return { ...common, dir: options.defaultDir, origin: 'default' };
  return { ...common, origin: 'download' };
}

export function describeLocation(location: SourceLocation): string {
  if (location.dir) return `${location.dir} (${location.origin})`;
  return `downloads cached in ${location.cacheDir}${location.baseUrl ? ` from ${location.baseUrl}` : ''}`;
}

function checkHash(file: PinnedFile, data: Buffer, where: string, location: SourceLocation): void {
  const actual = sha256(data);
  if (actual !== file.sha256)
    throw new SchemaSourceError(
      `${file.path}: sha256 mismatch in ${where}: got ${actual}, ${location.listFile} pins ${file.sha256} (${file.url}). ` +
        'The file is not the pinned upstream version: restore it, or update the pin on purpose.',
    );
}

function downloadUrl(file: PinnedFile, location: SourceLocation): string {
  return location.baseUrl ? `${location.baseUrl.replace(/\/+$/, '')}/${file.path}` : file.url;
}

async function download(file: PinnedFile, location: SourceLocation, timeoutMs: number): Promise<Buffer> {
  const url = downloadUrl(file, location);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new SchemaSourceError(
      `${file.path}: cannot download ${url} (${reason}) and no local copy is configured. ` +
        'Connect to the network, or point --crds-dir/--schemas-dir (or PLATFORM_CRDS_DIR/PLATFORM_CHART_SCHEMAS_DIR) at a directory holding the pinned files.',
    );
  }
  if (!response.ok)
    throw new SchemaSourceError(`${file.path}: cannot download ${url}: HTTP ${response.status} ${response.statusText}`.trimEnd());
  const data = Buffer.from(await response.arrayBuffer());
  checkHash(file, data, `the download from ${url}`, location);
  return data;
}

export interface ReadOptions {
  readonly timeoutMs?: number;
}

/** Reads one pinned file from the configured directory, the cache or the network, hash-checked. */
export async function readPinnedFile(file: PinnedFile, location: SourceLocation, options: ReadOptions = {}): Promise<Buffer> {
  if (location.dir) {
    const path = join(location.dir, file.path);
    if (!existsSync(path))
      throw new SchemaSourceError(`${file.path}: missing from ${describeLocation(location)}; it is pinned at ${file.url}`);
    const data = readFileSync(path);
    checkHash(file, data, path, location);
    return data;
  }
  const cached = join(location.cacheDir, file.path);
  if (existsSync(cached)) {
    const data = readFileSync(cached);
    if (sha256(data) === file.sha256) return data;
  }
  const data = await download(file, location, options.timeoutMs ?? 30_000);
  writeFileAtomic(cached, data);
  return data;
}

/** Reads several pinned files, a few downloads at a time. */
export async function readPinnedFiles(
  files: readonly PinnedFile[],
  location: SourceLocation,
  options: ReadOptions = {},
): Promise<Map<string, Buffer>> {
  const result = new Map<string, Buffer>();
  const queue = [...files];
  const errors: Error[] = [];
  const worker = async (): Promise<void> => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      try {
        result.set(file.path, await readPinnedFile(file, location, options));
      } catch (error) {
        errors.push(error as Error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(6, files.length) }, worker));
  if (errors.length > 0)
    throw new SchemaSourceError(
      errors
        .map((e) => e.message)
        .sort()
        .join('\n'),
    );
  return result;
}
