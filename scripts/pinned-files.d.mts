// Types of pinned-files.mjs (plain Node ESM, shared by platform:validate and crds:import).

export declare class PinnedFileError extends Error {}

export interface PinnedFile {
  /** Path relative to the source directory, e.g. `cert-manager/cert-manager.io_certificates.yaml`. */
  readonly path: string;
  /** Upstream URL at the pinned tag. */
  readonly url: string;
  readonly sha256: string;
}

/** Where one family of pinned files (CRDs or chart schemas) comes from, once resolved. */
export interface SourceLocation {
  /** Directory holding the files, or undefined to download them into `cacheDir`. */
  readonly dir?: string;
  /** How `dir` was chosen, for messages: the flag, the environment variable, `default` or `download`. */
  readonly origin: string;
  readonly cacheDir: string;
  /** When set, files are downloaded from `<baseUrl>/<path>` instead of their pinned URL. */
  readonly baseUrl?: string;
  /** The sources JSON pinning the files, for messages. */
  readonly listFile: string;
  /** Names for messages telling the user what to do. */
  readonly flagName?: string;
  readonly envName?: string;
  readonly baseUrlEnvName?: string;
}

export interface LocateOptions {
  readonly root: string;
  /** What the directory holds, for messages: `CRD dir`, `chart schemas dir`. */
  readonly label: string;
  /** Directory given on the command line, if any (relative to `root`). */
  readonly flagDir?: string;
  readonly flagName: string;
  readonly envDir?: string;
  readonly envName: string;
  /** Default directory, used only when it exists. */
  readonly defaultDir: string;
  readonly cacheDir: string;
  readonly baseUrl?: string;
  readonly baseUrlEnvName?: string;
  readonly listFile: string;
}

export interface ReadOptions {
  /** Per download; default 30 s. */
  readonly timeoutMs?: number;
  /** Called after each file downloaded (not for cache hits). */
  readonly onDownload?: (path: string, url: string) => void;
}

export declare function sha256(data: string | Buffer): string;
/** GETs `url` as bytes within `timeoutMs`; rejects with the reason (HTTP status or network error code). */
export declare function fetchBytes(url: string, timeoutMs: number): Promise<Buffer>;
export declare function writeFileAtomic(path: string, data: string | Buffer, mode?: number): void;
export declare function locateSources(options: LocateOptions): SourceLocation;
export declare function describeLocation(location: SourceLocation): string;
export declare function readPinnedFile(file: PinnedFile, location: SourceLocation, options?: ReadOptions): Promise<Buffer>;
export declare function readPinnedFiles(
  files: readonly PinnedFile[],
  location: SourceLocation,
  options?: ReadOptions,
): Promise<Map<string, Buffer>>;
