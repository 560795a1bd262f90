/**
 * How import.mjs gets its CRD files (pinned-crds.mjs), without running cdk8s: the download path
 * against a loopback HTTP server (127.0.0.1, port 0) serving the workplace copy of the CRDs, and the
 * sha256 check of files read from a directory. The pins are the real crd-sources.json.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, startMirror, TAMPER, type MirrorServer } from '../../../scripts/mirror-server';
import config from '../crds.json';
import { type CrdLocation, loadPins, locateCrds, PinnedCrdError, pinnedPath, readPinnedCrds } from './pinned-crds.mjs';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The files to serve: the CRD dir the import uses by default. */
const SERVED_DIR = resolve(process.env.PLATFORM_CRDS_DIR ?? join(REPO_ROOT, '../shared/crds'));
const CERTIFICATES = 'cert-manager/cert-manager.io_certificates.yaml';
const pins = loadPins(REPO_ROOT);
const NEEDED = config.groups.flatMap((g) => g.files.map((f) => pinnedPath(pins, g.source, f)));

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

let mirror: MirrorServer;
let baseUrl: string;
let requests: string[];
/** Paths the server answers with altered content. */
let tampered: Set<string>;

const temps: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** A repository root with no ../shared next to it, as in a lone clone. */
function loneRepoRoot(): string {
  const root = join(tempDir('crds-lone-'), 'repo');
  mkdirSync(root);
  return root;
}

function downloadLocation(base = baseUrl): CrdLocation {
  return locateCrds({ repoRoot: loneRepoRoot(), env: { PLATFORM_CRDS_BASE_URL: base }, cacheDir: tempDir('crds-cache-') });
}

beforeAll(async () => {
  mirror = await startMirror(SERVED_DIR);
  ({ baseUrl, requests, tampered } = mirror);
});

afterAll(() => mirror.close());

afterEach(() => {
  temps.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  requests.length = 0;
  tampered.clear();
});

describe.skipIf(!existsSync(SERVED_DIR))(`pinned CRD files for crds:import (served from ${SERVED_DIR})`, () => {
  it('finds the CRD files: flag, env, ../shared/crds, else downloads into <repo>/.cache/crds', () => {
    const root = loneRepoRoot();
    expect(locateCrds({ repoRoot: root, env: { PLATFORM_CRDS_BASE_URL: baseUrl } })).toMatchObject({
      origin: 'download',
      cacheDir: join(root, '.cache/crds'),
      baseUrl,
    });
    expect(locateCrds({ repoRoot: root, env: {} }).baseUrl).toBeUndefined();
    expect(locateCrds({ repoRoot: root, env: { PLATFORM_CRDS_DIR: SERVED_DIR } })).toMatchObject({
      dir: SERVED_DIR,
      origin: 'PLATFORM_CRDS_DIR',
    });
    expect(locateCrds({ repoRoot: root, crdsDir: SERVED_DIR, env: { PLATFORM_CRDS_DIR: '/nowhere' } })).toMatchObject({
      dir: SERVED_DIR,
      origin: '--crds-dir',
    });
    expect(() => locateCrds({ repoRoot: root, env: { PLATFORM_CRDS_DIR: join(root, 'missing') } })).toThrow(
      `CRD dir not found: ${join(root, 'missing')} (from PLATFORM_CRDS_DIR)`,
    );
    mkdirSync(join(root, '../shared/crds'), { recursive: true });
    expect(locateCrds({ repoRoot: root, env: {} })).toMatchObject({ dir: resolve(root, '../shared/crds') });
  });

  it('downloads every file crds.json needs from PLATFORM_CRDS_BASE_URL, hash-checked, and caches them', async () => {
    const location = downloadLocation(`${baseUrl}/`); // a trailing slash is dropped, as in sources.ts
    const fetched: string[] = [];
    const files = await readPinnedCrds(NEEDED, location, pins, { onDownload: (path) => fetched.push(path) });
    expect([...files.keys()]).toEqual(NEEDED);
    for (const [path, data] of files) {
      expect(sha256(data), path).toBe(pins.files.get(path)?.sha256);
      expect(data.equals(readFileSync(join(SERVED_DIR, path))), path).toBe(true);
      expect(readFileSync(join(location.cacheDir, path)).equals(data), path).toBe(true);
    }
    expect(requests.sort()).toEqual([...NEEDED].sort());
    expect(fetched.sort()).toEqual([...NEEDED].sort());
    // A second run reads the cache: no request.
    requests.length = 0;
    expect((await readPinnedCrds(NEEDED, location, pins)).size).toBe(NEEDED.length);
    expect(requests).toEqual([]);
  });

  it('fails on a download whose sha256 does not match, naming file, URL and hashes, and caches nothing', async () => {
    const location = downloadLocation();
    tampered.add(CERTIFICATES);
    const expected = pins.files.get(CERTIFICATES)!.sha256;
    const actual = sha256(Buffer.concat([readFileSync(join(SERVED_DIR, CERTIFICATES)), Buffer.from(TAMPER)]));
    const failure = readPinnedCrds(NEEDED, location, pins);
    await expect(failure).rejects.toBeInstanceOf(PinnedCrdError);
    await expect(failure).rejects.toThrow(
      `${CERTIFICATES}: sha256 mismatch in the download from ${baseUrl}/${CERTIFICATES}: expected ${expected}`,
    );
    await expect(failure).rejects.toThrow(`got ${actual}`);
    expect(existsSync(join(location.cacheDir, CERTIFICATES))).toBe(false);
  });

  it('fails when the server is unreachable, naming the URL and what to do', async () => {
    const base = `http://127.0.0.1:${await closedPort()}`;
    const failure = readPinnedCrds([CERTIFICATES], downloadLocation(base), pins);
    await expect(failure).rejects.toThrow(`${CERTIFICATES}: cannot download ${base}/${CERTIFICATES} (ECONNREFUSED)`);
    await expect(failure).rejects.toThrow('or point --crds-dir (or PLATFORM_CRDS_DIR) at a directory holding the pinned files');
  });

  it('fails on an HTTP error', async () => {
    const location = downloadLocation();
    const missing = { ...pins.files.get(CERTIFICATES)!, path: 'cert-manager/missing.yaml' };
    const withMissing = { ...pins, files: new Map([[missing.path, missing]]) };
    await expect(readPinnedCrds([missing.path], location, withMissing)).rejects.toThrow(
      `cert-manager/missing.yaml: cannot download ${baseUrl}/cert-manager/missing.yaml (HTTP 404 Not Found)`,
    );
  });

  it('re-downloads a damaged cache entry', async () => {
    const location = downloadLocation();
    mkdirSync(join(location.cacheDir, 'cert-manager'), { recursive: true });
    writeFileSync(join(location.cacheDir, CERTIFICATES), 'damaged');
    const files = await readPinnedCrds([CERTIFICATES], location, pins);
    expect(files.get(CERTIFICATES)!.equals(readFileSync(join(SERVED_DIR, CERTIFICATES)))).toBe(true);
    expect(requests).toEqual([CERTIFICATES]);
  });

  it('checks the sha256 of files read from a directory too', async () => {
    const dir = tempDir('crds-dir-');
    mkdirSync(join(dir, 'cert-manager'));
    const edited = `${readFileSync(join(SERVED_DIR, CERTIFICATES), 'utf8')}\n# edited\n`;
    writeFileSync(join(dir, CERTIFICATES), edited);
    const location = locateCrds({ repoRoot: loneRepoRoot(), crdsDir: dir });
    await expect(readPinnedCrds([CERTIFICATES], location, pins)).rejects.toThrow(
      `${CERTIFICATES}: sha256 mismatch in ${join(dir, CERTIFICATES)}: expected ${pins.files.get(CERTIFICATES)!.sha256} ` +
        `(pinned in ${pins.listFile}, ${pins.files.get(CERTIFICATES)!.url}), got ${sha256(edited)}`,
    );
    rmSync(join(dir, CERTIFICATES));
    await expect(readPinnedCrds([CERTIFICATES], location, pins)).rejects.toThrow(`${CERTIFICATES}: missing from ${dir} (--crds-dir)`);
    expect(requests).toEqual([]);
  });

  it("finds a project's files in its dir, which may carry the version", () => {
    expect(pinnedPath(pins, 'istio', 'crd-all.gen.yaml')).toBe('istio-1.30.3/crd-all.gen.yaml');
    expect(pins.files.has(pinnedPath(pins, 'gateway-api', 'gateway.networking.k8s.io_gateways.yaml'))).toBe(true);
    expect(() => pinnedPath(pins, 'nope', 'x.yaml')).toThrow(/project "nope" is not in libs\/crds\/crd-sources.json \(projects: argo-cd, /);
  });

  it('refuses a file that crd-sources.json does not pin', async () => {
    const location = locateCrds({ repoRoot: loneRepoRoot(), crdsDir: SERVED_DIR });
    await expect(readPinnedCrds(['cert-manager/unpinned.yaml'], location, pins)).rejects.toThrow(
      `cert-manager/unpinned.yaml: not pinned in ${pins.listFile}`,
    );
  });
});
