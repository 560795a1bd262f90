#!/usr/bin/env node
// `npm run validate -- [--dist <dir>] [--cluster <name>] [--json] ...`: checks dist/ (see
// apps/platform/src/validate/cli.ts). The TypeScript is bundled once with esbuild into
// node_modules/.cache/platform/ (scripts/bundle.mjs) and reused while its sources are unchanged.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT, bundle } from '../../../scripts/bundle.mjs';

let outfile;
try {
  outfile = await bundle('validate', `export { main } from ${JSON.stringify(join(ROOT, 'apps/platform/src/validate/cli.ts'))};`);
} catch (error) {
  console.error(`validate: cannot compile apps/platform/src/validate:\n${error.message ?? error}`);
  process.exit(1);
}
process.exitCode = await createRequire(import.meta.url)(outfile).main(process.argv.slice(2));
