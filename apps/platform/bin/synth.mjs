#!/usr/bin/env node
// `npm run synth [-- --clusters <dir>] [-- --out <dir>]`: renders every clusters/*.ts into dist/.
// The cluster files are bundled with the libraries into one cached CommonJS file (scripts/bundle.mjs),
// so synthesis runs compiled JavaScript rather than transpiling TypeScript on every run.
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ROOT, runBundled, src } from '../../../scripts/bundle.mjs';

const argv = process.argv.slice(2);
let clustersDir = join(ROOT, 'clusters');
const i = argv.indexOf('--clusters');
if (i !== -1) {
  clustersDir = resolve(argv[i + 1] ?? '');
  argv.splice(i, 2);
}

let files;
try {
  files = readdirSync(clustersDir)
    // Every clusters/*.ts is a cluster, except tests, declarations and `_`-prefixed shared modules.
    .filter((f) => f.endsWith('.ts') && !f.startsWith('_') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .sort();
} catch {
  console.error(`synth: cannot read cluster directory ${clustersDir}`);
  process.exit(2);
}
if (files.length === 0) {
  const shown = relative(process.cwd(), clustersDir) || '.';
  console.error(
    `synth failed, nothing written: no cluster files in ${shown}/: add ${shown}/<name>.ts (files starting with "_" are shared modules)`,
  );
  process.exit(1);
}

const modules = files.map((f, n) => ({
  name: `cluster${n}`,
  path: join(clustersDir, f),
  file: relative(ROOT, join(clustersDir, f)).split('\\').join('/'),
}));
// Each cluster module is evaluated when synth first reads its exports (esbuild bundles `require`
// of an ES module as a lazy initializer), so an exception at its top level is reported with its
// file (renderAll) instead of stopping the bundle before anything runs.
const entry = [
  `import { main } from ${src('apps/platform/src/main.ts')};`,
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
  `export function run(argv: string[]): Promise<number> {`,
  `  return main({ root: ${JSON.stringify(ROOT)}, argv, modules: [${modules.map((m) => `{ file: ${JSON.stringify(m.file)}, get exports() { return ${m.name}(); } }`).join(', ')}] });`,
  `}`,
].join('\n');

await runBundled('synth', entry, argv);
