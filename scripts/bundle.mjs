// Bundles a TypeScript entry of this repository into one CommonJS file with esbuild, and reuses the
// previous bundle when none of its input files changed (content hashes), so a command starts in
// well under a second. Used by apps/platform/bin/*.mjs; plain Node, no TypeScript runner needed.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'platform');

const sha = (text) => createHash('sha256').update(text).digest('hex');

function inputsHash(inputs) {
  const h = createHash('sha256');
  for (const file of inputs) {
    const path = resolve(ROOT, file);
    h.update(file)
      .update('\0')
      .update(existsSync(path) ? readFileSync(path) : 'missing')
      .update('\0');
  }
  return h.digest('hex');
}

/**
 * Keeps the 8 most recently used bundles of `name`: tests bundle temporary cluster directories,
 * and a hit renews a bundle's mtime, so they never push out the bundle of the repository's own
 * clusters that the next `npm run synth` needs.
 */
function pruneCache(name) {
  const bundles = readdirSync(CACHE)
    .filter((f) => f.startsWith(`${name}-`) && f.endsWith('.cjs'))
    .map((f) => ({ f, t: statSync(join(CACHE, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { f } of bundles.slice(8)) {
    for (const suffix of ['', '.map', '.inputs.json']) rmSync(join(CACHE, f + suffix), { force: true });
  }
}

/**
 * Returns the path of a bundle of `contents` (a virtual entry module resolved from the repository
 * root). `name` names the cache entry.
 */
export async function bundle(name, contents) {
  mkdirSync(CACHE, { recursive: true });
  const key = sha(contents).slice(0, 16);
  const outfile = join(CACHE, `${name}-${key}.cjs`);
  const stamp = `${outfile}.inputs.json`;
  if (existsSync(outfile) && existsSync(stamp)) {
    const { inputs, hash } = JSON.parse(readFileSync(stamp, 'utf8'));
    if (inputsHash(inputs) === hash) {
      const now = new Date();
      utimesSync(outfile, now, now);
      return outfile;
    }
  }
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    stdin: { contents, resolveDir: ROOT, sourcefile: `${name}-entry.ts`, loader: 'ts' },
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // jsii packages stay external (one copy of cdk8s/constructs, loaded by Node); the rest (zod,
    // yaml) is bundled so esbuild drops what is unused.
    external: ['cdk8s', 'cdk8s-plus-30', 'constructs', 'esbuild'],
    // Module aliases come from tsconfig paths, also for files outside the repository (test fixtures).
    tsconfig: join(ROOT, 'tsconfig.json'),
    outfile,
    metafile: true,
    sourcemap: true,
    logLevel: 'error',
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((f) => !f.startsWith('<stdin>') && !f.includes('-entry.ts'))
    .sort();
  writeFileSync(stamp, JSON.stringify({ inputs, hash: inputsHash(inputs) }));
  pruneCache(name);
  return outfile;
}

/**
 * Bundles `contents` (see bundle()) and calls its export `run(argv)`, which returns an exit code
 * (or a promise of one). A compile error (a syntax error in a cluster file, say) exits 1 before
 * anything runs, so nothing is written.
 */
export async function runBundled(name, contents, argv) {
  let outfile;
  try {
    outfile = await bundle(name, contents);
  } catch (error) {
    console.error(`${name} failed to compile, nothing was written:\n${error.message ?? error}`);
    process.exit(1);
  }
  // Stack traces name the TypeScript sources (a cluster file's line), not the bundle.
  process.setSourceMapsEnabled(true);
  process.exitCode = await createRequire(import.meta.url)(outfile).run(argv);
}

/** `"<absolute path>"` of a repository file, for generated import statements. */
export const src = (path) => JSON.stringify(join(ROOT, path));

/**
 * The cluster files of a command: every `*.ts` of `--clusters <dir>` (removed from `argv`) or of
 * `clusters/`, except tests, declarations and `_`-prefixed shared modules. Exits 2 when the folder
 * cannot be read.
 */
export function clusterModules(command, argv) {
  let clustersDir = join(ROOT, 'clusters');
  const rest = [...argv];
  const i = rest.indexOf('--clusters');
  if (i !== -1) {
    clustersDir = resolve(rest[i + 1] ?? '');
    rest.splice(i, 2);
  }
  let files;
  try {
    files = readdirSync(clustersDir)
      .filter((f) => f.endsWith('.ts') && !f.startsWith('_') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
      .sort();
  } catch {
    console.error(`${command}: cannot read cluster directory ${clustersDir}`);
    process.exit(2);
  }
  const modules = files.map((f, n) => ({
    name: `cluster${n}`,
    path: join(clustersDir, f),
    file: relative(ROOT, join(clustersDir, f)).split('\\').join('/'),
  }));
  return { argv: rest, clustersDir, modules };
}

/**
 * TypeScript source declaring `const modules: ClusterModule[]` for a bundle entry. Each cluster
 * module is evaluated when its exports are first read (esbuild bundles `require` of an ES module
 * as a lazy initializer), so an exception at its top level is reported with its file (renderAll)
 * instead of stopping the bundle before anything runs.
 */
export function lazyModulesSource(modules) {
  return [
    `declare const require: (path: string) => unknown;`,
    `function lazy(load: () => unknown): () => never {`,
    `  let result: { exports: unknown } | { error: unknown } | undefined;`,
    `  return () => {`,
    `    if (!result) try { result = { exports: load() }; } catch (error) { result = { error }; }`,
    `    if ('error' in result) throw result.error;`,
    `    return result.exports as never;`,
    `  };`,
    `}`,
    ...modules.map((m) => `const ${m.name} = lazy(() => require(${JSON.stringify(m.path)}));`),
    `const modules = [${modules.map((m) => `{ file: ${JSON.stringify(m.file)}, get exports() { return ${m.name}(); } }`).join(', ')}];`,
  ].join('\n');
}
