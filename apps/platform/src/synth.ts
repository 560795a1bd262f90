import {
  ClusterDefinition,
  ComposedCluster,
  DNS1123_LABEL,
  Problem,
  RenderedCluster,
  SynthError,
  WriteResult,
  chartRequests,
  composeCluster,
  distFiles,
  finishCluster,
  loadYamlMemo,
  showValue,
  thrownMessage,
  usedYamlMemo,
  writeDistAtomically,
} from '@platform/core';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HydrateOptions, hydrate } from './hydrate';
import { writeFileAtomic } from '../../../scripts/pinned-files.mjs';

/** A cluster file and what it exports. */
export interface ClusterModule {
  /** Path relative to the repository root, e.g. `clusters/dev.ts`. */
  readonly file: string;
  /**
   * The module's exports (`default` is the ClusterDefinition). The synth bundle evaluates each
   * cluster module when this is first read, and reading it throws what the module's top level threw.
   */
  readonly exports: { default?: ClusterDefinition };
}

/** The default export of a cluster module, or the problem of a module whose top level threw. */
function loadDefinition(m: ClusterModule): { definition?: ClusterDefinition; problems: Problem[] } {
  try {
    return { definition: m.exports.default, problems: [] };
  } catch (error) {
    if (error instanceof SynthError) return { problems: error.problems.map((p) => (p.file === '' ? { ...p, file: m.file } : p)) };
    const what = error instanceof Error && error.name !== 'Error' ? `${error.name}: ${error.message}` : thrownMessage(error);
    const line = lineIn(error, m.file);
    return { problems: [{ file: m.file, path: 'module', message: `threw while loading${line ? ` (line ${line})` : ''}: ${what}` }] };
  }
}

/** The line of `file` where `error` was thrown, from its (source-mapped) stack, if it shows. */
function lineIn(error: unknown, file: string): string | undefined {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|[\\s(/])${escaped}:(\\d+):\\d+`, 'm').exec(stack)?.[1];
}

/**
 * The cluster name is the file name: `clusters/qa.ts` is cluster `qa`, whose `spec.name` must be
 * "qa", and the file name must be a DNS-1123 label.
 */
function clusterNameProblems(file: string, definition: unknown): Problem[] {
  const slash = file.lastIndexOf('/');
  const dir = file.slice(0, slash + 1);
  const base = file.slice(slash + 1).replace(/\.ts$/, '');
  const name: unknown = (definition as { spec?: { name?: unknown } } | undefined)?.spec?.name;
  const validName = typeof name === 'string' && DNS1123_LABEL.test(name) ? name : undefined;
  if (!DNS1123_LABEL.test(base)) {
    const renamed =
      validName ??
      (base
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 63) ||
        'my-cluster');
    return [
      {
        file,
        path: '',
        message: `got file name ${showValue(base)}, the cluster name is the file name and must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters): rename the file to ${dir}${renamed}.ts`,
      },
    ];
  }
  if (typeof name === 'string' && name !== base) {
    const rename = validName ? `rename the file to ${dir}${validName}.ts or ` : '';
    return [{ file, path: 'spec.name', message: `got ${showValue(name)}, the cluster name is the file name: ${rename}set name "${base}"` }];
  }
  return [];
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
  for (const m of [...modules].sort((a, b) => (a.file < b.file ? -1 : 1))) {
    const { definition, problems: loadProblems } = loadDefinition(m);
    if (loadProblems.length > 0) {
      problems.push(...loadProblems);
      continue;
    }
    // File names are unique, so cluster names are: they name dist/<cluster>/.
    const nameProblems = clusterNameProblems(m.file, definition);
    problems.push(...nameProblems);
    try {
      const cluster = composeCluster(definition as ClusterDefinition, m.file);
      if (nameProblems.length === 0) composed.push(cluster);
    } catch (error) {
      if (!(error instanceof SynthError)) {
        problems.push({ file: m.file, path: 'default export', message: thrownMessage(error) });
        continue;
      }
      // One rule, one message: the name rule above says what spec.name must be.
      problems.push(...error.problems.filter((p) => nameProblems.length === 0 || p.path !== 'spec.name'));
    }
  }
  if (modules.length === 0) problems.push({ file: 'clusters/', path: '', message: 'no cluster files: add clusters/<name>.ts' });
  if (problems.length > 0) throw new SynthError(problems);

  const charts = await hydrate(
    composed.flatMap(chartRequests),
    options,
    composed.flatMap((c) => c.platform.components),
  );
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
export function readMemo(file: string): Record<string, string> | undefined {
  try {
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
  } catch {
    return undefined;
  }
}

/** Saves what this synth used, only when it differs from what was loaded. */
export function saveMemo(file: string, before: Record<string, string> | undefined, used: Record<string, string>): void {
  const keys = Object.keys(used);
  if (before && keys.length === Object.keys(before).length && keys.every((k) => k in before)) return;
  writeFileAtomic(file, JSON.stringify(used));
}
