/**
 * Small helpers shared by the schema checks: JSON pointers, object names, hashes, atomic cache
 * writes and "did you mean" suggestions (paths and values in messages: formatPath and showValue of
 * @platform/core). No check logic lives here.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Hashing and atomic cache writes: the pinned-file reader's, so there is one of each. */
export { sha256, writeFileAtomic } from '../../../../scripts/pinned-files.mjs';

/** Nearest ancestor of `start` (inclusive) holding a package.json; `start` itself if there is none. */
export function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && !dir.split(/[\\/]/).includes('node_modules')) return dir;
    const parent = dirname(dir);
    if (parent === dir) return start;
    dir = parent;
  }
}

/** Segments of a JSON pointer (`/spec/template/0`), unescaped; all-digit ones as numbers (array indices, for formatPath). */
export function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** `Kind/namespace/name`, or `Kind/name` for objects without a namespace. */
export function objectRef(object: { kind?: unknown; metadata?: unknown }): string {
  const kind = typeof object.kind === 'string' ? object.kind : '(no kind)';
  const meta = isRecord(object.metadata) ? object.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '(no name)';
  return typeof meta.namespace === 'string' && meta.namespace !== '' ? `${kind}/${meta.namespace}/${name}` : `${kind}/${name}`;
}

/** Lists allowed names for a message, cut when long. */
export function listNames(names: readonly string[], max = 12): string {
  const sorted = [...names].sort();
  return sorted.length > max ? `${sorted.slice(0, max).join(', ')}, ... (${sorted.length} in all)` : sorted.join(', ');
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

/** The closest candidate to a misspelt name, if one is close enough to be a likely typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  const limit = Math.max(1, Math.floor(name.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** Deterministic comparison that does not depend on the machine's locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The value with every object property whose value is null removed, at any depth (array items are
 * kept). The API server reads a null field as absent (and prunes nulls from custom resources), so
 * the schema check does too: `annotations: null` passes, a required field set to null is missing.
 * Returns the value itself when it holds no such property.
 */
export function withoutNulls<T>(value: T): T {
  if (!hasNullProperty(value)) return value;
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (!isRecord(v)) return v;
    const out: Json = {};
    for (const [key, item] of Object.entries(v)) if (item !== null) out[key] = strip(item);
    return out;
  };
  return strip(value) as T;
}

function hasNullProperty(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasNullProperty);
  if (!isRecord(value)) return false;
  for (const item of Object.values(value)) if (item === null || hasNullProperty(item)) return true;
  return false;
}
