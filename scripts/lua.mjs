// A Lua 5.1 interpreter for tests of the Lua that Argo CD runs (health checks in argocd-cm), installed
// without root and without starting anything: plain Node ESM, types in lua.d.mts.
//
//   1. `lua5.1` on PATH is used as it is;
//   2. otherwise Debian's packages are fetched with `apt-get download lua5.1 liblua5.1-0` into the
//      git-ignored cache `<root>/.cache/tools/lua5.1/`, unpacked there with `dpkg -x` (no install, no
//      maintainer scripts), and the interpreter is run with LD_LIBRARY_PATH on the unpacked lib directory.
// The unpacked tree is built in a staging directory and renamed into place, so concurrent callers never
// see half of it; later calls read `ready.json` (and this process keeps the answer in memory).
// Every failure throws a LuaInstallError saying what is missing and what to install.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DebianPackageError, findOnPath, unpackDebianPackages } from './debian-packages.mjs';
import { writeFileAtomic } from './pinned-files.mjs';

const run = promisify(execFile);
const PACKAGES = ['lua5.1', 'liblua5.1-0'];
const memo = new Map();

export class LuaInstallError extends Error {
  name = 'LuaInstallError';
}

/** Resolves a runnable Lua 5.1 interpreter (see the header); the promise is shared by concurrent callers. */
export function ensureLua(root) {
  const cacheDir = resolve(root, '.cache/tools/lua5.1');
  if (!memo.has(cacheDir)) {
    const promise = locate(cacheDir);
    memo.set(cacheDir, promise);
    promise.catch(() => memo.delete(cacheDir));
  }
  return memo.get(cacheDir);
}

async function locate(cacheDir) {
  const onPath = findOnPath('lua5.1');
  if (onPath) return verify({ command: onPath, env: {} }, 'lua5.1 on PATH');

  const readyFile = join(cacheDir, 'ready.json');
  const cached = readReady(readyFile);
  if (cached) return cached;

  const installDir = join(cacheDir, 'install');
  try {
    await unpackDebianPackages(PACKAGES, installDir);
  } catch (error) {
    if (!(error instanceof DebianPackageError)) throw error;
    throw new LuaInstallError(
      `Lua 5.1 is needed to test the Argo CD health checks: no lua5.1 on PATH, and ${error.message}. Install lua5.1 ` +
        `(Debian/Ubuntu: apt-get install lua5.1; macOS: brew install lua@5.1), or run on a Debian-based system with apt and dpkg.`,
    );
  }

  const command = join(installDir, 'root/usr/bin/lua5.1');
  if (!existsSync(command)) throw new LuaInstallError(`${command} is missing: delete ${cacheDir} and try again.`);
  const libDir = findLibDir(join(installDir, 'root'));
  if (!libDir) throw new LuaInstallError(`No liblua5.1.so.0 under ${join(installDir, 'root')}: delete ${cacheDir} and try again.`);
  const lua = await verify(
    { command, env: { LD_LIBRARY_PATH: joinPaths(libDir, process.env.LD_LIBRARY_PATH) } },
    `Debian's lua5.1 in ${installDir}`,
  );
  writeFileAtomic(readyFile, `${JSON.stringify({ command, libDir }, null, 2)}\n`);
  return lua;
}

/** The cached answer, when ready.json names an interpreter that is still there. */
function readReady(readyFile) {
  try {
    const { command, libDir } = JSON.parse(readFileSync(readyFile, 'utf8'));
    if (existsSync(command) && existsSync(libDir))
      return { command, env: { LD_LIBRARY_PATH: joinPaths(libDir, process.env.LD_LIBRARY_PATH) } };
  } catch {
    // absent or unreadable: install again
  }
  return undefined;
}

/** The directory holding liblua5.1.so.0 (usr/lib/<multiarch triplet> on Debian). */
function findLibDir(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.name === 'liblua5.1.so.0') return dir;
    if (entry.isDirectory()) {
      const found = findLibDir(path);
      if (found) return found;
    }
  }
  return undefined;
}

function joinPaths(first, rest) {
  return rest ? `${first}${delimiter}${rest}` : first;
}

/** Runs `lua5.1 -v` so a broken interpreter (e.g. a missing libreadline8) fails here, with its own words. */
async function verify(lua, where) {
  try {
    const { stdout, stderr } = await run(lua.command, ['-v'], { env: { ...process.env, ...lua.env }, timeout: 10_000 });
    if (!`${stdout}${stderr}`.includes('Lua 5.1')) throw new Error(`\`${lua.command} -v\` printed ${JSON.stringify(`${stdout}${stderr}`)}`);
  } catch (error) {
    throw new LuaInstallError(
      `${where} does not run: ${`${error.stderr ?? ''}`.trim() || error.message}\n` +
        'Install its shared libraries (Debian: apt-get install libreadline8), or install lua5.1 on PATH.',
    );
  }
  return lua;
}
