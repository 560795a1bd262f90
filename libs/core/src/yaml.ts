import { createHash } from 'node:crypto';
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

/**
 * Memo of toYaml() by the JSON of the value: chart objects are large (CRDs of several hundred
 * kilobytes) and the same in every cluster, and the YAML of an unchanged object never changes.
 * Synth persists it between runs (loadYamlMemo/saveYamlMemo), so an unchanged synth stringifies
 * nothing twice.
 */
const yamlMemo = new Map<string, string>();
let memoUsed = new Set<string>();

/** Values exercising what the writer decides (YAML 1.1 quoting, ordering, folding, nesting). */
const PROBE = {
  kind: 'Probe',
  metadata: { name: 'p' },
  a: ['on', 'yes', '0777', '1e3', 'x'.repeat(120), 'a\nb', '', null, 1.5],
  z: { '': [{}] },
};

/**
 * Identity of the YAML writer: our code and what the `yaml` library makes of a probe. Part of
 * every memo key, so a change of either never serves bytes another writer produced.
 */
const WRITER = createHash('sha256')
  .update([toYaml, canonicalize, compareKeys].map(String).join('\0'))
  .update(JSON.stringify(LEADING_KEYS))
  .update(toYaml(PROBE))
  .digest('base64url');

/** toYaml(), memoized by the value's content and the writer's identity. */
export function toYamlMemo(value: unknown): string {
  const key = createHash('sha256').update(WRITER).update(JSON.stringify(value)).digest('base64url');
  memoUsed.add(key);
  let text = yamlMemo.get(key);
  if (text === undefined) {
    text = toYaml(value);
    yamlMemo.set(key, text);
  }
  return text;
}

/** Loads a memo saved by saveYamlMemo (a missing or unreadable file is an empty memo). */
export function loadYamlMemo(entries: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(entries ?? {})) if (typeof v === 'string' && !yamlMemo.has(k)) yamlMemo.set(k, v);
}

/** The memo entries used since the last call (what the next run will need), and resets the usage. */
export function usedYamlMemo(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...memoUsed].sort()) out[k] = yamlMemo.get(k)!;
  memoUsed = new Set();
  return out;
}
