#!/usr/bin/env node
// `npm run diff -- --base <ref>`: Markdown summary of what the working tree changes in dist/.
import { ROOT, runBundled, src } from '../../../scripts/bundle.mjs';

await runBundled(
  'diff',
  [
    `import { main } from ${src('apps/platform/src/diff/cli.ts')};`,
    `export const run = (argv: string[]) => main(argv, ${JSON.stringify(ROOT)});`,
  ].join('\n'),
  process.argv.slice(2),
);
