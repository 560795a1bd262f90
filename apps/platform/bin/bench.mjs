#!/usr/bin/env node
// `npm run bench`: synth time and memory for fleets of clusters cloned from clusters/prod.ts, cold
// and warm, written fresh and re-synthesized over an existing tree. The same bundle is the child
// process of each measurement (run directly with --fleet N --out DIR --renders DIR --memo FILE).
import { ROOT, runBundled, src } from '../../../scripts/bundle.mjs';

await runBundled(
  'bench',
  [
    `import prod from ${src('clusters/prod.ts')};`,
    `import { main } from ${src('apps/platform/src/bench/cli.ts')};`,
    `import { childMain } from ${src('apps/platform/src/bench/run.ts')};`,
    `export const run = (argv: string[]) => main(argv, { root: ${JSON.stringify(ROOT)}, script: __filename });`,
    `if (require.main === module) childMain(process.argv.slice(2), prod, ${JSON.stringify(ROOT)}).then((code) => (process.exitCode = code));`,
  ].join('\n'),
  process.argv.slice(2),
);
