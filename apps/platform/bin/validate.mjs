#!/usr/bin/env node
// `npm run validate`: schemas, Helm values, policies, secrets and the Argo CD contract of dist/.
import { runBundled, src } from '../../../scripts/bundle.mjs';

await runBundled('validate', `export { main as run } from ${src('apps/platform/src/validate/cli.ts')};`, process.argv.slice(2));
