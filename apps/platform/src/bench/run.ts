import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ClusterDefinition, distFiles, loadYamlMemo, usedYamlMemo, writeDistAtomically } from '@platform/core';
import { readMemo, renderAll, saveMemo } from '../synth';
import { buildFleet, editFleet } from './fleet';

/** What one fleet run measured in its own process (what a child prints as JSON on stdout). */
export interface FleetStats {
  readonly clusters: number;
  /** Kubernetes objects rendered, summed over every component of every cluster. */
  readonly objects: number;
  readonly files: number;
  readonly bytes: number;
  /** Chart renders that ran helm, and renders served from the render cache (renderAll). */
  readonly rendered: number;
  readonly cached: number;
  /** Whether writeDistAtomically wrote (a new tree swapped in) or found the same tree in place. */
  readonly written: boolean;
  /** From process start until the fleet starts rendering: Node's start plus loading the bundle. */
  readonly startupMs: number;
  /** renderAll: validate specs, compose, hydrate every chart (helm or cache), waves, validations, toJson. */
  readonly renderMs: number;
  /** distFiles: YAML/JSON text of every file (through the YAML memo), READMEs. */
  readonly serializeMs: number;
  /** writeDistAtomically: compare with the existing tree, and when it differs write, swap and remove the old tree. */
  readonly writeMs: number;
  /** Reading the YAML memo before serializing and saving it after writing (only when it changed). */
  readonly memoMs: number;
  /** renderMs + serializeMs + writeMs + memoMs. */
  readonly synthMs: number;
  /** Peak resident set size of this process (process.resourceUsage().maxRSS), KiB; helm's processes are not included. */
  readonly maxRssKiB: number;
}

/** Path (relative to the output directory) and size in bytes of every file of the fleet. */
export type Layout = [path: string, bytes: number][];

/** One fleet synthesis: where it reads and writes. Never the repository's own dist/ or .cache/. */
export interface FleetRun {
  /** Repository root: chart sources and the helm binary are located from it (as by synth). */
  readonly root: string;
  readonly size: number;
  readonly outDir: string;
  /** The render cache (hydrate's `cacheDir`): the bench's own, so it neither fills nor empties the user's. */
  readonly rendersDir: string;
  /** The YAML memo file (synth's `<root>/.cache/yaml-memo.json`), the bench's own for the same reason. */
  readonly memoFile: string;
  /** `--charts-dir` of synth. */
  readonly chartsDir?: string;
  /** Edit one cluster's values first (see editFleet): a DNS label, distinct per run. */
  readonly edit?: string;
  /** Only clusters `from` to `to` (1-based, inclusive) of the fleet: fills the render cache in parallel slices. */
  readonly only?: readonly [from: number, to: number];
}

const msSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/**
 * Synthesizes a fleet of `size` clones of `definition` into `outDir` in this process, through the
 * steps of the synth program's synthesize() (renderAll with hydration, the YAML memo, distFiles,
 * writeDistAtomically, which replaces an existing tree or leaves an identical one alone), with the
 * bench's own render cache and memo, and measures each step.
 */
export async function runFleet(definition: ClusterDefinition, run: FleetRun): Promise<{ stats: FleetStats; layout: Layout }> {
  const startupMs = performance.now();
  let modules = buildFleet(definition, run.size);
  if (run.edit !== undefined) modules = editFleet(modules, run.edit);
  if (run.only) modules = modules.slice(run.only[0] - 1, run.only[1]);
  const t0 = process.hrtime.bigint();
  const { clusters, rendered, cached } = await renderAll(modules, {
    root: run.root,
    cacheDir: run.rendersDir,
    // The bench bounds its own cache (measure.ts): hydrate must not prune the warm fleet's renders.
    keepRenders: Infinity,
    ...(run.chartsDir !== undefined && { chartsDir: run.chartsDir }),
  });
  const renderMs = msSince(t0);
  const t1 = process.hrtime.bigint();
  const before = readMemo(run.memoFile);
  loadYamlMemo(before);
  const memoLoadMs = msSince(t1);
  const t2 = process.hrtime.bigint();
  const files = distFiles(clusters);
  const serializeMs = msSince(t2);
  const t3 = process.hrtime.bigint();
  const { written } = writeDistAtomically(run.outDir, files);
  const writeMs = msSince(t3);
  const t4 = process.hrtime.bigint();
  saveMemo(run.memoFile, before, usedYamlMemo());
  const memoMs = memoLoadMs + msSince(t4);

  let objects = 0;
  for (const cluster of clusters) for (const c of cluster.components) objects += c.objects.length;
  const layout: Layout = [...files].map(([path, content]) => [path, Buffer.byteLength(content)]);
  const stats: FleetStats = {
    clusters: clusters.length,
    objects,
    files: files.size,
    bytes: layout.reduce((sum, [, bytes]) => sum + bytes, 0),
    rendered,
    cached,
    written,
    startupMs,
    renderMs,
    serializeMs,
    writeMs,
    memoMs,
    synthMs: renderMs + serializeMs + writeMs + memoMs,
    maxRssKiB: process.resourceUsage().maxRSS,
  };
  return { stats, layout };
}

export const CHILD_USAGE =
  'usage: node <bench bundle> --fleet <clusters> --out <dir> --renders <dir> --memo <file>\n' +
  '         [--edit <label>] [--only <from>-<to>] [--charts-dir <dir>] [--layout <file>]';

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Parses a child's command line (values resolved against the working directory); returns a message for a bad one. */
export function parseChildArgs(argv: readonly string[], root: string): (FleetRun & { layoutFile?: string }) | { error: string } {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (!['--fleet', '--out', '--renders', '--memo', '--edit', '--only', '--charts-dir', '--layout'].includes(flag))
      return { error: `unknown argument ${JSON.stringify(flag)}` };
    if (!value) return { error: `${flag} needs a value` };
    flags.set(flag, value);
  }
  const size = Number(flags.get('--fleet'));
  if (!Number.isInteger(size) || size < 1)
    return { error: `--fleet: got ${JSON.stringify(flags.get('--fleet'))}, expected an integer ≥ 1` };
  for (const required of ['--out', '--renders', '--memo']) if (!flags.has(required)) return { error: `${required} is required` };
  const edit = flags.get('--edit');
  if (edit !== undefined && !LABEL.test(edit)) return { error: `--edit: got ${JSON.stringify(edit)}, expected a DNS label` };
  let only: [number, number] | undefined;
  const range = flags.get('--only');
  if (range !== undefined) {
    const m = /^(\d+)-(\d+)$/.exec(range);
    only = m ? [Number(m[1]), Number(m[2])] : undefined;
    if (!only || only[0] < 1 || only[1] < only[0] || only[1] > size)
      return { error: `--only: got ${JSON.stringify(range)}, expected <from>-<to> within 1-${size}` };
  }
  const path = (flag: string) => (flags.has(flag) ? resolve(flags.get(flag)!) : undefined);
  return {
    root,
    size,
    outDir: path('--out')!,
    rendersDir: path('--renders')!,
    memoFile: path('--memo')!,
    ...(path('--charts-dir') !== undefined && { chartsDir: path('--charts-dir') }),
    ...(edit !== undefined && { edit }),
    ...(only && { only }),
    ...(path('--layout') !== undefined && { layoutFile: path('--layout') }),
  };
}

/**
 * A benchmark child: synthesizes one fleet (see CHILD_USAGE and FleetRun), prints its FleetStats as
 * one JSON line on stdout and, with --layout, writes the Layout of the files as JSON. Resolves to
 * the exit code; never rejects.
 */
export async function childMain(argv: readonly string[], definition: ClusterDefinition, root: string): Promise<number> {
  const parsed = parseChildArgs(argv, root);
  if ('error' in parsed) {
    console.error(`bench child: ${parsed.error}\n${CHILD_USAGE}`);
    return 2;
  }
  try {
    const { stats, layout } = await runFleet(definition, parsed);
    if (parsed.layoutFile) writeFileSync(parsed.layoutFile, JSON.stringify(layout));
    process.stdout.write(`${JSON.stringify(stats)}\n`);
    return 0;
  } catch (error) {
    console.error(`bench child: fleet of ${parsed.size} failed:`, error instanceof Error ? error.message : error);
    return 1;
  }
}

/** What the plain-fs floor child prints. */
export interface PlainWriteStats {
  readonly writeMs: number;
  readonly maxRssKiB: number;
}

/**
 * The plain-fs floor, a script for `node -e PLAIN_WRITE_SCRIPT <layout.json> <outDir>`: writes a file of
 * the same size at every path of a Layout with mkdirSync + writeFileSync (no rendering, no bundle to
 * load) and prints PlainWriteStats as JSON. Plain JavaScript so the child loads nothing but Node.
 */
export const PLAIN_WRITE_SCRIPT = `
const fs = require('node:fs');
const path = require('node:path');
const [layoutFile, out] = process.argv.slice(1);
const layout = JSON.parse(fs.readFileSync(layoutFile, 'utf8'));
const filler = Buffer.alloc(layout.reduce((max, [, bytes]) => Math.max(max, bytes), 0), 'x');
const start = process.hrtime.bigint();
const made = new Set();
for (const [file, bytes] of layout) {
  const target = path.join(out, file);
  const dir = path.dirname(target);
  if (!made.has(dir)) {
    fs.mkdirSync(dir, { recursive: true });
    made.add(dir);
  }
  fs.writeFileSync(target, filler.subarray(0, bytes));
}
const writeMs = Number(process.hrtime.bigint() - start) / 1e6;
process.stdout.write(JSON.stringify({ writeMs, maxRssKiB: process.resourceUsage().maxRSS }) + '\\n');
`;

/** The node-start floor, for `node -e NODE_START_SCRIPT`: prints only its peak RSS. */
export const NODE_START_SCRIPT = `process.stdout.write(JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS }) + '\\n');`;
