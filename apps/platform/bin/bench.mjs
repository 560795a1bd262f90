#!/usr/bin/env node
// `npm run bench`: synth time and memory for fleets of clusters cloned from clusters/prod.ts. The
// same bundle is the child process of each measurement (run directly with --fleet N).
import { ROOT, runBundled, src } from '../../../scripts/bundle.mjs';

await runBundled(
  'bench',
  [
    `import prod from ${src('clusters/prod.ts')};`,
    `import { main } from ${src('apps/platform/src/bench/cli.ts')};`,
    `import { childMain } from ${src('apps/platform/src/bench/run.ts')};`,
    `export const run = (argv: string[]) => main(argv, { root: ${JSON.stringify(ROOT)}, script: __filename });`,
    `if (require.main === module) process.exitCode = childMain(process.argv.slice(2), prod);`,
  ].join('\n'),
  process.argv.slice(2),
);
