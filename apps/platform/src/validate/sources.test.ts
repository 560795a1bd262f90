/**
 * The download path of pinned schema files, against a loopback HTTP server (127.0.0.1, port 0)
 * that serves the workplace copy of the CRDs: a good download fills the cache and later runs need
 * no network; a tampered file and an unreachable server fail loudly, naming file and URL.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, startMirror, type MirrorServer } from '../../../../scripts/mirror-server';
import { certificate, crdLocation, makeDist, TEST_CACHE_DIR, type Fixture } from './__fixtures__/dist';
import { main } from './cli';
import { CRD_SOURCES } from './crd-schemas';
import { checkSchemas } from './k8s-schemas';
import { loadDist } from './load';
import { PinnedFileError, readPinnedFile, type SourceLocation } from '../../../../scripts/pinned-files.mjs';

/** The CRD files to serve: wherever the tests find them (PLATFORM_CRDS_DIR or ../shared/crds). */
const SERVED_DIR = crdLocation().dir ?? resolve(process.env.PLATFORM_CRDS_DIR ?? '../shared/crds');
const CERTIFICATES = 'cert-manager/cert-manager.io_certificates.yaml';

let mirror: MirrorServer;
let baseUrl: string;
let requests: string[];
/** Paths the server answers with altered content. */
let tampered: Set<string>;

beforeAll(async () => {
  mirror = await startMirror(SERVED_DIR);
  ({ baseUrl, requests, tampered } = mirror);
});

afterAll(() => mirror.close());

const temps: string[] = [];
const fixtures: Fixture[] = [];
afterEach(() => {
  temps.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  fixtures.splice(0).forEach((f) => f.cleanup());
  requests.length = 0;
  tampered.clear();
});

function downloadLocation(base = baseUrl): SourceLocation {
  const cacheDir = mkdtempSync(join(tmpdir(), 'platform-crd-cache-'));
  temps.push(cacheDir);
  return { origin: 'download', cacheDir, baseUrl: base, listFile: 'crd-sources.json' };
}

function certificateDist() {
  const fixture = makeDist({ dev: [{ name: 'app', manifests: { 'certificate-web-tls.yaml': certificate() } }] });
  fixtures.push(fixture);
  return loadDist(fixture.root, 'dist');
}

describe('pinned CRD files: download path', () => {
  it('downloads only the files dist needs, checks them, caches them and validates with them', async () => {
    const location = downloadLocation();
    const ctx = certificateDist();
    expect(await checkSchemas(ctx, { crdLocation: location, cacheDir: TEST_CACHE_DIR })).toEqual([]);
    expect(requests).toEqual([CERTIFICATES]);
    expect(readFileSync(join(location.cacheDir, CERTIFICATES))).toEqual(readFileSync(join(SERVED_DIR, CERTIFICATES)));
    // A second run reads the cache: no request.
    expect(await checkSchemas(ctx, { crdLocation: location, cacheDir: TEST_CACHE_DIR })).toEqual([]);
    expect(requests).toEqual([CERTIFICATES]);
  });

  it('fails loudly on a sha256 mismatch, naming file and URL, and caches nothing', async () => {
    const location = downloadLocation();
    tampered.add(CERTIFICATES);
    const failure = checkSchemas(certificateDist(), { crdLocation: location, cacheDir: TEST_CACHE_DIR });
    await expect(failure).rejects.toBeInstanceOf(PinnedFileError);
    await expect(failure).rejects.toThrow(`${CERTIFICATES}: sha256 mismatch in the download from ${baseUrl}/${CERTIFICATES}`);
    expect(existsSync(join(location.cacheDir, CERTIFICATES))).toBe(false);
  });

  it('fails loudly when the server is unreachable', async () => {
    const base = `http://127.0.0.1:${await closedPort()}`;
    const failure = checkSchemas(certificateDist(), { crdLocation: downloadLocation(base), cacheDir: TEST_CACHE_DIR });
    await expect(failure).rejects.toThrow(new RegExp(`${CERTIFICATES}: cannot download ${base}/${CERTIFICATES} \\(ECONNREFUSED\\)`));
  });

  it('fails loudly on an HTTP error', async () => {
    const entry = CRD_SOURCES.find((f) => f.path === CERTIFICATES)!;
    const failure = readPinnedFile({ ...entry, path: 'cert-manager/missing.yaml' }, downloadLocation());
    await expect(failure).rejects.toThrow(
      `cert-manager/missing.yaml: cannot download ${baseUrl}/cert-manager/missing.yaml (HTTP 404 Not Found)`,
    );
  });

  it('re-downloads a damaged cache entry', async () => {
    const location = downloadLocation();
    const entry = CRD_SOURCES.find((f) => f.path === CERTIFICATES)!;
    mkdirSync(join(location.cacheDir, 'cert-manager'), { recursive: true });
    writeFileSync(join(location.cacheDir, CERTIFICATES), 'damaged');
    expect((await readPinnedFile(entry, location)).equals(readFileSync(join(SERVED_DIR, CERTIFICATES)))).toBe(true);
    expect(requests).toEqual([CERTIFICATES]);
  });

  it('checks the hash of files in a configured directory too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'platform-crds-'));
    temps.push(dir);
    mkdirSync(join(dir, 'cert-manager'));
    writeFileSync(join(dir, CERTIFICATES), `${readFileSync(join(SERVED_DIR, CERTIFICATES), 'utf8')}\n# edited\n`);
    const location: SourceLocation = { dir, origin: '--crds-dir', cacheDir: dir, listFile: 'crd-sources.json' };
    await expect(checkSchemas(certificateDist(), { crdLocation: location, cacheDir: TEST_CACHE_DIR })).rejects.toThrow(
      `${CERTIFICATES}: sha256 mismatch in ${join(dir, CERTIFICATES)}`,
    );
    rmSync(join(dir, CERTIFICATES));
    await expect(checkSchemas(certificateDist(), { crdLocation: location, cacheDir: TEST_CACHE_DIR })).rejects.toThrow(
      `${CERTIFICATES}: missing from ${dir} (--crds-dir)`,
    );
  });
});

describe('validate CLI without a local CRD directory', () => {
  it('downloads from PLATFORM_CRDS_BASE_URL, and exits 1 with a clear message when it cannot', async () => {
    const fixture = makeDist({ dev: [{ name: 'app', manifests: { 'certificate-web-tls.yaml': certificate() } }] });
    fixtures.push(fixture);
    const saved = { base: process.env.PLATFORM_CRDS_BASE_URL, dir: process.env.PLATFORM_CRDS_DIR };
    const errors: string[] = [];
    const originalError = console.error;
    const originalWrite = process.stdout.write;
    console.error = (...args: unknown[]) => void errors.push(args.join(' '));
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      delete process.env.PLATFORM_CRDS_DIR;
      process.env.PLATFORM_CRDS_BASE_URL = `http://127.0.0.1:${await closedPort()}`;
      expect(await main(['--root', fixture.root, '--json'])).toBe(1);
      expect(errors.join('\n')).toContain(
        `validate: cannot load the pinned schemas, nothing was checked:\n${CERTIFICATES}: cannot download ${process.env.PLATFORM_CRDS_BASE_URL}/${CERTIFICATES}`,
      );
      process.env.PLATFORM_CRDS_BASE_URL = baseUrl;
      requests.length = 0;
      await main(['--root', fixture.root, '--json']);
      expect(requests).toEqual([CERTIFICATES]);
      expect(existsSync(join(fixture.root, '.cache/crds', CERTIFICATES))).toBe(true);
    } finally {
      console.error = originalError;
      process.stdout.write = originalWrite;
      for (const [key, value] of [
        ['PLATFORM_CRDS_BASE_URL', saved.base],
        ['PLATFORM_CRDS_DIR', saved.dir],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
