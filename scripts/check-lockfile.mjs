#!/usr/bin/env node
// Fails when package-lock.json lacks an entry for an optional dependency (a platform package that
// the registry did not have when the lockfile was written): `npm ci` would refuse such a lockfile.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './bundle.mjs';

const { packages } = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
const paths = Object.keys(packages);
const missing = [];
for (const [path, pkg] of Object.entries(packages)) {
  for (const dep of Object.keys(pkg.optionalDependencies ?? {})) {
    if (!paths.some((p) => p.endsWith(`node_modules/${dep}`))) missing.push(`${path || '(root)'} → ${dep}`);
  }
}
if (missing.length > 0) {
  console.error(`check-lockfile: ${missing.length} optional dependencies have no lockfile entry; npm ci will fail:`);
  for (const m of missing) console.error(`  ${m}`);
  process.exit(1);
}
console.log(`check-lockfile: every optional dependency has a lockfile entry (${paths.length} packages)`);
