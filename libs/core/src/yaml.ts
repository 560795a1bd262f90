import { stringify } from 'yaml';

/** Keys that lead, in this order, wherever they appear; every other key is sorted. */
const LEADING_KEYS = ['apiVersion', 'kind', 'metadata', 'name', 'namespace'];

function compareKeys(a: string, b: string): number {
  const ia = LEADING_KEYS.indexOf(a);
  const ib = LEADING_KEYS.indexOf(b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? LEADING_KEYS.length : ia) - (ib === -1 ? LEADING_KEYS.length : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Returns a deep copy with object keys in the canonical order (apiVersion, kind, metadata, name,
 * namespace first, the rest sorted by code point) and `undefined` members dropped. Arrays keep
 * their order: it is meaningful (containers, rules).
 */
export function canonicalize<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => canonicalize(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(compareKeys)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = canonicalize(v);
  }
  return out as T;
}

/**
 * YAML as Kubernetes reads it. YAML 1.1 rules quote strings such as "on", "yes" or "0777" that a
 * YAML 1.1 reader (Go's yaml, hence kubectl and Helm) would otherwise turn into booleans or numbers.
 * No line folding, so long strings stay greppable.
 */
export function toYaml(value: unknown): string {
  return stringify(canonicalize(value), { version: '1.1', lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}

/** Pretty JSON with a trailing newline, keys in the order the value was built (deterministic in our code). */
export function toJsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
