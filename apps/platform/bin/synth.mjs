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

const modules = files.map((f, n) => ({
  name: `cluster${n}`,
  path: join(clustersDir, f),
  file: relative(ROOT, join(clustersDir, f)).split('\\').join('/'),
}));
const entry = [
  `import { main } from ${src('apps/platform/src/main.ts')};`,
  ...modules.map((m) => `import * as ${m.name} from ${JSON.stringify(m.path)};`),
  `export function run(argv: string[]): Promise<number> {`,
  `  return main({ root: ${JSON.stringify(ROOT)}, argv, modules: [${modules.map((m) => `{ file: ${JSON.stringify(m.file)}, exports: ${m.name} as never }`).join(', ')}] });`,
  `}`,
].join('\n');

await runBundled('synth', entry, argv);
