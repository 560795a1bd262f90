import { ClusterDefinition, Problem, RenderedCluster, SynthError, distFiles, renderCluster, writeDistAtomically } from '@platform/core';

/** A cluster file and what it exports. */
export interface ClusterModule {
  /** Path relative to the repository root, e.g. `clusters/dev.ts`. */
  readonly file: string;
  /** The module's exports (`default` is the ClusterDefinition). */
  readonly exports: { default?: ClusterDefinition };
}

/**
 * Renders every cluster. Problems of all clusters are collected; if any, throws one SynthError
 * with all of them and writes nothing.
 */
export function renderAll(modules: readonly ClusterModule[]): RenderedCluster[] {
  const problems: Problem[] = [];
  const clusters: RenderedCluster[] = [];
  const owners = new Map<string, string>();
  for (const m of [...modules].sort((a, b) => (a.file < b.file ? -1 : 1))) {
    try {
      const cluster = renderCluster(m.exports.default as ClusterDefinition, m.file);
      const owner = owners.get(cluster.name);
      if (owner) {
        problems.push({
          file: m.file,
          path: 'spec.name',
          message: `got "${cluster.name}", which ${owner} already uses: cluster names are unique (they name dist/<cluster>/)`,
        });
        continue;
      }
      owners.set(cluster.name, m.file);
      clusters.push(cluster);
    } catch (error) {
      if (error instanceof SynthError) problems.push(...error.problems);
      else problems.push({ file: m.file, path: 'default export', message: error instanceof Error ? error.message : String(error) });
    }
  }
  if (modules.length === 0) problems.push({ file: 'clusters/', path: '', message: 'no cluster files found: add clusters/<name>.ts' });
  if (problems.length > 0) throw new SynthError(problems);
  return clusters;
}

/** Renders all clusters and replaces `outDir` atomically. Returns the files written (relative to outDir). */
export function synthesize(modules: readonly ClusterModule[], outDir: string, distPath = 'dist'): Map<string, string> {
  const files = distFiles(renderAll(modules), distPath);
  writeDistAtomically(outDir, files);
  return files;
}
