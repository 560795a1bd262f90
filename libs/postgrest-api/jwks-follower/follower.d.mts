// Types of follower.mjs (plain Node ESM: the JWKS follower sidecar of the PostgREST pod).

export declare class InvalidJwksError extends Error {}

/** The signing keys of a JWKS document, in a stable form (throws InvalidJwksError). */
export declare function signingJwks(body: string): string;

/** Fetches a JWKS and returns its signing keys (see signingJwks). */
export declare function fetchJwks(url: string, timeoutMs: number): Promise<string>;

/** Process ids whose `/proc/<pid>/comm` is `name`. */
export declare function findProcesses(name: string, procDir?: string): Promise<number[]>;

/** Sends SIGUSR2 to every process named `name`; the pids signalled. */
export declare function reloadProcesses(name: string): Promise<number[]>;

/** One round: fetch, compare with the file, replace it and reload when it changed. */
export declare function syncOnce(opts: {
  url: string;
  file: string;
  timeoutMs?: number;
  reload: () => Promise<unknown>;
}): Promise<{ changed: boolean }>;

export interface FollowerSettings {
  url: string;
  file: string;
  intervalMs: number;
  timeoutMs: number;
  processName: string;
  healthPort: number;
}

/** Runs the follower until `signal` aborts. */
export declare function follow(opts: FollowerSettings & { signal?: AbortSignal; log?: (line: string) => void }): Promise<void>;

/** Settings from JWKS_URL, JWKS_FILE, JWKS_INTERVAL_SECONDS, JWKS_TIMEOUT_SECONDS, RELOAD_PROCESS, HEALTH_PORT. */
export declare function settingsFromEnv(env?: Record<string, string | undefined>): FollowerSettings;
