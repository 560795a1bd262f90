/**
 * Nx inputs cover what the cached targets read, so a cache hit never hides a change (a secret
 * appended to clusters/_shared.ts once passed `nx run platform:validate` from the cache).
 *
 * 1. Every cached target of every project (targetDefaults applied) runs once on the real tree,
 *    with its command as Nx runs it, under `strace -f` (every process: node, esbuild, tsgo, git,
 *    helm). Each file opened for reading must be one of the target's input files as Nx expands
 *    them (HashPlanInspector; asked again after the run, for files others created meanwhile),
 *    under a path its runtime inputs hash (scripts/input-hash.mjs), in a package of node_modules
 *    (Nx hashes the lockfile's versions), one of its outputs, or in a cache keyed by content
 *    (DERIVED below, each with its reason). Outside the repository, files beside it (../shared)
 *    must be under a runtime input; system files, $HOME dotfiles and the temporary directory are
 *    not checked. Directory listings, stat calls and environment reads are not traced, and a run
 *    sees only what this tree makes it read (with warm render caches synth opens no chart source).
 *    platform:synth writes to a temporary --out; a command that fails still counts (its reads are
 *    real); a command that exceeds its timeout fails the test.
 * 2. In a copy of the repository (tracked and untracked files, node_modules linked, ../shared
 *    beside it), Nx's own task hasher gives platform:validate a new hash when clusters/ or libs/
 *    change, when an untracked or a git-ignored file appears, and platform:synth a new one when the
 *    chart sources beside the repository change, but not for an edited test.
 *
 * strace comes from PATH, else Debian's package is unpacked into .cache/tools/strace (like lua.mjs).
 * NX_INPUTS_TASKS=platform:synth,platform:validate traces only those (a full run costs minutes: the
 * test targets run the test suites).
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inputRoots, ROOT } from './input-hash.mjs';
import { findOnPath, unpackDebianPackages } from './debian-packages.mjs';

const REAL_ROOT = realpathSync(ROOT);
const NX_ENV = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true' };

/**
 * Gitignored files a target may read without their being inputs: each entry is keyed by the
 * content it was made from (or is a tool, like node itself), so a stale entry is never used.
 */
const DERIVED: readonly (readonly [prefix: string, reason: string])[] = [
  [
    'node_modules/.cache/platform/',
    'bundles keyed by their input files (bundle.mjs), clean secret-scan results and chart stamps keyed by sha256, the helm binary checked by sha256',
  ],
  ['.cache/renders/', 'helm renders keyed by chart digest, values, Kubernetes version and helm (apps/platform/src/hydrate.ts)'],
  ['.cache/validate/', 'parsed CRDs keyed by the sha256 of the pinned file, schema bundles keyed by package version'],
  ['.cache/yaml-memo.json', 'YAML text keyed by the object it stringifies (libs/core/src/yaml.ts)'],
  ['.cache/tools/', 'tools unpacked from distribution packages (lua5.1 for the health-check tests, strace here)'],
  ['node_modules/.vite/', "vitest's record of test durations, used to order files only"],
  ['node_modules/.vite-temp/', 'vitest.config.mts compiled, a copy of an input'],
];

/** Extra arguments so that a target writes outside the real tree; the paths count as its outputs. */
const REDIRECT: Record<string, (tmp: string) => { args: string[]; outputs: string[] }> = {
  'platform:synth': (tmp) => ({ args: ['--out', join(tmp, 'dist')], outputs: [join(tmp, 'dist')] }),
};

const TIMEOUT_MS: Record<string, number> = { 'platform:test': 420_000 };
const DEFAULT_TIMEOUT_MS = 240_000;

interface HashInputs {
  readonly files: string[];
  readonly runtime: string[];
  readonly environment: string[];
  readonly external: string[];
}

interface CachedTask {
  readonly id: string;
  readonly executor: string;
  readonly options: { command?: string; commands?: unknown; cwd?: string };
  readonly outputs: string[];
  readonly inputs: HashInputs;
}

// ---------------------------------------------------------------------------------------------
// Nx, asked in a child process whose working directory is the workspace (Nx finds its root there)

const NX_HELPER = String.raw`
const { createRequire } = require('node:module');
const [mode, root, ...ids] = process.argv.slice(2);
const nx = createRequire(root + '/package.json');
const { createProjectGraphAsync } = nx('nx/src/devkit-exports');
const { readNxJson } = nx('nx/src/config/nx-json');
(async () => {
  const graph = await createProjectGraphAsync({ exitOnError: false });
  const nxJson = readNxJson(root);
  const out = mode === 'tasks' ? [] : {};
  if (mode === 'check') {
    const { checkFilesAreInputs } = nx('nx/src/hasher/check-task-files');
    const files = JSON.parse(require('node:fs').readFileSync(ids[1], 'utf8'));
    out.unmatched = (await checkFilesAreInputs(ids[0], files)).unmatched;
  } else if (mode === 'tasks') {
    const { HashPlanInspector } = nx('nx/src/hasher/hash-plan-inspector');
    const inspector = new HashPlanInspector(graph, root, nxJson);
    await inspector.init();
    for (const [project, node] of Object.entries(graph.nodes))
      for (const [target, config] of Object.entries(node.data.targets ?? {})) {
        if (!config.cache) continue;
        const id = project + ':' + target;
        const inputs = inspector.inspectTaskInputs({ project, target })[id];
        const outputs = (config.outputs ?? []).map((o) => o.replace('{workspaceRoot}/', '').replace('{projectRoot}', node.data.root));
        out.push({ id, executor: config.executor, options: config.options ?? {}, outputs, inputs });
      }
  } else {
    const { createTaskGraph } = nx('nx/src/tasks-runner/create-task-graph');
    const { createTaskHasher } = nx('nx/src/hasher/create-task-hasher');
    const { hashTask, getTaskDetails } = nx('nx/src/hasher/hash-task');
    const hasher = createTaskHasher(graph, nxJson);
    for (const id of ids) {
      const [project, target] = id.split(':');
      const taskGraph = createTaskGraph(graph, {}, [project], [target], undefined, {});
      const task = taskGraph.tasks[id];
      await hashTask(hasher, graph, taskGraph, task, process.env, getTaskDetails());
      out[id] = task.hash;
    }
  }
  process.stdout.write('\n@@nx@@' + JSON.stringify(out));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

/** Everything this file writes (the helper, traces, the copy), removed at the end. */
const helperDir = mkdtempSync(join(tmpdir(), 'nx-inputs-'));
const helper = join(helperDir, 'nx-helper.cjs');
writeFileSync(helper, NX_HELPER);
afterAll(() => rmSync(helperDir, { recursive: true, force: true }));

function askNx<T>(root: string, mode: 'tasks' | 'hash' | 'check', ids: string[] = []): T {
  const out = execFileSync(process.execPath, [helper, mode, root, ...ids], {
    cwd: root,
    env: { ...process.env, ...NX_ENV, NX_WORKSPACE_ROOT_PATH: root },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out.slice(out.lastIndexOf('\n@@nx@@') + '\n@@nx@@'.length)) as T;
}

// ---------------------------------------------------------------------------------------------
// strace

interface Strace {
  readonly command: string;
  readonly libDir?: string;
}

/** strace from PATH, else Debian's strace and libunwind8 unpacked into .cache/tools/strace; undefined if neither works. */
async function locateStrace(): Promise<{ strace?: Strace; why?: string }> {
  const onPath = findOnPath('strace');
  let strace: Strace | undefined = onPath ? { command: onPath } : undefined;
  if (!strace) {
    try {
      const root = await unpackDebianPackages(['strace', 'libunwind8'], join(ROOT, '.cache/tools/strace/install'));
      strace = { command: join(root, 'usr/bin/strace'), libDir: join(root, 'usr/lib/x86_64-linux-gnu') };
    } catch (error) {
      return { why: `no strace on PATH, and Debian's strace could not be unpacked: ${(error as Error).message.split('\n')[0]}` };
    }
  }
  try {
    execFileSync(strace.command, ['-f', '-qq', '--seccomp-bpf', '-e', 'trace=openat', '-o', '/dev/null', 'true'], {
      stdio: 'pipe',
      env: straceEnv(strace, process.env),
    });
  } catch (error) {
    return { why: `${strace.command} cannot trace here (ptrace denied?): ${(error as Error).message.split('\n')[0]}` };
  }
  return { strace };
}

function straceEnv(strace: Strace, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (!strace.libDir) return env;
  return { ...env, LD_LIBRARY_PATH: [strace.libDir, env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
}

interface TraceResult {
  readonly code: number | null;
  readonly timedOut: boolean;
  readonly ms: number;
  readonly stderr: string;
  /** Absolute real paths opened for reading (not for writing only, not as directories), that succeeded. */
  readonly opened: Set<string>;
}

const OPEN_LINE = /^(?:open|openat|openat2)\((.*)\) = \d+<(.*)>$/;

/** Runs `command` in a shell under `strace -f`, killing its process group after `timeoutMs`. */
function trace(strace: Strace, command: string, cwd: string, timeoutMs: number, logDir: string): Promise<TraceResult> {
  mkdirSync(logDir, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, ...NX_ENV, PATH: [join(ROOT, 'node_modules/.bin'), process.env.PATH].join(':') };
  for (const key of Object.keys(env)) if (key.startsWith('VITEST') || key === 'NODE_ENV' || key === 'TEST') delete env[key];
  // strace's own library path (if any) is not passed on to the traced command.
  const keepLibPath = process.env.LD_LIBRARY_PATH ? [`-E`, `LD_LIBRARY_PATH=${process.env.LD_LIBRARY_PATH}`] : ['-E', 'LD_LIBRARY_PATH'];
  const args = ['-f', '-ff', '-qq', '--seccomp-bpf', '-y', '-e', 'trace=open,openat,openat2', '-e', 'signal=none'];
  if (strace.libDir) args.push(...keepLibPath);
  args.push('-o', join(logDir, 't'), 'sh', '-c', command);
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(strace.command, args, { cwd, env: straceEnv(strace, env), detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL'); // the process group this spawn created: strace and every traced process
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('error', (error) => (stderr += `\n${error.message}`));
    child.on('close', (code) => {
      clearTimeout(timer);
      const opened = new Set<string>();
      for (const file of readdirSync(logDir)) {
        for (const line of readFileSync(join(logDir, file), 'utf8').split('\n')) {
          const m = OPEN_LINE.exec(line);
          if (!m || /O_WRONLY|O_DIRECTORY|O_PATH/.test(m[1])) continue;
          opened.add(m[2]);
        }
      }
      done({ code, timedOut, ms: performance.now() - started, stderr, opened });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// What a target may read

const isUnder = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/** The absolute paths the target's `node scripts/input-hash.mjs ...` runtime inputs cover. */
function runtimeRoots(task: CachedTask): string[] {
  const roots: string[] = [];
  for (const command of task.inputs.runtime) {
    const m = /^node scripts\/input-hash\.mjs (.+)$/.exec(command.trim());
    if (!m) continue;
    for (const { paths } of inputRoots(m[1].split(/\s+/))) for (const p of paths ?? []) roots.push(existsSync(p) ? realpathSync(p) : p);
  }
  return roots;
}

/** The npm package a node_modules path belongs to (the innermost one), e.g. `@scope/name`. */
function packageOf(rel: string): string {
  const parts = rel.split('/');
  const at = parts.lastIndexOf('node_modules');
  return parts[at + 1]?.startsWith('@') ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1];
}

/** The files the task read that none of its inputs covers, with the reason each is not covered. */
function uncovered(task: CachedTask, opened: Set<string>, extraOutputs: string[]): string[] {
  const files = new Set(task.inputs.files);
  const roots = runtimeRoots(task);
  const outputs = [...task.outputs.map((o) => join(REAL_ROOT, o)), ...extraOutputs];
  const allExternal = task.inputs.external.includes('AllExternalDependencies');
  const skipOutside = [realpathSync(tmpdir()), '/proc', '/sys', '/dev'];
  const home = existsSync(homedir()) ? realpathSync(homedir()) : homedir();
  const problems: string[] = [];
  const notInputs: string[] = [];
  for (const path of [...opened].sort()) {
    let isFile: boolean;
    try {
      isFile = statSync(path).isFile();
    } catch {
      continue; // gone: a temporary file
    }
    if (!isFile) continue;
    if (roots.some((r) => isUnder(path, r)) || outputs.some((o) => isUnder(path, o))) continue;
    if (!isUnder(path, REAL_ROOT)) {
      if (skipOutside.some((d) => isUnder(path, d))) continue;
      if (isUnder(path, home) && relative(home, path).startsWith('.')) continue; // ~/.gitconfig, ~/.npm
      if (isUnder(path, dirname(REAL_ROOT))) problems.push(`${path}: beside the repository, and no runtime input hashes it`);
      continue;
    }
    const rel = relative(REAL_ROOT, path).split(sep).join('/');
    if (files.has(rel)) continue;
    if (DERIVED.some(([prefix]) => rel === prefix || rel.startsWith(prefix))) continue;
    if (rel.startsWith('node_modules/')) {
      if (allExternal || task.inputs.external.includes(`npm:${packageOf(rel)}`)) continue;
      problems.push(`${rel}: package ${packageOf(rel)} is not among the external dependencies`);
      continue;
    }
    notInputs.push(rel);
  }
  if (notInputs.length > 0) {
    // The inputs were expanded when this file started; ask Nx again about files created since.
    const list = join(helperDir, `${task.id.replace(':', '-')}-files.json`);
    writeFileSync(list, JSON.stringify(notInputs));
    const { unmatched } = askNx<{ unmatched: string[] }>(REAL_ROOT, 'check', [task.id, list]);
    problems.push(...unmatched.map((rel) => `${rel}: not an input file`));
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------

const allTasks = askNx<CachedTask[]>(REAL_ROOT, 'tasks');
const only = process.env.NX_INPUTS_TASKS?.split(',').filter(Boolean);
const tasks = only ? allTasks.filter((t) => only.includes(t.id)) : allTasks;
const located = await locateStrace();
if (!located.strace && process.env.CI) throw new Error(`strace is required in CI to check the Nx inputs: ${located.why}`);

describe('cached targets read only their Nx inputs', () => {
  it('there are cached targets, each a run-commands command', () => {
    expect(allTasks.map((t) => t.id)).toEqual(expect.arrayContaining(['platform:validate', 'platform:test']));
    // synth is not cached (a hit would rewrite dist/ in place; synth itself writes nothing when unchanged).
    expect(allTasks.map((t) => t.id)).not.toContain('platform:synth');
    for (const task of allTasks) {
      expect(task.executor, task.id).toBe('nx:run-commands');
      expect(typeof task.options.command, `${task.id}: one command to trace`).toBe('string');
      const outsideTree = REDIRECT[task.id] ? [] : task.outputs;
      expect(outsideTree, `${task.id} writes into the tree: add it to REDIRECT`).toEqual([]);
    }
  });

  const work = join(helperDir, 'trace');

  for (const task of tasks) {
    const timeoutMs = TIMEOUT_MS[task.id] ?? DEFAULT_TIMEOUT_MS;
    it.skipIf(!located.strace)(
      `${task.id} (\`${task.options.command}\`)`,
      async () => {
        const tmp = join(work, task.id.replace(':', '-'));
        const redirect = REDIRECT[task.id]?.(tmp) ?? { args: [], outputs: [] };
        mkdirSync(tmp, { recursive: true });
        const command = [task.options.command, ...redirect.args].join(' ');
        const cwd = resolve(REAL_ROOT, task.options.cwd ?? '');
        const run = await trace(located.strace!, command, cwd, timeoutMs, join(tmp, 'strace'));
        const status = `${task.id}: exit ${run.code} after ${(run.ms / 1000).toFixed(1)} s, ${run.opened.size} files opened`;
        if (run.code !== 0)
          console.warn(
            `${status} (the command failed; its reads are checked all the same)\n${run.stderr.trim().split('\n').slice(-5).join('\n')}`,
          );
        expect(run.timedOut, `${status}: no result within ${timeoutMs / 1000} s`).toBe(false);
        const outputs = redirect.outputs.map((o) => join(realpathSync(dirname(o)), basename(o)));
        expect(uncovered(task, run.opened, outputs), `${status}; add these to its inputs`).toEqual([]);
        rmSync(join(tmp, 'strace'), { recursive: true, force: true });
      },
      timeoutMs + 30_000,
    );
  }
  if (!located.strace) it.skip(`(not traced: ${located.why})`, () => undefined);
});

// ---------------------------------------------------------------------------------------------

describe('task hashes follow the files (a copy of the repository)', () => {
  const place = join(helperDir, 'hash');
  const copy = join(place, 'main');

  const IDS = ['platform:validate', 'platform:synth', 'platform:test'];
  const hashes = () => askNx<Record<string, string>>(copy, 'hash', IDS);
  /** A key the secret scan reports (aws-access-key-id), assembled here so this file scans clean. */
  const leakedKey = ['AK', 'IA', 'Q3EG', 'RY6Z', 'NP4X', 'WJ7H', 'M2'].join('');

  it('builds the copy', () => {
    const list = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
    for (const file of new Set(list.split('\0').filter(Boolean))) {
      if (!existsSync(join(ROOT, file)) || !statSync(join(ROOT, file)).isFile()) continue;
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      copyFileSync(join(ROOT, file), join(copy, file));
    }
    symlinkSync(join(REAL_ROOT, 'node_modules'), join(copy, 'node_modules'));
    execFileSync('git', ['init', '-q'], { cwd: copy });
    mkdirSync(join(place, 'shared/charts'), { recursive: true });
    expect(existsSync(join(copy, 'clusters/_shared.ts'))).toBe(true);
  });

  let before: Record<string, string> = {};
  const changed = () => {
    const after = hashes();
    const diff = Object.fromEntries(IDS.map((id) => [id, after[id] !== before[id]]));
    before = after;
    return diff;
  };

  it('hashes the targets', () => {
    before = hashes();
    expect(Object.keys(before).sort()).toEqual([...IDS].sort());
    expect(changed()).toEqual({ 'platform:validate': false, 'platform:synth': false, 'platform:test': false });
  }, 60_000);

  it('a key appended to clusters/_shared.ts changes validate (the reviewer reproduction), synth and test', () => {
    appendFileSync(join(copy, 'clusters/_shared.ts'), `\nexport const LEAKED = '${leakedKey}';\n`);
    expect(changed()).toEqual({ 'platform:validate': true, 'platform:synth': true, 'platform:test': true });
  }, 60_000);

  it('a library change changes all three', () => {
    const lib = readdirSync(join(copy, 'libs/core/src')).find((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))!;
    appendFileSync(join(copy, 'libs/core/src', lib), '\n// changed\n');
    expect(changed()).toEqual({ 'platform:validate': true, 'platform:synth': true, 'platform:test': true });
  }, 60_000);

  it('an edited test changes validate (it scans tests too) and test, not synth', () => {
    appendFileSync(join(copy, 'apps/platform/src/synth.test.ts'), '\n// changed\n');
    expect(changed()).toEqual({ 'platform:validate': true, 'platform:synth': false, 'platform:test': true });
  }, 60_000);

  it('a new untracked file anywhere, and a git-ignored leftover the scan reads, change validate', () => {
    writeFileSync(join(copy, 'docs/notes.txt'), `${leakedKey}\n`);
    expect(changed()).toMatchObject({ 'platform:validate': true, 'platform:synth': false });
    mkdirSync(join(copy, '.dist.old-1'));
    writeFileSync(join(copy, '.dist.old-1/leak.txt'), `${leakedKey}\n`);
    expect(changed()).toMatchObject({ 'platform:validate': true, 'platform:synth': false });
  }, 60_000);

  it('a change to the chart sources beside the repository (../shared/charts) changes synth, not validate', () => {
    writeFileSync(join(place, 'shared/charts/SHA256SUMS'), 'changed\n');
    expect(changed()).toMatchObject({ 'platform:validate': false, 'platform:synth': true });
  }, 60_000);
});
