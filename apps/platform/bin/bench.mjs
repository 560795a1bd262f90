#!/usr/bin/env node
// `npm run bench [-- --sizes 1,10,50,100] [-- --repeat 3] [-- --date YYYY-MM-DD] [-- --no-write]`:
// synthesizes fleets of clones of clusters/prod.ts and writes docs/benchmarks.md.
// Like synth.mjs, it bundles the TypeScript once (scripts/bundle.mjs, cached) and runs the bundle in
// this process; every measured fleet runs in a fresh child, `node <bundle> --fleet N --out DIR`, for
// which the bundle is its own entry point (apps/platform/src/bench/run.ts childMain).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT, bundle } from '../../../scripts/bundle.mjs';

const src = (path) => JSON.stringify(join(ROOT, path));
const entry = [
  `import prod from ${src('clusters/prod.ts')};`,
  `import { main } from ${src('apps/platform/src/bench/cli.ts')};`,
  `import { childMain } from ${src('apps/platform/src/bench/run.ts')};`,
  `export function run(argv: string[]): Promise<number> {`,
  `  return main(argv, { root: ${JSON.stringify(ROOT)}, script: __filename });`,
  `}`,
  `if (require.main === module) process.exitCode = childMain(process.argv.slice(2), prod);`,
].join('\n');

let outfile;
try {
  outfile = await bundle('bench', entry);
} catch (error) {
  console.error(`bench failed to compile:\n${error.message ?? error}`);
  process.exit(1);
}
process.exitCode = await createRequire(import.meta.url)(outfile).run(process.argv.slice(2));
