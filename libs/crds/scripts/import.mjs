#!/usr/bin/env node
// Generates typed cdk8s bindings for the CRD kinds listed in libs/crds/crds.json.
//
//   node libs/crds/scripts/import.mjs [--crds-dir <dir>] [--jobs <n>]
//
// CRD files: from --crds-dir, else $PLATFORM_CRDS_DIR, else ../shared/crds relative to the repo root,
// else the download cache .cache/crds (filled from the pinned upstream URLs, or from
// $PLATFORM_CRDS_BASE_URL). Every file is checked against its sha256 in
// libs/crds/crd-sources.json (see pinned-crds.mjs). With a CRD dir or a filled
// cache it works offline: `cdk8s import` runs on local files.
//
// Per API group it keeps only the CRD documents named in crds.json, writes them into one
// multi-document YAML file (cdk8s import writes one file per group and overwrites it on every
// call, so a group must be imported in one call), runs `cdk8s import` on it in a scratch
// directory and writes the result to src/generated/<module>.ts with a provenance header.
// Then it writes src/index.ts. Output depends only on crds.json, the CRD files and the
// cdk8s-cli version: running it twice gives byte-identical files.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { describeLocation, loadPins, locateCrds, PinnedCrdError, pinnedPath, readPinnedCrds } from './pinned-crds.mjs';

const scriptDir = dirname(fileURLToPath(import.meta.url));
const libDir = resolve(scriptDir, '..');
const repoRoot = resolve(libDir, '../..');
const generatedDir = join(libDir, 'src', 'generated');
const indexFile = join(libDir, 'src', 'index.ts');
const configFile = join(libDir, 'crds.json');
const cdk8sBin = join(repoRoot, 'node_modules', '.bin', 'cdk8s');
const IMPORT_TIMEOUT_MS = 5 * 60_000;

const USAGE =
  'usage: node libs/crds/scripts/import.mjs [--crds-dir <dir>] [--jobs <n>]\n' +
  'CRD dir: --crds-dir, else $PLATFORM_CRDS_DIR, else <repo>/../shared/crds, else download the pinned files\n' +
  'into <repo>/.cache/crds (from $PLATFORM_CRDS_BASE_URL/<path> when set); all are checked against\n' +
  'the sha256 in libs/crds/crd-sources.json';

/** Inputs that keep the import from running (exit 1); a bad command line is exit 2 (parseCommandLine). */
class InputError extends Error {}

/**
 * The command line, as the platform CLIs read theirs (apps/platform/src/cli-args.ts): node:util
 * parseArgs, strict; --help prints the usage to stdout (exit 0); anything wrong prints
 * `import.mjs: <what>` and the usage to stderr (exit 2).
 */
function parseCommandLine(argv) {
  const fail = (message) => {
    console.error(`import.mjs: ${message}\n${USAGE}`);
    process.exit(2);
  };
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { 'crds-dir': { type: 'string' }, jobs: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail(error.message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  for (const [name, value] of Object.entries(values)) if (value === '') fail(`Option '--${name} <value>' argument is empty`);
  const jobs = values.jobs === undefined ? 2 : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) fail(`--jobs: got ${JSON.stringify(values.jobs)}, expected a positive integer`);
  return { crdsDir: values['crds-dir'], jobs };
}

function loadConfig() {
  const config = JSON.parse(readFileSync(configFile, 'utf8'));
  const problems = [];
  const seen = { module: new Set(), namespace: new Set() };
  for (const [i, g] of (config.groups ?? []).entries()) {
    const where = `crds.json groups[${i}]${g.module ? ` (${g.module})` : ''}`;
    for (const key of ['module', 'namespace', 'source', 'tag']) {
      if (typeof g[key] !== 'string' || g[key] === '') problems.push(`${where}: "${key}" must be a non-empty string`);
    }
    if (!Array.isArray(g.files) || g.files.length === 0) problems.push(`${where}: "files" must be a non-empty array`);
    if (!Array.isArray(g.crds) || g.crds.length === 0) problems.push(`${where}: "crds" must be a non-empty array`);
    for (const c of g.crds ?? []) {
      for (const key of ['name', 'kind', 'className', 'version']) {
        if (typeof c[key] !== 'string' || c[key] === '') problems.push(`${where}: every crds entry needs "${key}"`);
      }
    }
    if (g.namespace && !/^[A-Za-z_$][\w$]*$/.test(g.namespace))
      problems.push(`${where}: namespace "${g.namespace}" is not a JS identifier`);
    if (g.module && !/^[a-z0-9][a-z0-9.-]*$/.test(g.module)) problems.push(`${where}: module "${g.module}" is not a plain API group name`);
    for (const key of ['module', 'namespace']) {
      if (seen[key].has(g[key])) problems.push(`${where}: duplicate ${key} "${g[key]}"`);
      seen[key].add(g[key]);
    }
  }
  if (!config.groups?.length) problems.push('crds.json has no groups');
  if (problems.length) throw new InputError(`invalid ${relative(repoRoot, configFile)}:\n  ${problems.join('\n  ')}`);
  return config;
}

// Tags per folder from the first table in <crds dir>/SOURCES.md (if present), to catch a
// crds.json tag that no longer matches the files on disk.
function readSourceTags(crdsDir) {
  const file = join(crdsDir, 'SOURCES.md');
  if (!existsSync(file)) return undefined;
  const tags = new Map();
  let headings = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('# ') && ++headings > 1) break; // only the CRD table, not later tables
    if (!line.startsWith('|')) continue;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    if (cells.length < 3 || cells[0] === 'project (folder)' || /^-+$/.test(cells[0])) continue;
    tags.set(cells[0], cells[2]);
  }
  return tags;
}

// Picks the selected CRD documents, in crds.json order, from the group's files (`contents`: path
// under the CRD dir -> pinned, hash-checked content).
function selectCrds(group, contents, sourceTags, pins) {
  const errors = [];
  const where = `${group.module} (source ${group.source})`;
  const folder = pins.projects[group.source]?.dir;
  const knownTag = sourceTags?.get(folder);
  if (sourceTags && knownTag === undefined) errors.push(`${where}: folder "${folder}" is not listed in the CRD dir's SOURCES.md`);
  if (knownTag !== undefined && knownTag !== group.tag) {
    errors.push(`${where}: crds.json says tag ${group.tag} but SOURCES.md says ${knownTag}: update crds.json`);
  }
  const pinnedTag = pins.projects[group.source]?.tag;
  if (pinnedTag !== group.tag) {
    errors.push(`${where}: crds.json says tag ${group.tag} but ${pins.listFile} pins ${pinnedTag ?? 'no such project'}: update crds.json`);
  }

  const found = new Map(); // metadata.name -> { crd, file }
  for (const file of group.files) {
    const docs = parseAllDocuments(contents.get(pinnedPath(pins, group.source, file)).toString('utf8'));
    for (const [i, doc] of docs.entries()) {
      if (doc.errors.length) {
        errors.push(`${where}: ${file} document ${i + 1}: YAML error: ${doc.errors[0].message}`);
        continue;
      }
      const obj = doc.toJS();
      if (obj?.kind !== 'CustomResourceDefinition') continue;
      const name = obj.metadata?.name;
      if (found.has(name)) errors.push(`${where}: CRD ${name} appears twice (${found.get(name).file}, ${file})`);
      else found.set(name, { crd: obj, file });
    }
  }

  const selected = [];
  for (const want of group.crds) {
    const hit = found.get(want.name);
    if (!hit) {
      errors.push(
        `${where}: CRD ${want.name} not found in ${group.files.join(', ')}` +
          (found.size ? ` (found: ${[...found.keys()].sort().join(', ')})` : ''),
      );
      continue;
    }
    const { spec } = hit.crd;
    const versions = (spec?.versions ?? []).map((v) => v.name);
    if (spec?.group !== group.module)
      errors.push(`${where}: ${want.name} has spec.group ${spec?.group}, expected ${group.module} (one module per API group)`);
    if (spec?.names?.kind !== want.kind)
      errors.push(`${where}: ${want.name} defines kind ${spec?.names?.kind}, crds.json says ${want.kind}`);
    if (versions[0] !== want.version) {
      errors.push(
        `${where}: ${want.name} lists versions [${versions.join(', ')}]; cdk8s names the class of the first one ` +
          `"${want.className}", but crds.json says version ${want.version}`,
      );
    }
    selected.push(hit.crd);
  }
  return { errors, selected };
}

function run(cmd, args, options) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[import.mjs] timed out after ${IMPORT_TIMEOUT_MS / 1000}s, killing pid ${child.pid}`;
      child.kill('SIGKILL');
    }, IMPORT_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolvePromise({ code: -1, output: `${output}\n${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, signal, output });
    });
  });
}

function header(group, dir) {
  return (
    [
      `// generated by libs/crds/scripts/import.mjs from ${group.source} at ${group.tag}; do not edit`,
      `// CRDs: ${group.crds.map((c) => c.name).join(', ')}`,
      `// files: ${group.files.map((f) => `${dir}/${f}`).join(', ')}`,
      `// regenerate: npx nx run crds:import (see libs/crds/README.md)`,
    ].join('\n') + '\n'
  );
}

async function importGroup(group, selected, scratch, dir) {
  const work = join(scratch, group.module);
  const outDir = join(work, 'out');
  mkdirSync(outDir, { recursive: true });
  const input = join(work, `${group.module}.yaml`);
  // Re-emit without line folding; JSON-compatible data round-trips through `yaml` unchanged.
  writeFileSync(input, selected.map((crd) => stringify(crd, { lineWidth: 0, minContentWidth: 0 })).join('---\n'));

  const started = performance.now();
  // cwd = scratch dir: cdk8s reads (and with --save edits) a cdk8s.yaml in its cwd.
  const result = await run(cdk8sBin, ['import', input, '--no-check-upgrade', '--no-save', '-l', 'typescript', '-o', outDir], {
    cwd: work,
    env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.code !== 0) {
    return {
      ok: false,
      message: `cdk8s import failed (exit ${result.code}${result.signal ? `, ${result.signal}` : ''}):\n${result.output.trim()}`,
    };
  }
  const produced = readdirSync(outDir).sort();
  const expected = `${group.module}.ts`;
  if (produced.length !== 1 || produced[0] !== expected) {
    return { ok: false, message: `expected cdk8s to write ${expected}, it wrote: [${produced.join(', ')}]\n${result.output.trim()}` };
  }
  const code = readFileSync(join(outDir, expected), 'utf8');
  const missing = [];
  for (const c of group.crds) {
    const gvk = `public static readonly GVK: GroupVersionKind = {\n    apiVersion: '${group.module}/${c.version}',\n    kind: '${c.kind}',\n  }`;
    if (!code.includes(`export class ${c.className} extends ApiObject {`) || !code.includes(gvk))
      missing.push(`${c.className} (${group.module}/${c.version} ${c.kind})`);
  }
  if (missing.length) {
    return { ok: false, message: `generated code lacks: ${missing.join(', ')}\n${result.output.trim()}` };
  }
  return { ok: true, code: header(group, dir) + code, seconds };
}

async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return results;
}

function writeIfChanged(file, content) {
  if (existsSync(file) && readFileSync(file, 'utf8') === content) return false;
  writeFileSync(file, content);
  return true;
}

function indexSource(config) {
  const lines = [
    '// generated by libs/crds/scripts/import.mjs from libs/crds/crds.json; do not edit',
    '// One namespace per API group; classes are named after the kind (see libs/crds/README.md).',
  ];
  for (const g of config.groups) {
    lines.push(`// ${g.namespace}: ${g.crds.map((c) => c.className).join(', ')} (${g.source} ${g.tag})`);
    lines.push(`export * as ${g.namespace} from './generated/${g.module}';`);
  }
  return lines.join('\n') + '\n';
}

async function main() {
  const opts = parseCommandLine(process.argv.slice(2));
  const config = loadConfig();
  const pins = loadPins(repoRoot);
  const location = locateCrds({ repoRoot, crdsDir: opts.crdsDir });
  if (!existsSync(cdk8sBin)) throw new InputError(`cdk8s CLI not found at ${cdk8sBin}: install the repo's dependencies (npm ci)`);

  const paths = config.groups.flatMap((g) => g.files.map((f) => pinnedPath(pins, g.source, f)));
  const contents = await readPinnedCrds(paths, location, pins, {
    onDownload: (path, url) => console.log(`  fetched ${path} from ${url}`),
  });
  const sourceTags = location.dir ? readSourceTags(location.dir) : undefined;
  const selections = config.groups.map((g) => selectCrds(g, contents, sourceTags, pins));
  const inputErrors = selections.flatMap((s) => s.errors);
  if (inputErrors.length) throw new InputError(`cannot import, fix these first:\n  ${inputErrors.join('\n  ')}`);

  console.log(
    `importing ${config.groups.length} API groups (${config.groups.reduce((n, g) => n + g.crds.length, 0)} kinds) ` +
      `from ${describeLocation(location)}, ${opts.jobs} at a time`,
  );
  const scratch = mkdtempSync(join(tmpdir(), 'crds-import-'));
  let results;
  try {
    results = await pool(config.groups, opts.jobs, async (g, i) => {
      const r = await importGroup(g, selections[i].selected, scratch, pins.projects[g.source].dir);
      console.log(
        r.ok ? `  ok    ${g.module} (${g.crds.map((c) => c.className).join(', ')}) ${r.seconds.toFixed(1)}s` : `  FAIL  ${g.module}`,
      );
      return r;
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  const failures = results.map((r, i) => ({ r, g: config.groups[i] })).filter(({ r }) => !r.ok);
  mkdirSync(generatedDir, { recursive: true });
  const changed = [];
  for (const [i, r] of results.entries()) {
    if (r.ok && writeIfChanged(join(generatedDir, `${config.groups[i].module}.ts`), r.code)) changed.push(`${config.groups[i].module}.ts`);
  }
  if (failures.length) {
    for (const { g, r } of failures) console.error(`\n${g.module} (${g.source} ${g.tag}): ${r.message}`);
    console.error(`\n${failures.length} group(s) failed; their previous files (if any) and src/index.ts were left as they were.`);
    process.exitCode = 1;
    return;
  }
  // Drop modules of groups that are no longer in crds.json.
  const wanted = new Set(config.groups.map((g) => `${g.module}.ts`));
  for (const f of readdirSync(generatedDir)) {
    if (f.endsWith('.ts') && !wanted.has(f)) {
      rmSync(join(generatedDir, f));
      changed.push(`${f} (removed)`);
    }
  }
  if (writeIfChanged(indexFile, indexSource(config))) changed.push('index.ts');
  console.log(changed.length ? `updated: ${changed.join(', ')}` : 'no changes');
}

main().catch((err) => {
  console.error(err instanceof InputError || err instanceof PinnedCrdError ? `import.mjs: ${err.message}` : err);
  process.exitCode = 1;
});
