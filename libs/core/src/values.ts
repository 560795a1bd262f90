/** Helm values are plain data: maps, lists and scalars. */
export type HelmValues = { readonly [key: string]: unknown };

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Deep-merges `extra` over `base`: maps merge key by key, anything else (lists included) is
 * replaced, as Helm merges values files. The escape hatch behind every component's
 * `additionalValues` prop, for chart values we do not type yet.
 */
export function mergeValues<T extends object>(base: T, extra?: HelmValues): T {
  if (!extra) return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(extra)) {
    out[key] = isMap(out[key]) && isMap(value) ? mergeValues(out[key] as object, value) : value;
  }
  return out as T;
}
