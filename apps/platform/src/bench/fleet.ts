import type { ClusterDefinition } from '@platform/core';
import type { ClusterModule } from '../synth';

/** Name of the i-th cluster (1-based) of a fleet: `bench-001`; wider when the fleet has 1000 or more. */
export function fleetClusterName(i: number, size: number): string {
  return `bench-${String(i).padStart(Math.max(3, String(size).length), '0')}`;
}

/**
 * A synthetic fleet of `size` clusters cloned from `definition`: the same spec with its own name
 * (`bench-001`, …) and domain (`bench-001.example.com`), and the same compose function, so every
 * cluster has the same components. Each is a ClusterModule as the synth program gets them, with a
 * virtual file `clusters/bench-001.ts` (which orders them in renderAll and names them in errors).
 *
 * Values a compose function takes from its own closure rather than from `platform.spec` (prod's
 * ACME DNS zone) stay those of the original cluster; that changes no object count or size.
 */
export function buildFleet(definition: ClusterDefinition, size: number): ClusterModule[] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`fleet size: got ${size}, expected an integer ≥ 1`);
  return Array.from({ length: size }, (_, n) => {
    const name = fleetClusterName(n + 1, size);
    const spec = { ...structuredClone(definition.spec), name, domain: `${name}.example.com` };
    return { file: `clusters/${name}.ts`, exports: { default: { spec, compose: definition.compose } } };
  });
}

/**
 * The fleet after one edit of one cluster's values: the first cluster's domain becomes
 * `<name>.<tag>.example.com`. The domain reaches exactly one chart's values (Argo CD's
 * `global.domain`) and that cluster's README, so a re-synth renders one chart and rewrites one
 * cluster's files. `tag` is a DNS label, distinct per measurement so each edit misses the cache.
 */
export function editFleet(fleet: readonly ClusterModule[], tag: string): ClusterModule[] {
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(tag)) throw new Error(`fleet edit: got ${JSON.stringify(tag)}, expected a DNS label`);
  if (fleet.length === 0) throw new Error('fleet edit: the fleet is empty');
  const [first, ...rest] = fleet;
  const definition = first.exports.default!;
  const spec = { ...definition.spec, domain: `${definition.spec.name}.${tag}.example.com` };
  return [{ file: first.file, exports: { default: { spec, compose: definition.compose } } }, ...rest];
}
