#!/usr/bin/env node
// Fails when the committed dist/ is not exactly what synth produces from the sources.
// An interrupted synth is recovered first (libs/core/src/dist-swap.ts), so dist/ is read whole.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT, bundle, src } from './bundle.mjs';

function tree(dir) {
  const out = new Map();
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

const dist = join(ROOT, 'dist');
const { recoverDist } = createRequire(import.meta.url)(
  await bundle('dist-swap', `export { recoverDist } from ${src('libs/core/src/dist-swap.ts')};`),
);
try {
  const recovered = recoverDist(dist);
  if (recovered) console.log(`check-dist: ${recovered}`);
} catch (error) {
  // A SynthError names what to remove, on one line per problem.
  console.error(`check-dist: ${error.problems ? error.message : (error.stack ?? error)}`);
  process.exit(1);
}

/** Compares dist/ with a fresh synth; returns the exit code (no process.exit, so the fresh tree is always removed). */
function check(fresh) {
  const synth = spawnSync(process.execPath, [join(ROOT, 'apps/platform/bin/synth.mjs'), '--out', fresh], { stdio: 'inherit' });
  if (synth.status !== 0) return synth.status ?? 1;
  const want = tree(fresh);
  const have = existsSync(dist) ? tree(dist) : new Map();
  const problems = [];
  for (const [file, hash] of want) {
    if (!have.has(file)) problems.push(`missing in dist/: ${file}`);
    else if (have.get(file) !== hash) problems.push(`differs:          ${file}`);
  }
  for (const file of have.keys()) if (!want.has(file)) problems.push(`stale in dist/:   ${file}`);
  if (problems.length > 0) {
    console.error(`check-dist: dist/ is not what synth produces (${problems.length} files). Run \`npm run synth\` and commit dist/.`);
    for (const p of problems.slice(0, 50)) console.error(`  ${p}`);
    return 1;
  }
  console.log(`check-dist: dist/ matches a fresh synth (${want.size} files)`);
  return 0;
}

const fresh = mkdtempSync(join(tmpdir(), 'dist-fresh-'));
try {
  process.exitCode = check(fresh);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
