// The JWKS follower against a local HTTP server serving a rotating JWKS (keys generated here, none
// in git): its one-round logic, and the real script as a process beside a stand-in `postgrest`
// process that records the SIGUSR2 it gets.
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findProcesses, settingsFromEnv, signingJwks, syncOnce } from '../jwks-follower/follower.mjs';
import { FOLLOWER_SCRIPT } from './follower-script';

/** An RS256 signing key as Keycloak publishes it (public part only), with a fresh kid. */
function signingKey() {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...publicKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
}
/** Keycloak also lists its encryption key: never a JWT signing key. */
function encryptionKey() {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...publicKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'enc', alg: 'RSA-OAEP' };
}

let dir: string;
let server: Server;
let url: string;
/** What the server answers next. */
let reply: { status: number; body: string };
let requests = 0;
const serve = (keys: object[]) => (reply = { status: 200, body: JSON.stringify({ keys }) });
const kids = (file: string) => (JSON.parse(readFileSync(file, 'utf8')).keys as { kid: string }[]).map((k) => k.kid).sort();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jwks-follower-'));
  server = createServer((_, res) => {
    requests++;
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(reply.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/platform/protocol/openid-connect/certs`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('one round (syncOnce)', () => {
  test('writes the signing keys, reloads on a change only, and follows a rotation', async () => {
    const file = join(dir, 'round.json');
    let reloads = 0;
    const reload = async () => void reloads++;
    const [k1, k2] = [signingKey(), signingKey()];
    const enc = encryptionKey();

    serve([k1, enc]);
    expect(await syncOnce({ url, file, reload })).toEqual({ changed: true });
    expect(kids(file)).toEqual([k1.kid]);
    expect(reloads).toBe(1);

    // The same keys, listed in another order: nothing to do.
    serve([enc, k1]);
    expect(await syncOnce({ url, file, reload })).toEqual({ changed: false });
    expect(reloads).toBe(1);

    // Rotation: Keycloak publishes the new key beside the old one, then drops the old one.
    serve([k1, k2, enc]);
    expect(await syncOnce({ url, file, reload })).toEqual({ changed: true });
    expect(kids(file)).toEqual([k1.kid, k2.kid].sort());
    serve([k2, enc]);
    expect(await syncOnce({ url, file, reload })).toEqual({ changed: true });
    expect(kids(file)).toEqual([k2.kid]);
    expect(reloads).toBe(3);
    // Public keys only: the file holds no private parameter.
    expect(JSON.parse(readFileSync(file, 'utf8')).keys[0]).not.toHaveProperty('d');
  });

  test.each([
    ['an HTTP error', { status: 503, body: 'unavailable' }, /HTTP 503/],
    ['a body that is not JSON', { status: 200, body: '<html>' }, /not JSON/],
    ['no keys list', { status: 200, body: '{"error":"realm not found"}' }, /no "keys" list/],
    ['only an encryption key', { status: 200, body: JSON.stringify({ keys: [encryptionKey()] }) }, /no signing key/],
  ])('%s leaves the file and PostgREST alone', async (_, answer, message) => {
    const file = join(dir, 'kept.json');
    const key = signingKey();
    serve([key]);
    let reloads = 0;
    await syncOnce({ url, file, reload: async () => void reloads++ });
    const before = readFileSync(file, 'utf8');
    reply = answer;
    await expect(syncOnce({ url, file, reload: async () => void reloads++ })).rejects.toThrow(message);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(reloads).toBe(1);
  });

  test('a server that does not answer in time is a failed round, not a hang', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
    const started = Date.now();
    await expect(syncOnce({ url: silentUrl, file: join(dir, 'x.json'), timeoutMs: 300, reload: async () => undefined })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
    silent.closeAllConnections();
    await new Promise((r) => silent.close(r));
  });

  test('signingJwks is stable and settings come from the environment with checked numbers', () => {
    const [a, b] = [signingKey(), signingKey()];
    expect(signingJwks(JSON.stringify({ keys: [a, b] }))).toBe(signingJwks(JSON.stringify({ keys: [b, a] })));
    expect(settingsFromEnv({ JWKS_URL: url })).toEqual({
      url,
      file: '/jwks/jwks.json',
      intervalMs: 30_000,
      timeoutMs: 5000,
      processName: 'postgrest',
      healthPort: 8081,
    });
    expect(() => settingsFromEnv({})).toThrow(/JWKS_URL/);
    expect(() => settingsFromEnv({ JWKS_URL: url, JWKS_INTERVAL_SECONDS: 'soon' })).toThrow(/JWKS_INTERVAL_SECONDS/);
  });

  test('the ConfigMap carries this very script', () => {
    expect(FOLLOWER_SCRIPT).toBe(readFileSync(join(__dirname, '..', 'jwks-follower', 'follower.mjs'), 'utf8'));
  });
});

describe('the follower process beside a stand-in postgrest', () => {
  let postgrest: ChildProcess;
  let follower: ChildProcess;
  let usr2 = 0;
  let followerLog = '';
  const file = () => join(dir, 'jwks', 'jwks.json');
  const healthPort = 20000 + Math.floor(Math.random() * 20000);
  const until = async (what: string, check: () => boolean | Promise<boolean>, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; follower log:\n${followerLog}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const health = (path: string) =>
    fetch(`http://127.0.0.1:${healthPort}${path}`)
      .then((r) => r.status)
      .catch(() => 0);

  beforeAll(async () => {
    // A process whose command name is `postgrest` (node under that name): it counts SIGUSR2.
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    mkdirSync(join(dir, 'jwks'), { recursive: true });
    symlinkSync(process.execPath, join(bin, 'postgrest'));
    postgrest = spawn(
      join(bin, 'postgrest'),
      ['-e', "process.on('SIGUSR2', () => console.log('USR2')); console.log('up'); setInterval(() => {}, 1000);"],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    postgrest.stdout!.on('data', (d: Buffer) => (usr2 += (d.toString().match(/USR2/g) ?? []).length));
    await until('the stand-in postgrest', async () => (await findProcesses('postgrest')).includes(postgrest.pid!));
  });

  afterAll(async () => {
    for (const p of [follower, postgrest]) if (p && p.exitCode === null) p.kill('SIGTERM');
  });

  test('fetches before it is ready, reloads PostgREST on each rotation, keeps the keys when Keycloak is down, exits on SIGTERM', async () => {
    const k1 = signingKey();
    reply = { status: 503, body: 'starting' };
    follower = spawn(process.execPath, [join(__dirname, '..', 'jwks-follower', 'follower.mjs')], {
      env: {
        PATH: process.env.PATH,
        JWKS_URL: url,
        JWKS_FILE: file(),
        JWKS_INTERVAL_SECONDS: '0.1',
        JWKS_TIMEOUT_SECONDS: '1',
        HEALTH_PORT: String(healthPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    follower.stdout!.on('data', (d) => (followerLog += d));
    follower.stderr!.on('data', (d) => (followerLog += d));

    // Keycloak not up yet: alive, not ready, no file (the startup probe holds PostgREST back).
    await until('/live', async () => (await health('/live')) === 200);
    expect(await health('/ready')).toBe(503);
    expect(existsSync(file())).toBe(false);

    serve([k1]);
    await until('ready', async () => (await health('/ready')) === 200);
    expect(kids(file())).toEqual([k1.kid]);

    const k2 = signingKey();
    const before = usr2;
    serve([k1, k2]);
    await until('the first reload', () => usr2 > before && kids(file()).length === 2);
    serve([k2]);
    await until('the second reload', () => usr2 > before + 1 && kids(file()).join() === k2.kid);

    // Keycloak down: the file and PostgREST's keys stay, the follower stays ready and alive.
    const seen = requests;
    const reloads = usr2;
    reply = { status: 500, body: 'down' };
    await until('rounds against a failing server', () => requests > seen + 3);
    expect(kids(file())).toEqual([k2.kid]);
    expect(usr2).toBe(reloads);
    expect(await health('/ready')).toBe(200);
    expect(followerLog).toMatch(/jwks not updated: GET .* HTTP 500/);

    const exited = new Promise<number | null>((r) => follower.once('exit', (code) => r(code)));
    follower.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
