// Versions a change moves: the chart provenance of component.json (`chart.version`, `chart.digest`)
// and the image references of the rendered objects. Pure.
import { KObject, isRecord } from './tree';

export interface ChartProvenance {
  readonly chart?: string;
  readonly version?: string;
  readonly digest?: string;
}

/** `chart` of a component.json; undefined when the component renders no chart. */
export function chartOf(componentJson: unknown): ChartProvenance | undefined {
  const chart = isRecord(componentJson) && isRecord(componentJson.chart) ? componentJson.chart : undefined;
  if (!chart) return undefined;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { chart: text(chart.chart), version: text(chart.version), digest: text(chart.digest) };
}

/** An image reference split into repository and version (`tag`, `@digest` or both). */
export interface ImageRef {
  readonly repository: string;
  readonly version: string;
}

export function parseImage(ref: string): ImageRef {
  const at = ref.indexOf('@');
  const name = at === -1 ? ref : ref.slice(0, at);
  const digest = at === -1 ? '' : ref.slice(at);
  const colon = name.lastIndexOf(':');
  const tagged = colon > name.lastIndexOf('/');
  const repository = tagged ? name.slice(0, colon) : name;
  const tag = tagged ? name.slice(colon + 1) : '';
  return { repository, version: `${tag}${digest}` || '(untagged)' };
}

/** An argument that passes an image to a controller, as cert-manager's `--acme-http01-solver-image=…`. */
const IMAGE_ARG = /^--?[\w.-]*image[\w.-]*=(\S+[:@]\S+)$/i;

/** Every image an object runs or hands to a controller: `image` fields anywhere, and `--…image=` arguments. */
export function imagesOf(o: KObject): string[] {
  const found = new Set<string>();
  const walk = (value: unknown, key: string | undefined) => {
    if (Array.isArray(value)) {
      for (const item of value) {
        if ((key === 'args' || key === 'command') && typeof item === 'string') {
          const match = IMAGE_ARG.exec(item);
          if (match) found.add(match[1]);
        } else walk(item, undefined);
      }
    } else if (isRecord(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (k === 'image' && typeof v === 'string' && v !== '') found.add(v);
        else walk(v, k);
      }
    }
  };
  // CRD schemas describe `image` fields, they run nothing.
  if (o.kind !== 'CustomResourceDefinition') walk(o.body, undefined);
  return [...found].sort();
}

/** One repository whose versions differ between two sets of objects. */
export interface ImageChange {
  readonly repository: string;
  readonly before: readonly string[];
  readonly after: readonly string[];
  /** The objects of the head that run one of the new versions. */
  readonly objects: readonly KObject[];
}

/** Repositories run on both sides whose versions differ. */
export function imageChanges(before: Iterable<KObject>, after: Iterable<KObject>): ImageChange[] {
  const index = (objects: Iterable<KObject>) => {
    const map = new Map<string, Map<string, KObject[]>>();
    for (const o of objects) {
      for (const ref of imagesOf(o)) {
        const { repository, version } = parseImage(ref);
        if (!map.has(repository)) map.set(repository, new Map());
        const versions = map.get(repository)!;
        versions.set(version, [...(versions.get(version) ?? []), o]);
      }
    }
    return map;
  };
  const b = index(before);
  const a = index(after);
  const changes: ImageChange[] = [];
  for (const repository of [...b.keys()].filter((r) => a.has(r)).sort()) {
    const was = [...b.get(repository)!.keys()].sort();
    const is = [...a.get(repository)!.keys()].sort();
    if (was.join('\n') === is.join('\n')) continue;
    const objects = is.filter((v) => !was.includes(v)).flatMap((v) => a.get(repository)!.get(v)!);
    changes.push({ repository, before: was, after: is, objects: [...new Set(objects)] });
  }
  return changes;
}
