// Types of pinned-crds.mjs, for the tests (the script itself is plain Node ESM).

export declare const PINS_FILE: string;

export declare class PinnedCrdError extends Error {}

export interface PinnedFile {
  /** Path under the CRD dir, e.g. `cert-manager/cert-manager.io_certificates.yaml`. */
  readonly path: string;
  /** Upstream URL at the pinned tag. */
  readonly url: string;
  readonly sha256: string;
}

export interface Pins {
  readonly files: ReadonlyMap<string, PinnedFile>;
  /** Per CRD folder: upstream repository and tag. */
  readonly projects: Readonly<Record<string, { readonly repo?: string; readonly tag?: string }>>;
  /** crd-sources.json relative to the repository root, for messages. */
  readonly listFile: string;
}

export interface CrdLocation {
  /** Directory holding the files; undefined when they are downloaded into `cacheDir`. */
  readonly dir?: string;
  /** `--crds-dir`, `PLATFORM_CRDS_DIR`, `default (<repo>/../shared/crds)` or `download`. */
  readonly origin: string;
  readonly cacheDir: string;
  /** Downloads come from `<baseUrl>/<path>` instead of the pinned URL. */
  readonly baseUrl?: string;
}

export interface LocateOptions {
  readonly repoRoot: string;
  readonly crdsDir?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default `<repoRoot>/.cache/crds`. */
  readonly cacheDir?: string;
}

export interface ReadOptions {
  /** Per download; default 30 s. */
  readonly timeoutMs?: number;
  readonly onDownload?: (path: string, url: string) => void;
}

export declare function loadPins(repoRoot: string): Pins;
export declare function locateCrds(options: LocateOptions): CrdLocation;
export declare function describeLocation(location: CrdLocation): string;
export declare function readPinnedCrds(
  paths: readonly string[],
  location: CrdLocation,
  pins: Pins,
  options?: ReadOptions,
): Promise<Map<string, Buffer>>;
