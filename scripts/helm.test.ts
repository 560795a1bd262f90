/**
 * The pinned helm binary: unpacked from the npm package's zip into a temporary root, checked by
 * sha256 (a tampered zip fails naming the file and both digests), runnable, and cheap to find
 * again; PLATFORM_HELM and other platforms.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HELM_PIN, HelmError, helmBinary, helmIdentity, helmVersion } from './helm.mjs';
import { sha256 } from './pinned-files.mjs';

const REAL_ZIP = resolve('node_modules', HELM_PIN.package, HELM_PIN.zip);
const LINUX_X64 = process.platform === 'linux' && process.arch === 'x64';
/** The pinned binary whatever PLATFORM_HELM says in the environment running the tests. */
const PINNED = { env: {}, platform: 'linux-x64' };

const temps: string[] = [];
afterEach(() => temps.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A repository root whose node_modules holds the package zip (linked, or given bytes). */
function tempRoot(zip?: Buffer): string {
  const root = mkdtempSync(join(tmpdir(), 'platform-helm-'));
  temps.push(root);
  const zipPath = join(root, 'node_modules', HELM_PIN.package, HELM_PIN.zip);
  mkdirSync(join(zipPath, '..'), { recursive: true });
  if (zip) writeFileSync(zipPath, zip);
  else symlinkSync(REAL_ZIP, zipPath);
  return root;
}

const version = (binary: string) => execFileSync(binary, ['version', '--template', '{{.Version}}'], { encoding: 'utf8' });

describe('helmBinary: the pinned binary', () => {
  it.skipIf(!LINUX_X64)('unpacks helm v4.1.4 once, executable, and finds it again by its stamp', () => {
    const root = tempRoot();
    const binary = helmBinary(root, PINNED);
    expect(binary).toBe(join(root, `node_modules/.cache/platform/tools/helm-${helmVersion}/helm`));
    expect(statSync(binary).mode & 0o777).toBe(0o755);
    expect(sha256(readFileSync(binary))).toBe(HELM_PIN.sha256);
    expect(version(binary)).toBe('v4.1.4');
    expect(helmIdentity(root, PINNED)).toBe(HELM_PIN.sha256);

    const { mtimeMs } = statSync(binary);
    const started = performance.now();
    expect(helmBinary(root, PINNED)).toBe(binary);
    expect(performance.now() - started).toBeLessThan(50); // a stat and a small JSON read, no hashing
    expect(statSync(binary).mtimeMs).toBe(mtimeMs);
  });

  it.skipIf(!LINUX_X64)('replaces an unpacked binary that was altered', () => {
    const root = tempRoot();
    const binary = helmBinary(root, PINNED);
    appendFileSync(binary, 'x');
    expect(helmBinary(root, PINNED)).toBe(binary);
    expect(sha256(readFileSync(binary))).toBe(HELM_PIN.sha256);
  });

  it('refuses a tampered zip, naming the file, the expected and the actual digest', () => {
    const zip = readFileSync(REAL_ZIP);
    zip[zip.length >> 1] ^= 0xff;
    const root = tempRoot(zip);
    const zipPath = join(root, 'node_modules', HELM_PIN.package, HELM_PIN.zip);
    const call = () => helmBinary(root, PINNED);
    expect(call).toThrow(HelmError);
    expect(call).toThrow(`${zipPath}: sha256 mismatch: expected ${HELM_PIN.zipSha256}, got ${sha256(zip)}`);
    expect(existsSync(join(root, 'node_modules/.cache/platform/tools', `helm-${helmVersion}`, 'helm'))).toBe(false);
  });

  it('says to reinstall when the package is missing', () => {
    const root = mkdtempSync(join(tmpdir(), 'platform-helm-'));
    temps.push(root);
    expect(() => helmBinary(root, PINNED)).toThrow(/layer\.zip is missing\. Reinstall it: npm ci/);
  });

  it('asks for PLATFORM_HELM on another platform, in one line', () => {
    const call = () => helmBinary(tempRoot(), { platform: 'darwin-arm64', env: {} });
    expect(call).toThrow(HelmError);
    expect(call).toThrow(
      /^helm: the pinned helm v4\.1\.4 is a linux-x64 binary and this is darwin-arm64: set PLATFORM_HELM to a helm v4\.1\.4 binary\.$/,
    );
  });
});

describe('helmBinary: PLATFORM_HELM', () => {
  it.skipIf(!LINUX_X64)('uses the given binary when it is helm v4.1.4, on any platform', () => {
    const pinned = helmBinary(resolve('.'), PINNED);
    const root = tempRoot();
    const env = { PLATFORM_HELM: pinned };
    expect(helmBinary(root, { env, platform: 'darwin-arm64' })).toBe(pinned);
    expect(helmIdentity(root, { env })).toBe(HELM_PIN.sha256);
  });

  it('refuses a binary of another version, and a missing one', () => {
    const root = tempRoot();
    const fake = join(root, 'helm3');
    writeFileSync(fake, '#!/bin/sh\nprintf v3.17.3\n', { mode: 0o755 });
    expect(() => helmBinary(root, { env: { PLATFORM_HELM: fake } })).toThrow(
      `helm: PLATFORM_HELM=${fake}: \`helm version\` printed v3.17.3, expected v4.1.4. Point PLATFORM_HELM at a helm v4.1.4 binary.`,
    );
    const missing = join(root, 'nothing');
    expect(() => helmBinary(root, { env: { PLATFORM_HELM: missing } })).toThrow(
      `helm: PLATFORM_HELM=${missing}: ${missing} does not exist.`,
    );
  });

  it('checks a PLATFORM_HELM binary again after it changed', () => {
    const root = tempRoot();
    const fake = join(root, 'helm');
    writeFileSync(fake, '#!/bin/sh\nprintf v4.1.4\n', { mode: 0o755 });
    expect(helmBinary(root, { env: { PLATFORM_HELM: fake } })).toBe(fake);
    expect(helmIdentity(root, { env: { PLATFORM_HELM: fake } })).toBe(sha256(readFileSync(fake)));
    writeFileSync(fake, '#!/bin/sh\nprintf v4.0.0\n'); // same size: the mtime tells the change
    expect(() => helmBinary(root, { env: { PLATFORM_HELM: fake } })).toThrow('printed v4.0.0, expected v4.1.4');
  });
});
