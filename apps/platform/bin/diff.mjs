#!/usr/bin/env node
// `npm run diff -- [--base <git-ref>] [--out <file>] [--max-fields <n>]`: synthesizes the working tree
// into a temporary directory and prints, as Markdown for a pull request comment, how it differs from
// dist/ at the base commit (default origin/main, else HEAD), risks first.
// The TypeScript sources are bundled into one cached CommonJS file (scripts/bundle.mjs), like synth.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT, bundle } from '../../../scripts/bundle.mjs';

const entry = [
  `import { main } from ${JSON.stringify(join(ROOT, 'apps/platform/src/diff/cli.ts'))};`,
  `export function run(argv: string[]): Promise<number> {`,
  `  return main(argv, ${JSON.stringify(ROOT)});`,
  `}`,
].join('\n');

let outfile;
try {
  outfile = await bundle('diff', entry);
} catch (error) {
  console.error(`diff failed to compile apps/platform/src/diff:\n${error.message ?? error}`);
  process.exit(1);
}
process.exitCode = await createRequire(import.meta.url)(outfile).run(process.argv.slice(2));
