// Pure comparison of two dist/ trees: field-level differences of objects, component.json and
// values.yaml, and the risks a reviewer must not miss. No I/O, no rendering.
import { isDeepStrictEqual } from 'node:util';
import { ClusterTree, ComponentTree, DistTree, KObject, isRecord } from './tree';

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
}

export interface ClusterDiff {
  readonly name: string;
  readonly status: Op;
  /** Files directly under dist/<cluster>/ (README.md). */
  readonly files: readonly FileChange[];
  readonly components: readonly ComponentDiff[];
}

export interface Risk {
  /** Short, capitalized: `Replicas lowered`. Risks sort by title first. */
  readonly title: string;
  readonly cluster: string;
  readonly component?: string;
  readonly object?: KObject;
  readonly file?: 'component.json' | 'values.yaml';
  readonly change?: FieldChange;
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
  const length = Math.max(before.length, after.length);
  return Array.from({ length }, (_, index) => diffEntry(before, after, index, [...path, { index }])).flat();
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
  return { clusters, risks: sortRisks(clusters.flatMap(clusterRisks)) };
}

function compareCluster(name: string, before: ClusterTree | undefined, after: ClusterTree | undefined): ClusterDiff {
  const b = before ?? EMPTY_CLUSTER;
  const a = after ?? EMPTY_CLUSTER;
  const components = unionKeys(b.components, a.components)
    .map((c) => compareComponent(name, c, b.components.get(c), a.components.get(c)))
    .filter((c) => !isEmptyComponentDiff(c));
  return { name, status: statusOf(before, after), files: compareFiles(b.files, a.files), components };
}

function compareComponent(cluster: string, name: string, before?: ComponentTree, after?: ComponentTree): ComponentDiff {
  const status = statusOf(before, after);
  const b = before ?? EMPTY_COMPONENT;
  const a = after ?? EMPTY_COMPONENT;
  const keys = unionKeys(b.objects, a.objects);
  const changed = keys
    .filter((k) => b.objects.has(k) && a.objects.has(k))
    .map((k) => ({
      before: b.objects.get(k)!,
      after: a.objects.get(k)!,
      fields: diffValues(b.objects.get(k)!.body, a.objects.get(k)!.body),
    }))
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
  };
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
  return cluster.components.flatMap(componentRisks);
}

function componentRisks(c: ComponentDiff): Risk[] {
  const at = { cluster: c.cluster, component: c.name };
  const risks: Risk[] = [];
  if (c.status === 'removed') {
    risks.push({
      ...at,
      title: 'Component removed',
      note: `Argo CD deletes its Application and prunes ${plural(c.removed.length, 'object')}`,
    });
  }
  risks.push(...removedObjectRisks(c).filter((r) => c.status !== 'removed' || r.title !== 'Object removed'));
  risks.push(...c.added.flatMap((o) => addedObjectRisks(o).map((r) => ({ ...at, ...r, object: o }))));
  risks.push(...c.changed.flatMap((o) => changedObjectRisks(o).map((r) => ({ ...at, ...r, object: o.after }))));
  risks.push(...componentJsonRisks(c.componentJson).map((r) => ({ ...at, ...r, file: 'component.json' as const })));
  risks.push(...valuesRisks(c.values).map((r) => ({ ...at, ...r, file: 'values.yaml' as const })));
  return risks;
}

type Finding = Pick<Risk, 'title' | 'change' | 'note'>;

/** What is lost when an object of this kind disappears, by kind. */
function removalFinding(o: KObject): Finding | undefined {
  if (o.kind === 'Namespace' && o.group === '') return { title: 'Namespace removed', note: 'Kubernetes deletes everything in it' };
  if (o.kind === 'CustomResourceDefinition')
    return { title: 'CustomResourceDefinition removed', note: 'Kubernetes deletes every object of this kind' };
  if (o.kind.endsWith('NetworkPolicy')) return { title: `${o.kind} removed`, note: 'the traffic it allowed or denied changes' };
  if (o.kind === 'AuthorizationPolicy') return { title: 'AuthorizationPolicy removed', note: 'the requests it allowed or denied change' };
  if (o.kind === 'PodDisruptionBudget') return { title: 'PodDisruptionBudget removed', note: 'evictions are no longer limited' };
  if (o.kind === 'PeerAuthentication' && mtlsModes(o).some(([, mode]) => mode === 'STRICT')) {
    return { title: 'STRICT PeerAuthentication removed', note: 'mTLS falls back to the namespace or mesh default' };
  }
  return undefined;
}

/**
 * One risk per removed object. A removed object whose group, kind and namespace match exactly one
 * added object of the component looks renamed: a rename is a remove + add, which breaks anything that
 * refers to the old name.
 */
function removedObjectRisks(c: ComponentDiff): Risk[] {
  const scope = (o: KObject) => [o.group, o.kind, o.namespace].join('\u0000');
  const count = (list: readonly KObject[], o: KObject) => list.filter((x) => scope(x) === scope(o)).length;
  return c.removed.map((o) => {
    const renamedTo = count(c.removed, o) === 1 && count(c.added, o) === 1 ? c.added.find((x) => scope(x) === scope(o)) : undefined;
    const finding = removalFinding(o);
    const renameNote = renamedTo && `renamed to \`${renamedTo.name}\`? anything that refers to the old name breaks`;
    const title = finding?.title ?? (renamedTo ? 'Object renamed' : 'Object removed');
    const note = renameNote ?? finding?.note ?? 'Argo CD prunes it; anything that refers to it by name breaks';
    return { title, note, cluster: c.cluster, component: c.name, object: o };
  });
}

function addedObjectRisks(o: KObject): Finding[] {
  if (o.kind !== 'PeerAuthentication') return [];
  return mtlsModes(o)
    .filter(([, mode]) => mode === 'PERMISSIVE' || mode === 'DISABLE')
    .map(([path, mode]) => ({ title: 'mTLS weakened', change: { path, op: 'added', after: mode }, note: 'new PeerAuthentication' }));
}

function changedObjectRisks(o: ObjectChange): Finding[] {
  return [...replicaRisks(o), ...pdbRisks(o), ...mtlsRisks(o), ...injectionRisks(o), ...imageRisks(o.fields), ...resourceRisks(o.fields)];
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
  return [
    ...at('chart.version').map((change) => ({ title: 'Chart version changed', change })),
    ...at('git.revision').map((change) => ({ title: 'Upstream git revision changed', change })),
  ];
}

function valuesRisks(fields: readonly FieldChange[]): Finding[] {
  const lowered = (f: FieldChange) => typeof f.before === 'number' && typeof f.after === 'number' && f.after < f.before;
  const replicas = fields
    .filter((f) => (f.path.at(-1) === 'replicas' || f.path.at(-1) === 'replicaCount') && lowered(f))
    .map((change) => ({ title: 'Replicas lowered', change }));
  return [...replicas, ...imageRisks(fields), ...resourceRisks(fields)];
}

function spec(o: KObject): Record<string, unknown> {
  return isRecord(o.body.spec) ? o.body.spec : {};
}

/** Risk titles, most severe first; a title not listed sorts last. */
const RISK_ORDER = [
  'Cluster removed',
  'Component removed',
  'Namespace removed',
  'CustomResourceDefinition removed',
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
  'Object renamed',
  'Object removed',
  'Chart version changed',
  'Upstream git revision changed',
  'Image changed',
];

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
