#!/usr/bin/env node
// `npm run diff -- [--base <ref>] [--out <file>] [--max-fields <n>] [--charts-dir <dir>] [--clusters <dir>]`:
// Markdown summary of what the working tree changes in dist/ and what Argo CD will prune or delete.
// The cluster files are bundled with the diff (as synth bundles them) and rendered in memory;
// nothing is written to dist/.
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
    // The same rule as synth.mjs: every clusters/*.ts except tests, declarations and `_`-prefixed shared modules.
    .filter((f) => f.endsWith('.ts') && !f.startsWith('_') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .sort();
} catch {
  console.error(`diff: cannot read cluster directory ${clustersDir}`);
  process.exit(2);
}

const modules = files.map((f, n) => ({
  name: `cluster${n}`,
  path: join(clustersDir, f),
  file: relative(ROOT, join(clustersDir, f)).split('\\').join('/'),
}));
const entry = [
  `import { main, synthesizeModules } from ${src('apps/platform/src/diff/cli.ts')};`,
  ...modules.map((m) => `import * as ${m.name} from ${JSON.stringify(m.path)};`),
  `const modules = [${modules.map((m) => `{ file: ${JSON.stringify(m.file)}, exports: ${m.name} as never }`).join(', ')}];`,
  `export function run(argv: string[]): Promise<number> {`,
  `  return main(argv, { root: ${JSON.stringify(ROOT)}, synthesize: synthesizeModules(modules, ${JSON.stringify(ROOT)}) });`,
  `}`,
].join('\n');

await runBundled('diff', entry, argv);
