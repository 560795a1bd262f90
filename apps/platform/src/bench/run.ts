import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ClusterDefinition, distFiles, writeDistAtomically } from '@platform/core';
import { renderAll } from '../synth';
import { buildFleet } from './fleet';

/** What one fleet run measured in its own process (what a child prints as JSON on stdout). */
export interface FleetStats {
  readonly clusters: number;
  /** Kubernetes objects rendered, summed over every component of every cluster. */
  readonly objects: number;
  readonly files: number;
  readonly bytes: number;
  /** From process start until the fleet starts rendering: Node's start plus loading the bundle. */
  readonly startupMs: number;
  /** renderAll: validate specs, compose, waves, validations, toJson. */
  readonly renderMs: number;
  /** distFiles: YAML/JSON text of every file, READMEs. */
  readonly serializeMs: number;
  /** writeDistAtomically into the output directory. */
  readonly writeMs: number;
  /** renderMs + serializeMs + writeMs. */
  readonly synthMs: number;
  /** Peak resident set size of this process (process.resourceUsage().maxRSS), KiB. */
  readonly maxRssKiB: number;
}

/** Path (relative to the output directory) and size in bytes of every file written. */
export type Layout = [path: string, bytes: number][];

const msSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/**
 * Synthesizes a fleet of `size` clones of `definition` into `outDir` in this process, through the
 * synth program's own steps (renderAll, distFiles, writeDistAtomically), and measures each step.
 */
export function runFleet(definition: ClusterDefinition, size: number, outDir: string): { stats: FleetStats; layout: Layout } {
  const startupMs = performance.now();
  const modules = buildFleet(definition, size);
  const t0 = process.hrtime.bigint();
  const clusters = renderAll(modules);
  const renderMs = msSince(t0);
  const t1 = process.hrtime.bigint();
  const files = distFiles(clusters);
  const serializeMs = msSince(t1);
  const t2 = process.hrtime.bigint();
  writeDistAtomically(outDir, files);
  const writeMs = msSince(t2);

  let objects = 0;
  for (const cluster of clusters) for (const c of cluster.components) objects += c.objects.length;
  const layout: Layout = [...files].map(([path, content]) => [path, Buffer.byteLength(content)]);
  const stats: FleetStats = {
    clusters: clusters.length,
    objects,
    files: files.size,
    bytes: layout.reduce((sum, [, bytes]) => sum + bytes, 0),
    startupMs,
    renderMs,
    serializeMs,
    writeMs,
    synthMs: renderMs + serializeMs + writeMs,
    maxRssKiB: process.resourceUsage().maxRSS,
  };
  return { stats, layout };
}

export const CHILD_USAGE = 'usage: node <bench bundle> --fleet <clusters> --out <dir> [--layout <file>]';

/**
 * A benchmark child: `--fleet N --out DIR [--layout FILE]` synthesizes one fleet, prints its
 * FleetStats as one JSON line on stdout and, with --layout, writes the Layout of the files as JSON.
 * Returns the exit code; never throws.
 */
export function childMain(argv: readonly string[], definition: ClusterDefinition): number {
  let size: number | undefined;
  let out: string | undefined;
  let layoutFile: string | undefined;
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--fleet' && value) size = Number(value);
    else if (flag === '--out' && value) out = resolve(value);
    else if (flag === '--layout' && value) layoutFile = resolve(value);
    else {
      console.error(`bench child: unknown argument ${JSON.stringify(flag)}\n${CHILD_USAGE}`);
      return 2;
    }
  }
  if (size === undefined || !Number.isInteger(size) || size < 1 || !out) {
    console.error(`bench child: --fleet <integer ≥ 1> and --out <dir> are required\n${CHILD_USAGE}`);
    return 2;
  }
  try {
    const { stats, layout } = runFleet(definition, size, out);
    if (layoutFile) writeFileSync(layoutFile, JSON.stringify(layout));
    process.stdout.write(`${JSON.stringify(stats)}\n`);
    return 0;
  } catch (error) {
    console.error(`bench child: fleet of ${size} failed:`, error instanceof Error ? error.message : error);
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
const filler = Buffer.alloc(Math.max(0, ...layout.map(([, bytes]) => bytes)), 'x');
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
