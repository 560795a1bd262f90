#!/usr/bin/env node
// `npm run diff -- [--base <ref>] [--out <file>] [--max-fields <n>] [--charts-dir <dir>] [--clusters <dir>]`:
// Markdown summary of what the working tree changes in dist/ and what Argo CD will prune or delete.
// The cluster files are bundled with the diff (as synth bundles them) and rendered in memory;
// nothing is written to dist/.
import { ROOT, clusterModules, lazyModulesSource, runBundled, src } from '../../../scripts/bundle.mjs';

const { argv, modules } = clusterModules('diff', process.argv.slice(2));
const entry = [
  `import { main, synthesizeModules } from ${src('apps/platform/src/diff/cli.ts')};`,
  lazyModulesSource(modules),
  `export function run(argv: string[]): Promise<number> {`,
  `  return main(argv, { root: ${JSON.stringify(ROOT)}, synthesize: synthesizeModules(modules, ${JSON.stringify(ROOT)}) });`,
  `}`,
].join('\n');

await runBundled('diff', entry, argv);
