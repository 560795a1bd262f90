#!/usr/bin/env node
// `npm run synth [-- --clusters <dir>] [-- --out <dir>]`: renders every clusters/*.ts into dist/.
// The cluster files are bundled with the libraries into one cached CommonJS file (scripts/bundle.mjs),
// so synthesis runs compiled JavaScript rather than transpiling TypeScript on every run.
import { relative } from 'node:path';
import { ROOT, clusterModules, lazyModulesSource, runBundled, src } from '../../../scripts/bundle.mjs';

const { argv, clustersDir, modules } = clusterModules('synth', process.argv.slice(2));
if (modules.length === 0) {
  const shown = relative(process.cwd(), clustersDir) || '.';
  console.error(
    `synth failed, nothing written: no cluster files in ${shown}/: add ${shown}/<name>.ts (files starting with "_" are shared modules)`,
  );
  process.exit(1);
}

const entry = [
  `import { main } from ${src('apps/platform/src/main.ts')};`,
  lazyModulesSource(modules),
  `export function run(argv: string[]): Promise<number> {`,
  `  return main({ root: ${JSON.stringify(ROOT)}, argv, modules });`,
  `}`,
].join('\n');

await runBundled('synth', entry, argv);
