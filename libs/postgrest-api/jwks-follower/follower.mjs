// The JWKS follower (docs/adr/0009-postgrest-jwks.md): keeps the JWKS document PostgREST reads
// (`PGRST_JWT_SECRET=@<file>`) equal to the one Keycloak publishes, and makes PostgREST re-read it.
//
// It runs as a native sidecar of the PostgREST pod (an init container with restartPolicy Always),
// in a pod with shareProcessNamespace, as the same user as PostgREST:
//   - every JWKS_INTERVAL_SECONDS it fetches JWKS_URL (the realm's certs endpoint on the in-cluster
//     Keycloak Service), keeps the signing keys (`use` other than `enc`), and when the document
//     differs from JWKS_FILE it replaces the file atomically (temp file + rename in the same
//     directory) and sends SIGUSR2 to every process named `postgrest` (PostgREST reloads its
//     configuration, and with it the `@file` secret, on SIGUSR2);
//   - a fetch that fails, or that returns anything but a JWKS with at least one signing key, changes
//     nothing: PostgREST keeps the keys it has, and the next round tries again;
//   - it serves HEALTH_PORT: `/live` (the loop runs) and `/ready` (the file holds a JWKS), which
//     the pod's startup probe waits for, so PostgREST starts only once its keys are on disk.
// Plain Node (no dependencies), so the same file is tested in this repository and mounted from a
// ConfigMap into a pinned Node image.
import { readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A JWKS document that is not one PostgREST could use (the file is then left as it is). */
export class InvalidJwksError extends Error {
  name = 'InvalidJwksError';
}

/**
 * The document PostgREST gets: the signing keys of `body` (a JWKS as Keycloak serves it), in a
 * stable form, so an unchanged set gives the same bytes and triggers no reload.
 * @param {string} body
 * @returns {string}
 */
export function signingJwks(body) {
  let doc;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new InvalidJwksError('the response is not JSON');
  }
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.keys)) throw new InvalidJwksError('the response has no "keys" list');
  const keys = doc.keys.filter((k) => k && typeof k === 'object' && typeof k.kty === 'string' && k.use !== 'enc');
  if (keys.length === 0) throw new InvalidJwksError('the JWKS holds no signing key');
  // Keys sorted by kid: the order Keycloak lists them in is not a change.
  keys.sort((a, b) => String(a.kid ?? '').localeCompare(String(b.kid ?? '')));
  return `${JSON.stringify({ keys })}\n`;
}

/**
 * Fetches the JWKS at `url` within `timeoutMs`.
 * @param {string} url
 * @param {number} timeoutMs
 */
export async function fetchJwks(url, timeoutMs) {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  const body = await response.text();
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return signingJwks(body);
}

/**
 * Process ids whose command name (`/proc/<pid>/comm`) is `name`, other than this process.
 * @param {string} name
 * @param {string} [procDir]
 * @returns {Promise<number[]>}
 */
export async function findProcesses(name, procDir = '/proc') {
  const pids = [];
  for (const entry of await readdir(procDir)) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if ((await readFile(join(procDir, entry, 'comm'), 'utf8')).trim() === name) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

/**
 * Sends SIGUSR2 to every process named `name`; returns the pids signalled.
 * @param {string} name
 */
export async function reloadProcesses(name) {
  const signalled = [];
  for (const pid of await findProcesses(name)) {
    try {
      process.kill(pid, 'SIGUSR2');
      signalled.push(pid);
    } catch {
      // gone, or not ours to signal
    }
  }
  return signalled;
}

/**
 * One round: fetch, compare with the file, replace it and reload when it changed.
 * @param {{ url: string, file: string, timeoutMs?: number, reload: () => Promise<unknown> }} opts
 * @returns {Promise<{ changed: boolean }>}
 */
export async function syncOnce({ url, file, timeoutMs = 5000, reload }) {
  const next = await fetchJwks(url, timeoutMs);
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === next) return { changed: false };
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  await writeFile(temp, next, { mode: 0o644 });
  await rename(temp, file);
  await reload();
  return { changed: true };
}

/**
 * Runs the follower until `signal` aborts: a round every `intervalMs`, the health server on `healthPort`.
 * @param {{ url: string, file: string, intervalMs: number, timeoutMs: number, processName: string, healthPort: number, signal?: AbortSignal, log?: (line: string) => void }} opts
 */
export async function follow({ url, file, intervalMs, timeoutMs, processName, healthPort, signal, log = console.log }) {
  let ready = false;
  let lastRound = Date.now();
  const server = createServer((req, res) => {
    const live = Date.now() - lastRound < Math.max(10 * intervalMs, 60_000);
    const ok = req.url === '/live' ? live : req.url === '/ready' ? ready : false;
    res.writeHead(ok ? 200 : req.url === '/live' || req.url === '/ready' ? 503 : 404, { 'content-type': 'text/plain' });
    res.end(ok ? 'ok\n' : 'not ok\n');
  });
  await new Promise((r) => server.listen(healthPort, r));
  try {
    while (!signal?.aborted) {
      try {
        const { changed } = await syncOnce({
          url,
          file,
          timeoutMs,
          reload: async () => log(`jwks changed: SIGUSR2 to ${processName} pids ${JSON.stringify(await reloadProcesses(processName))}`),
        });
        if (!ready) log(`jwks in ${file}${changed ? '' : ' (unchanged)'}`);
        ready = true;
      } catch (error) {
        // Keep the keys PostgREST has; ready stays as it was (false until a first JWKS is on disk).
        log(`jwks not updated: ${error instanceof Error ? error.message : String(error)}`);
        if (!ready)
          ready = await readFile(file, 'utf8')
            .then((text) => (signingJwks(text), true))
            .catch(() => false);
      }
      lastRound = Date.now();
      await new Promise((r) => {
        const timer = setTimeout(r, intervalMs);
        signal?.addEventListener('abort', () => (clearTimeout(timer), r(undefined)), { once: true });
      });
    }
  } finally {
    await new Promise((r) => server.close(r));
  }
}

/** Settings from the environment (see the header). */
export function settingsFromEnv(env = process.env) {
  const url = env.JWKS_URL;
  if (!url) throw new Error('JWKS_URL is not set');
  const number = (name, fallback) => {
    const v = env[name] === undefined ? fallback : Number(env[name]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(env[name])}`);
    return v;
  };
  return {
    url,
    file: env.JWKS_FILE ?? '/jwks/jwks.json',
    intervalMs: number('JWKS_INTERVAL_SECONDS', 30) * 1000,
    timeoutMs: number('JWKS_TIMEOUT_SECONDS', 5) * 1000,
    processName: env.RELOAD_PROCESS ?? 'postgrest',
    healthPort: number('HEALTH_PORT', 8081),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const controller = new AbortController();
  for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => controller.abort());
  follow({ ...settingsFromEnv(), signal: controller.signal }).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
