import {
  ClusterDefinition,
  ComposedCluster,
  Problem,
  RenderedCluster,
  SynthError,
  WriteResult,
  chartRequests,
  composeCluster,
  distFiles,
  finishCluster,
  loadYamlMemo,
  usedYamlMemo,
  writeDistAtomically,
} from '@platform/core';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HydrateOptions, hydrate } from './hydrate';

/** A cluster file and what it exports. */
export interface ClusterModule {
  /** Path relative to the repository root, e.g. `clusters/dev.ts`. */
  readonly file: string;
  /** The module's exports (`default` is the ClusterDefinition). */
  readonly exports: { default?: ClusterDefinition };
}

export interface RenderAllResult {
  readonly clusters: RenderedCluster[];
  /** helm renders run, and renders served from the cache. */
  readonly rendered: number;
  readonly cached: number;
}

/**
 * Renders every cluster: composes them all, renders every chart they need (cached, in parallel),
 * then completes them. Problems of all clusters are collected; if any, throws one SynthError with
 * all of them and writes nothing.
 */
export async function renderAll(modules: readonly ClusterModule[], options: HydrateOptions): Promise<RenderAllResult> {
  const problems: Problem[] = [];
  const composed: ComposedCluster[] = [];
  const owners = new Map<string, string>();
  for (const m of [...modules].sort((a, b) => (a.file < b.file ? -1 : 1))) {
    try {
      const cluster = composeCluster(m.exports.default as ClusterDefinition, m.file);
      const owner = owners.get(cluster.spec.name);
      if (owner) {
        problems.push({
          file: m.file,
          path: 'spec.name',
          message: `got "${cluster.spec.name}", which ${owner} already uses: cluster names are unique (they name dist/<cluster>/)`,
        });
        continue;
      }
      owners.set(cluster.spec.name, m.file);
      composed.push(cluster);
    } catch (error) {
      if (error instanceof SynthError) problems.push(...error.problems);
      else problems.push({ file: m.file, path: 'default export', message: error instanceof Error ? error.message : String(error) });
    }
  }
  if (modules.length === 0) problems.push({ file: 'clusters/', path: '', message: 'no cluster files found: add clusters/<name>.ts' });
  if (problems.length > 0) throw new SynthError(problems);

  const charts = await hydrate(composed.flatMap(chartRequests), options);
  const clusters: RenderedCluster[] = [];
  for (const cluster of composed) {
    try {
      clusters.push(finishCluster(cluster, charts.objects));
    } catch (error) {
      if (error instanceof SynthError) problems.push(...error.problems);
      else throw error;
    }
  }
  if (problems.length > 0) throw new SynthError(problems);
  return { clusters, rendered: charts.rendered, cached: charts.cached };
}

export interface SynthResult extends WriteResult, Omit<RenderAllResult, 'clusters'> {
  /** Every file of dist, relative to outDir. */
  readonly files: Map<string, string>;
}

/** Renders all clusters and replaces `outDir` atomically (nothing is written when nothing changed). */
export async function synthesize(
  modules: readonly ClusterModule[],
  outDir: string,
  options: HydrateOptions,
  distPath = 'dist',
): Promise<SynthResult> {
  const { clusters, rendered, cached } = await renderAll(modules, options);
  const memo = join(options.root, '.cache', 'yaml-memo.json');
  const before = readMemo(memo);
  loadYamlMemo(before);
  const files = distFiles(clusters, distPath);
  const result = writeDistAtomically(outDir, files);
  saveMemo(memo, before, usedYamlMemo());
  return { ...result, files, rendered, cached };
}

/** The YAML memo of the last synth (see toYamlMemo); unreadable means empty. */
function readMemo(file: string): Record<string, string> | undefined {
  try {
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
  } catch {
    return undefined;
  }
}

/** Saves what this synth used, only when it differs from what was loaded. */
function saveMemo(file: string, before: Record<string, string> | undefined, used: Record<string, string>): void {
  const keys = Object.keys(used);
  if (before && keys.length === Object.keys(before).length && keys.every((k) => k in before)) return;
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(used));
  renameSync(`${file}.${process.pid}.tmp`, file);
}
