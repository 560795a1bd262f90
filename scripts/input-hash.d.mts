// Types of input-hash.mjs (plain Node ESM: the digest behind the Nx runtime inputs in nx.json).

/** The repository root (the parent of scripts/). */
export declare const ROOT: string;

/** Folders the secret scan never enters (SKIP_DIRS in apps/platform/src/validate/secrets.ts). */
export declare const SCAN_SKIPPED_DIRS: readonly string[];

export interface InputHashOptions {
  /** Repository root the sources are relative to. @default ROOT */
  readonly root?: string;
  /** Where `env:<NAME>` sources are read. @default process.env */
  readonly env?: Record<string, string | undefined>;
}

export interface InputRoot {
  /** The source as given: a path, `env:<NAME>`, `git-ignored` or `git-head`. */
  readonly source: string;
  /** Absolute paths it covers (none for an unset variable; the git directory for git-head); undefined for the git sources without git. */
  readonly paths: readonly string[] | undefined;
}

/** What each source names (see the header of input-hash.mjs). */
export declare function inputRoots(sources: readonly string[], options?: InputHashOptions): InputRoot[];

/** sha256 (hex) of the sources' names, paths and file listings (relative path, size, mtime), and HEAD's commit for git-head. */
export declare function inputDigest(sources: readonly string[], options?: InputHashOptions): string;
