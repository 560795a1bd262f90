#!/usr/bin/env node
// Fails when the committed dist/ is not exactly what synth produces from the sources.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT } from './bundle.mjs';

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

const fresh = mkdtempSync(join(tmpdir(), 'dist-fresh-'));
try {
  const synth = spawnSync(process.execPath, [join(ROOT, 'apps/platform/bin/synth.mjs'), '--out', fresh], { stdio: 'inherit' });
  if (synth.status !== 0) process.exit(synth.status ?? 1);
  const want = tree(fresh);
  const have = tree(join(ROOT, 'dist'));
  const problems = [];
  for (const [file, hash] of want) {
    if (!have.has(file)) problems.push(`missing in dist/: ${file}`);
    else if (have.get(file) !== hash) problems.push(`differs:          ${file}`);
  }
  for (const file of have.keys()) if (!want.has(file)) problems.push(`stale in dist/:   ${file}`);
  if (problems.length > 0) {
    console.error(`check-dist: dist/ is not what synth produces (${problems.length} files). Run \`npm run synth\` and commit dist/.`);
    for (const p of problems.slice(0, 50)) console.error(`  ${p}`);
    process.exit(1);
  }
  console.log(`check-dist: dist/ matches a fresh synth (${want.size} files)`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
