// Tools from Debian's packages without root and without installing anything: `apt-get download`
// fetches the .deb files, `dpkg -x` unpacks them (no maintainer scripts run). Used for the tools
// tests need (lua5.1 for the Argo CD health checks, strace for the Nx inputs test). Plain Node ESM,
// types in debian-packages.d.mts.
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TIMEOUT_MS = 120_000;

export class DebianPackageError extends Error {
  name = 'DebianPackageError';
}

/** The absolute path of an executable named `name` on PATH, or undefined. */
export function findOnPath(name, path = process.env.PATH ?? '') {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function step([file, ...args], cwd, what, hints = []) {
  try {
    await run(file, args, { cwd, timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const output = `${error.stderr ?? ''}${error.stdout ?? ''}`.trim() || error.message;
    throw new DebianPackageError([`${what} failed (${[file, ...args].join(' ')}):`, output, ...hints].join('\n'));
  }
}

/**
 * Unpacks `packages` into `<installDir>/root` once: built in a staging directory beside it and
 * renamed into place, so concurrent callers never see half of it. Returns that root. Throws a
 * DebianPackageError naming what is missing (apt-get or dpkg, package lists, a package).
 */
export async function unpackDebianPackages(packages, installDir) {
  const root = join(installDir, 'root');
  if (existsSync(installDir)) return root;
  for (const tool of ['apt-get', 'dpkg'])
    if (!findOnPath(tool)) throw new DebianPackageError(`no ${tool} on PATH to fetch Debian's packages ${packages.join(', ')}`);
  const staging = `${installDir}.staging-${process.pid}-${Math.random().toString(36).slice(2)}`;
  mkdirSync(join(staging, 'debs'), { recursive: true });
  try {
    await step(['apt-get', 'download', ...packages], join(staging, 'debs'), 'apt-get download', [
      'apt-get needs package lists: run `apt-get update` (as root) once.',
    ]);
    const debs = readdirSync(join(staging, 'debs')).filter((f) => f.endsWith('.deb'));
    for (const name of packages)
      if (!debs.some((f) => f.startsWith(`${name}_`)))
        throw new DebianPackageError(
          `apt-get download left no ${name}_*.deb in ${join(staging, 'debs')} (found: ${debs.join(', ') || 'nothing'}).`,
        );
    for (const deb of debs) await step(['dpkg', '-x', join(staging, 'debs', deb), join(staging, 'root')], staging, 'dpkg -x');
    try {
      renameSync(staging, installDir);
    } catch (error) {
      // Another process renamed its own staging directory first: use that one.
      if (!existsSync(installDir)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return root;
}
