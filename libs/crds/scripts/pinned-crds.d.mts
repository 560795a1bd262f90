// Types of pinned-crds.mjs, for the tests (the script itself is plain Node ESM).
import { PinnedFileError } from '../../../scripts/pinned-files.mjs';
import type { PinnedFile, ReadOptions, SourceLocation } from '../../../scripts/pinned-files.mjs';

export declare const PINS_FILE: string;

export { PinnedFileError as PinnedCrdError, type PinnedFile, type ReadOptions };

export type CrdLocation = SourceLocation;

export interface Pins {
  readonly files: ReadonlyMap<string, PinnedFile>;
  /** Per upstream project: repository, tag and `dir`, the folder of its files in the CRD dir. */
  readonly projects: Readonly<Record<string, { readonly repo: string; readonly tag: string; readonly dir: string }>>;
  /** crd-sources.json relative to the repository root, for messages. */
  readonly listFile: string;
}

export interface LocateOptions {
  readonly repoRoot: string;
  readonly crdsDir?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default `<repoRoot>/.cache/crds`. */
  readonly cacheDir?: string;
}

export declare function loadPins(repoRoot: string): Pins;
/** `<dir>/<file>`: where `file` of `project` is in the CRD dir; throws PinnedCrdError for an unknown project. */
export declare function pinnedPath(pins: Pins, project: string, file: string): string;
export declare function locateCrds(options: LocateOptions): CrdLocation;
export declare function describeLocation(location: CrdLocation): string;
export declare function readPinnedCrds(
  paths: readonly string[],
  location: CrdLocation,
  pins: Pins,
  options?: ReadOptions,
): Promise<Map<string, Buffer>>;
