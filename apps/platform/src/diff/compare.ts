// Pure comparison of two dist/ trees: field-level differences of objects, component.json and
// values.yaml, and the risks a reviewer must not miss. No I/O, no rendering.
import { isDeepStrictEqual } from 'node:util';
import { DELETION_RISKS, RECREATION_RISKS, argoRisks } from './argocd-risks';
import { ArgoChanges, NO_ARGO_CHANGES, argoChanges } from './delivery';
import { ClusterTree, ComponentTree, DistTree, KObject, isRecord, objectKey, topLevelValue } from './tree';
import { ChartProvenance, ImageChange, chartOf, imageChanges } from './versions';

/** One step of a field path: an object key, an array index, or an array item by its `name`. */
export type Segment = string | { readonly index: number } | { readonly name: string };

export type Op = 'added' | 'removed' | 'changed';

/** A difference at one field path; `before`/`after` are undefined when the field is absent. */
export interface FieldChange {
  readonly path: readonly Segment[];
  readonly op: Op;
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface ObjectChange {
  readonly before: KObject;
  readonly after: KObject;
  readonly fields: readonly FieldChange[];
}

export interface FileChange {
  readonly file: string;
  readonly op: Op;
}

export interface ComponentDiff {
  readonly cluster: string;
  readonly name: string;
  readonly status: Op;
  /** Field changes of component.json and values.yaml; empty for added or removed components. */
  readonly componentJson: readonly FieldChange[];
  readonly values: readonly FieldChange[];
  readonly added: readonly KObject[];
  readonly removed: readonly KObject[];
  readonly changed: readonly ObjectChange[];
  /** Other files (not component.json, values.yaml or a parsable manifest). */
  readonly files: readonly FileChange[];
  /** The chart provenance of component.json on each side (undefined without a chart). */
  readonly chart: { readonly before?: ChartProvenance; readonly after?: ChartProvenance };
}

export interface ClusterDiff {
  readonly name: string;
  readonly status: Op;
  /** Files directly under dist/<cluster>/ (README.md). */
  readonly files: readonly FileChange[];
  readonly components: readonly ComponentDiff[];
  /** What Argo CD prunes, deletes and re-creates (nothing for a new or removed cluster). */
  readonly argocd: ArgoChanges;
}

export interface Risk {
  /** Short, capitalized: `Replicas lowered`. Risks sort by title first. */
  readonly title: string;
  readonly cluster: string;
  readonly component?: string;
  readonly object?: KObject;
  readonly file?: 'component.json' | 'values.yaml';
  readonly change?: FieldChange;
  /** An image repository whose versions change. */
  readonly image?: ImageChange;
  /** Several objects of one finding. */
  readonly objects?: readonly KObject[];
  readonly note?: string;
}

export interface DistDiff {
  readonly clusters: readonly ClusterDiff[];
  readonly risks: readonly Risk[];
}

// ---------------------------------------------------------------------------------------------
// Field-level differences

/** Differences between two JSON-like values, in path order (object keys sorted, array items in order). */
export function diffValues(before: unknown, after: unknown, path: readonly Segment[] = []): FieldChange[] {
  if (before === after) return []; // one parse shared by both trees (same text)
  if (isRecord(before) && isRecord(after)) return diffRecords(before, after, path);
  if (Array.isArray(before) && Array.isArray(after)) return diffArrays(before, after, path);
  return isDeepStrictEqual(before, after) ? [] : [{ path, op: 'changed', before, after }];
}

function diffRecords(before: Record<string, unknown>, after: Record<string, unknown>, path: readonly Segment[]): FieldChange[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.flatMap((key) => diffEntry(before, after, key, [...path, key]));
}

/** Compares `key` of two containers (an object key or an array index). */
function diffEntry(before: object, after: object, key: string | number, path: readonly Segment[]): FieldChange[] {
  const inBefore = Object.hasOwn(before, key);
  const inAfter = Object.hasOwn(after, key);
  const b = (before as Record<string, unknown>)[key];
  const a = (after as Record<string, unknown>)[key];
  if (!inBefore) return [{ path, op: 'added', after: a }];
  if (!inAfter) return [{ path, op: 'removed', before: b }];
  return diffValues(b, a, path);
}

function diffArrays(before: unknown[], after: unknown[], path: readonly Segment[]): FieldChange[] {
  const named = namesOf(before) && namesOf(after);
  if (named && (before.length > 0 || after.length > 0)) return diffNamedArrays(before, after, path);
  if (before.length * after.length > MAX_ALIGNED) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, index) => diffEntry(before, after, index, [...path, { index }])).flat();
  }
  return diffAlignedArrays(before, after, path);
}

/** Arrays longer than this (product of lengths) are compared index by index. */
const MAX_ALIGNED = 250_000;

/**
 * Arrays aligned on their longest common subsequence of equal items, so one item inserted or removed
 * is one change, not a change of every later index. Between two equal items, the k-th removed item
 * and the k-th added item are compared field by field (at the index of the added one); the rest are
 * removed (their index before) or added (their index after).
 */
function diffAlignedArrays(before: unknown[], after: unknown[], path: readonly Segment[]): FieldChange[] {
  const b = before.map((v) => JSON.stringify(v));
  const a = after.map((v) => JSON.stringify(v));
  // lcs[i][j]: length of the longest common subsequence of b[i..] and a[j..].
  const lcs = Array.from({ length: b.length + 1 }, () => new Array<number>(a.length + 1).fill(0));
  for (let i = b.length - 1; i >= 0; i--)
    for (let j = a.length - 1; j >= 0; j--) lcs[i][j] = b[i] === a[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const changes: FieldChange[] = [];
  let removed: number[] = [];
  let added: number[] = [];
  const flush = () => {
    const pairs = pairItems(before, after, removed, added);
    const pairedRemoved = new Set(pairs.map(([i]) => i));
    const pairedAdded = new Set(pairs.map(([, j]) => j));
    for (const i of removed.filter((i) => !pairedRemoved.has(i)))
      changes.push({ path: [...path, { index: i }], op: 'removed', before: before[i] });
    for (const [i, j] of pairs) changes.push(...diffValues(before[i], after[j], [...path, { index: j }]));
    for (const j of added.filter((j) => !pairedAdded.has(j))) changes.push({ path: [...path, { index: j }], op: 'added', after: after[j] });
    removed = [];
    added = [];
  };
  let i = 0;
  let j = 0;
  while (i < b.length || j < a.length) {
    if (i < b.length && j < a.length && b[i] === a[j]) {
      flush();
      i++;
      j++;
    } else if (j >= a.length || (i < b.length && lcs[i + 1][j] >= lcs[i][j + 1])) removed.push(i++);
    else added.push(j++);
  }
  flush();
  return changes;
}

/**
 * Which removed and added items between two equal ones are the same item changed: all of them in
 * order when there are as many of each, else each added item with the first later removed one that
 * shares the most top-level entries (none shared: no pair).
 */
function pairItems(before: unknown[], after: unknown[], removed: number[], added: number[]): [number, number][] {
  if (removed.length === added.length) return removed.map((i, k) => [i, added[k]]);
  const shared = (x: unknown, y: unknown) =>
    isRecord(x) && isRecord(y) ? Object.keys(x).filter((k) => Object.hasOwn(y, k) && isDeepStrictEqual(x[k], y[k])).length : 0;
  const pairs: [number, number][] = [];
  let from = 0;
  for (const j of added) {
    let best = -1;
    let score = 0;
    for (let k = from; k < removed.length; k++) {
      const s = shared(before[removed[k]], after[j]);
      if (s > score) [best, score] = [k, s];
    }
    if (best === -1) continue;
    pairs.push([removed[best], j]);
    from = best + 1;
  }
  return pairs;
}

/** The `name` of every item when all items are objects with distinct string names, else undefined. */
function namesOf(items: unknown[]): string[] | undefined {
  const names = items.map((item) => (isRecord(item) && typeof item.name === 'string' ? item.name : undefined));
  if (names.some((n) => n === undefined) || new Set(names).size !== names.length) return undefined;
  return names as string[];
}

function diffNamedArrays(before: unknown[], after: unknown[], path: readonly Segment[]): FieldChange[] {
  const byName = (items: unknown[]) => Object.fromEntries(items.map((item) => [(item as { name: string }).name, item]));
  const b = byName(before);
  const a = byName(after);
  const names = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  const changes = names.flatMap((name) => diffEntry(b, a, name, [...path, { name }]));
  // Items present on both sides in another order: one change listing both orders.
  const order = (items: unknown[]) => namesOf(items)!.filter((n) => Object.hasOwn(a, n) && Object.hasOwn(b, n));
  if (!isDeepStrictEqual(order(before), order(after))) changes.push({ path, op: 'changed', before: order(before), after: order(after) });
  return changes;
}

// ---------------------------------------------------------------------------------------------
// Tree comparison

const EMPTY_COMPONENT: ComponentTree = { objects: new Map(), files: new Map() };
const EMPTY_CLUSTER: ClusterTree = { components: new Map(), files: new Map() };

/** Everything that differs between `base` and `head`, sorted, with its risks. */
export function compareTrees(base: DistTree, head: DistTree): DistDiff {
  const clusters = unionKeys(base, head)
    .map((name) => compareCluster(name, base.get(name), head.get(name)))
    .filter((c) => c.files.length > 0 || c.components.length > 0 || c.status !== 'changed');
  return { clusters, risks: sortRisks(mergeRisks(sortRisks(clusters.flatMap(clusterRisks)))) };
}

function compareCluster(name: string, before: ClusterTree | undefined, after: ClusterTree | undefined): ClusterDiff {
  const b = before ?? EMPTY_CLUSTER;
  const a = after ?? EMPTY_CLUSTER;
  const components = unionKeys(b.components, a.components)
    .map((c) => compareComponent(name, c, b.components.get(c), a.components.get(c)))
    .filter((c) => !isEmptyComponentDiff(c));
  const argocd = before && after ? argoChanges(name, before, after) : NO_ARGO_CHANGES;
  return { name, status: statusOf(before, after), files: compareFiles(b.files, a.files), components, argocd };
}

function compareComponent(cluster: string, name: string, before?: ComponentTree, after?: ComponentTree): ComponentDiff {
  const status = statusOf(before, after);
  const b = before ?? EMPTY_COMPONENT;
  const a = after ?? EMPTY_COMPONENT;
  const keys = unionKeys(b.objects, a.objects);
  const changed = keys
    .filter((k) => b.objects.has(k) && a.objects.has(k))
    .map((k) => {
      const [x, y] = [b.objects.get(k)!, a.objects.get(k)!];
      return { before: x, after: y, fields: diffObjects(x, y) };
    })
    .filter((c) => c.fields.length > 0);
  const both = status === 'changed';
  return {
    cluster,
    name,
    status,
    componentJson: both ? diffValues(b.componentJson ?? {}, a.componentJson ?? {}) : [],
    values: both ? diffValues(b.values ?? {}, a.values ?? {}) : [],
    added: keys.filter((k) => !b.objects.has(k)).map((k) => a.objects.get(k)!),
    removed: keys.filter((k) => !a.objects.has(k)).map((k) => b.objects.get(k)!),
    changed,
    files: compareFiles(b.files, a.files),
    chart: { before: chartOf(b.componentJson), after: chartOf(a.componentJson) },
  };
}

/**
 * Field changes between two versions of an object. The same text is the same object, and of objects
 * read key by key only the top-level keys whose text differs are parsed: unchanged chart objects are
 * never parsed, and a label bump parses only metadata.
 */
function diffObjects(x: KObject, y: KObject): FieldChange[] {
  if (x.source !== undefined && x.source === y.source) return [];
  if (!x.blocks || !y.blocks) return diffValues(x.body, y.body);
  const keys = [...new Set([...x.blocks.keys(), ...y.blocks.keys()])].sort();
  return keys.flatMap((key): FieldChange[] => {
    const [bx, by] = [x.blocks!.get(key), y.blocks!.get(key)];
    if (bx === by) return [];
    if (bx === undefined) return [{ path: [key], op: 'added', after: topLevelValue(y, key) }];
    if (by === undefined) return [{ path: [key], op: 'removed', before: topLevelValue(x, key) }];
    return diffValues(topLevelValue(x, key), topLevelValue(y, key), [key]);
  });
}

function isEmptyComponentDiff(c: ComponentDiff): boolean {
  const lists = [c.componentJson, c.values, c.added, c.removed, c.changed, c.files];
  return c.status === 'changed' && lists.every((l) => l.length === 0);
}

function compareFiles(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): FileChange[] {
  return unionKeys(before, after)
    .filter((f) => before.get(f) !== after.get(f))
    .map((file) => ({ file, op: statusOf(before.get(file), after.get(file)) }));
}

function statusOf(before: unknown, after: unknown): Op {
  if (before === undefined) return 'added';
  return after === undefined ? 'removed' : 'changed';
}

function unionKeys(a: ReadonlyMap<string, unknown>, b: ReadonlyMap<string, unknown>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort();
}

// ---------------------------------------------------------------------------------------------
// Risks

function clusterRisks(cluster: ClusterDiff): Risk[] {
  if (cluster.status === 'removed') {
    const objects = cluster.components.reduce((n, c) => n + c.removed.length, 0);
    const note = `${plural(cluster.components.length, 'component')} and ${plural(objects, 'object')} no longer in dist/`;
    return [{ title: 'Cluster removed', cluster: cluster.name, note }];
  }
  const delivered = new Set(cluster.argocd.deletions.map((d) => d.component));
  const undelivered = cluster.components
    .filter((c) => c.status === 'removed' && !delivered.has(c.name))
    .map((c) => ({
      title: 'Component removed',
      cluster: c.cluster,
      component: c.name,
      note: `no Application in dist/ syncs it: nothing deletes its ${plural(c.removed.length, 'object')}`,
    }));
  return [...argoRisks(cluster.name, cluster.argocd), ...undelivered, ...cluster.components.flatMap(componentRisks)];
}

function componentRisks(c: ComponentDiff): Risk[] {
  if (c.status !== 'changed') return [];
  const at = { cluster: c.cluster, component: c.name };
  const risks: Risk[] = [];
  for (const o of c.removed) {
    const finding = removalFinding(o);
    if (finding) risks.push({ ...at, ...finding, object: o });
  }
  risks.push(...c.added.flatMap((o) => addedObjectRisks(o).map((r) => ({ ...at, ...r, object: o }))));
  risks.push(...c.changed.flatMap((o) => changedObjectRisks(o).map((r) => ({ ...at, ...r, object: o.after }))));
  risks.push(...chartRisks(c).map((r) => ({ ...at, ...r, file: 'component.json' as const })));
  risks.push(...componentJsonRisks(c.componentJson).map((r) => ({ ...at, ...r, file: 'component.json' as const })));
  // A hydrated chart's images are read from its rendered objects; values.yaml says what it asks for.
  const images = c.chart.after === undefined;
  risks.push(...valuesRisks(c.values, images).map((r) => ({ ...at, ...r, file: 'values.yaml' as const })));
  const before = [...c.removed, ...c.changed.map((o) => o.before)];
  const after = [...c.added, ...c.changed.map((o) => o.after)];
  risks.push(...imageChanges(before, after).map((image) => ({ ...at, title: 'Image changed', image, objects: image.objects })));
  return risks;
}

type Finding = Pick<Risk, 'title' | 'change' | 'note'>;

/** What a removed object's kind takes with it (deletions that lose state are the delivery risks). */
function removalFinding(o: KObject): Finding | undefined {
  if (o.kind.endsWith('NetworkPolicy')) return { title: `${o.kind} removed`, note: 'the traffic it allowed or denied changes' };
  if (o.kind === 'AuthorizationPolicy') return { title: 'AuthorizationPolicy removed', note: 'the requests it allowed or denied change' };
  if (o.kind === 'PodDisruptionBudget') return { title: 'PodDisruptionBudget removed', note: 'evictions are no longer limited' };
  if (o.kind === 'PeerAuthentication' && mtlsModes(o).some(([, mode]) => mode === 'STRICT')) {
    return { title: 'STRICT PeerAuthentication removed', note: 'mTLS falls back to the namespace or mesh default' };
  }
  return undefined;
}

/** A chart version bump, or the same version from another source tree (chart.digest). */
function chartRisks(c: ComponentDiff): Finding[] {
  const field = (path: string) => c.componentJson.find((f) => f.path.join('.') === path);
  const version = field('chart.version') ?? field('chart');
  const digest = field('chart.digest');
  const objects = c.added.length + c.removed.length + c.changed.length;
  const rendered = `${plural(objects, 'rendered object')} change`;
  if (version) {
    const digestNote = digest ? `, digest ${short(digest.before)} → ${short(digest.after)}` : '';
    return [{ title: 'Chart version changed', change: version, note: `${rendered}${digestNote}` }];
  }
  if (digest) {
    const chart = c.chart.after?.version;
    const source = digest.before === undefined ? 'now pinned by its tree digest' : 'from another source tree';
    return [{ title: 'Chart source changed', change: digest, note: `same version${chart ? ` ${chart}` : ''} ${source}; ${rendered}` }];
  }
  return [];
}

function short(digest: unknown): string {
  return typeof digest === 'string' ? digest.slice(0, 12) : '(none)';
}

function addedObjectRisks(o: KObject): Finding[] {
  if (o.kind !== 'PeerAuthentication') return [];
  return mtlsModes(o)
    .filter(([, mode]) => mode === 'PERMISSIVE' || mode === 'DISABLE')
    .map(([path, mode]) => ({ title: 'mTLS weakened', change: { path, op: 'added', after: mode }, note: 'new PeerAuthentication' }));
}

function changedObjectRisks(o: ObjectChange): Finding[] {
  return [...replicaRisks(o), ...pdbRisks(o), ...mtlsRisks(o), ...injectionRisks(o), ...resourceRisks(o.fields)];
}

/** A Namespace that loses its Istio sidecar injection label: its pods, once restarted, run without mTLS. */
function injectionRisks({ after, fields }: ObjectChange): Finding[] {
  if (after.kind !== 'Namespace' || after.group !== '') return [];
  const label = (f: FieldChange) => (f.path.length === 3 && f.path[0] === 'metadata' && f.path[1] === 'labels' ? f.path[2] : undefined);
  return fields
    .filter((f) => (label(f) === 'istio-injection' && f.before === 'enabled') || (label(f) === 'istio.io/rev' && f.op === 'removed'))
    .map((change) => ({
      title: 'Sidecar injection disabled',
      change,
      note: 'pods started from now on run without the mesh sidecar and its mTLS',
    }));
}

function replicaRisks({ before, after, fields }: ObjectChange): Finding[] {
  if (after.kind !== 'Deployment' && after.kind !== 'StatefulSet') return [];
  const replicas = (o: KObject) => spec(o).replicas ?? 1; // the API server's default
  if (!(typeof replicas(before) === 'number' && typeof replicas(after) === 'number' && replicas(after) < replicas(before))) return [];
  const change = fields.find((f) => f.path.join('.') === 'spec.replicas');
  return [{ title: 'Replicas lowered', change }];
}

function pdbRisks({ after, fields }: ObjectChange): Finding[] {
  if (after.kind !== 'PodDisruptionBudget') return [];
  const field = (name: string) => fields.find((f) => f.path.length === 2 && f.path[0] === 'spec' && f.path[1] === name);
  const min = field('minAvailable');
  const max = field('maxUnavailable');
  const findings: Finding[] = [];
  if (min && min.op !== 'added' && !(compareBudget(min.after, min.before) > 0))
    findings.push({ title: 'PodDisruptionBudget minAvailable lowered', change: min });
  if (max && max.op !== 'removed' && !(compareBudget(max.after, max.before) < 0))
    findings.push({ title: 'PodDisruptionBudget maxUnavailable raised', change: max });
  return findings;
}

/** Compares two budget values (integers or percentages): negative, 0, positive; NaN when not comparable. */
function compareBudget(a: unknown, b: unknown): number {
  const parse = (v: unknown) =>
    typeof v === 'number'
      ? { n: v, pct: false }
      : typeof v === 'string' && /^\d+%$/.test(v)
        ? { n: parseInt(v, 10), pct: true }
        : undefined;
  const x = parse(a);
  const y = parse(b);
  return x && y && x.pct === y.pct ? x.n - y.n : NaN;
}

/** `[path, mode]` of every mTLS mode of a PeerAuthentication. */
function mtlsModes(o: KObject): [Segment[], string][] {
  const s = spec(o);
  const modes: [Segment[], string][] = [];
  if (isRecord(s.mtls) && typeof s.mtls.mode === 'string') modes.push([['spec', 'mtls', 'mode'], s.mtls.mode]);
  const ports = isRecord(s.portLevelMtls) ? s.portLevelMtls : {};
  for (const port of Object.keys(ports).sort()) {
    const mode = isRecord(ports[port]) ? ports[port].mode : undefined;
    if (typeof mode === 'string') modes.push([['spec', 'portLevelMtls', port, 'mode'], mode]);
  }
  return modes;
}

function mtlsRisks({ before, after }: ObjectChange): Finding[] {
  if (after.kind !== 'PeerAuthentication') return [];
  const now = new Map(mtlsModes(after).map(([path, mode]) => [path.join('.'), mode]));
  return mtlsModes(before)
    .filter(([path, mode]) => mode === 'STRICT' && now.get(path.join('.')) !== 'STRICT')
    .map(([path, mode]) => {
      const next = now.get(path.join('.'));
      const change: FieldChange =
        next === undefined ? { path, op: 'removed', before: mode } : { path, op: 'changed', before: mode, after: next };
      return { title: 'mTLS weakened', change };
    });
}

const IMAGE_KEY = /^(image|images)$|Image$/;

function imageRisks(fields: readonly FieldChange[]): Finding[] {
  return fields
    .filter((f) => f.path.some((s) => typeof s === 'string' && IMAGE_KEY.test(s)))
    .map((change) => ({ title: 'Image changed', change }));
}

/** A removed `resources`, `resources.requests|limits` or one of their entries. */
function resourceRisks(fields: readonly FieldChange[]): Finding[] {
  const isResources = (path: readonly Segment[]) => {
    const i = path.lastIndexOf('resources');
    const rest = path.slice(i + 1);
    return i !== -1 && rest.length <= 2 && (rest.length === 0 || rest[0] === 'requests' || rest[0] === 'limits');
  };
  return fields
    .filter((f) => (f.op === 'removed' || (f.op === 'changed' && f.after === null)) && isResources(f.path))
    .map((change) => ({ title: 'Resources removed', change }));
}

function componentJsonRisks(fields: readonly FieldChange[]): Finding[] {
  const at = (path: string) => fields.filter((f) => f.path.join('.') === path);
  return at('git.revision').map((change) => ({ title: 'Upstream git revision changed', change }));
}

function valuesRisks(fields: readonly FieldChange[], images: boolean): Finding[] {
  const lowered = (f: FieldChange) => typeof f.before === 'number' && typeof f.after === 'number' && f.after < f.before;
  const replicas = fields
    .filter((f) => (f.path.at(-1) === 'replicas' || f.path.at(-1) === 'replicaCount') && lowered(f))
    .map((change) => ({ title: 'Replicas lowered', change }));
  return [...replicas, ...(images ? imageRisks(fields) : []), ...resourceRisks(fields)];
}

function spec(o: KObject): Record<string, unknown> {
  return isRecord(o.body.spec) ? o.body.spec : {};
}

/** Risk titles, most severe first; a title not listed sorts last. */
const RISK_ORDER = [
  'Cluster removed',
  ...DELETION_RISKS,
  'STRICT PeerAuthentication removed',
  'mTLS weakened',
  'Sidecar injection disabled',
  'NetworkPolicy removed',
  'AuthorizationPolicy removed',
  'PodDisruptionBudget removed',
  'PodDisruptionBudget minAvailable lowered',
  'PodDisruptionBudget maxUnavailable raised',
  'Replicas lowered',
  'Resources removed',
  ...RECREATION_RISKS,
  'Chart version changed',
  'Chart source changed',
  'Upstream git revision changed',
  'Image changed',
];

/**
 * One risk per object (the most severe title; the other notes appended), then one risk for the
 * objects of a component that share a title and note: eleven deleted Namespaces are one line.
 * `risks` are sorted.
 */
function mergeRisks(risks: readonly Risk[]): Risk[] {
  const objectOnly = (r: Risk) => r.object !== undefined && r.change === undefined && r.image === undefined;
  const at = (r: Risk, ...more: string[]) => [r.cluster, r.component ?? '', ...more].join('\u0000');
  const byObject = new Map<string, Risk>();
  const merged: Risk[] = [];
  for (const r of risks) {
    if (!objectOnly(r)) {
      merged.push(r);
      continue;
    }
    const key = at(r, objectKey(r.object!));
    const first = byObject.get(key);
    if (!first) {
      byObject.set(key, r);
      merged.push(r);
    } else if (r.note && !first.note?.includes(r.note)) {
      const combined = { ...first, note: first.note ? `${first.note}; ${r.note}` : r.note };
      merged[merged.indexOf(first)] = combined;
      byObject.set(key, combined);
    }
  }
  const groups = new Map<string, Risk>();
  const out: Risk[] = [];
  for (const r of merged) {
    if (!objectOnly(r)) {
      out.push(r);
      continue;
    }
    const key = at(r, r.title, r.note ?? '');
    const group = groups.get(key);
    if (!group) {
      groups.set(key, r);
      out.push(r);
      continue;
    }
    const { object, ...rest } = group;
    const next: Risk = { ...rest, objects: [...(rest.objects ?? [object!]), r.object!] };
    out[out.indexOf(group)] = next;
    groups.set(key, next);
  }
  return out;
}

function riskRank(title: string): number {
  const rank = RISK_ORDER.indexOf(title.endsWith('NetworkPolicy removed') ? 'NetworkPolicy removed' : title);
  return rank === -1 ? RISK_ORDER.length : rank;
}

function sortRisks(risks: Risk[]): Risk[] {
  const key = (r: Risk) =>
    [
      String(riskRank(r.title)).padStart(3, '0'),
      r.title,
      r.cluster,
      r.component ?? '',
      r.file ?? '',
      r.object ? [r.object.kind, r.object.namespace, r.object.name, r.object.group].join('/') : '',
      (r.objects ?? []).map((o) => [o.kind, o.namespace, o.name].join('/')).join(','),
      r.image?.repository ?? '',
      JSON.stringify(r.change?.path ?? []),
    ].join('\u0000');
  return risks
    .map((r) => [key(r), r] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, r]) => r);
}

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
