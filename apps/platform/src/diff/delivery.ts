// What Argo CD does with a change to dist/ (ADR 0004): which Application syncs each object, read
// from the Applications and ApplicationSets in dist/ itself, and from that what is pruned, what the
// resources finalizer deletes or keeps, which waves move and which objects are re-created.
// Pure: no I/O. The rules (docs/adr/0004-argocd-delivery.md, "Argo CD facts this rests on"):
// - an Application prunes the objects removed from its source (automated prune), except
//   `Prune=false` (with `IgnoreExtraneous` the leftover keeps it Synced); `Prune=confirm` waits for a
//   person and holds the sync wave. `Delete=false` and helm `keep` do not stop pruning;
// - an ApplicationSet deletes the Applications it no longer generates, Kubernetes deletes those it
//   owns when it is deleted, and no other ApplicationSet adopts them;
// - a deleted Application's resources finalizer deletes its objects except CRDs, `Delete=false` and
//   helm `keep` objects, and nothing when the Application has the sync option `Delete=false`
//   (`Delete=confirm` waits for a person).
import { ClusterTree, KObject, isRecord, objectKey } from './tree';

export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
const COMPARE_OPTIONS = 'argocd.argoproj.io/compare-options';

/** An Application of a cluster, as dist/ defines it. */
export interface Application {
  readonly name: string;
  /** The ApplicationSet that generates it; undefined for an Application object in dist/ (the bootstrap). */
  readonly applicationSet?: string;
  /** Component and file of the Application object, for Applications in dist/. */
  readonly definedIn?: { readonly component: string; readonly object: KObject };
  /** Its resources finalizer deletes its objects when it is deleted. */
  readonly finalizer: boolean;
  /** Why it has no effective finalizer, when it has none. */
  readonly noFinalizer?: string;
  /** Automated sync prunes. */
  readonly autoPrune: boolean;
  /** The Application's own sync option `Delete=false`: its finalizer, if it gets one, deletes nothing. */
  readonly deleteFalse: boolean;
  /** What it syncs: a component's manifests/, filtered by directory include/exclude globs. */
  readonly sources: readonly Source[];
}

interface Source {
  readonly component: string;
  readonly include?: RegExp;
  readonly exclude?: RegExp;
}

/** Who syncs what in one cluster of one tree. */
export interface Delivery {
  readonly applications: ReadonlyMap<string, Application>;
  /** ApplicationSet objects by name, with their component. */
  readonly applicationSets: ReadonlyMap<string, Tracked>;
  /** Every object of the cluster that an Application syncs, by objectKey; the first Application wins. */
  readonly tracked: ReadonlyMap<string, Tracked>;
  /** Objects no Application syncs. */
  readonly untracked: readonly Tracked[];
  /** Components with a component.json, by name. */
  readonly components: ReadonlyMap<string, Record<string, unknown>>;
}

export interface Tracked {
  readonly object: KObject;
  readonly component: string;
  /** The Application that syncs it; undefined when none does. */
  readonly application?: string;
}

// ---------------------------------------------------------------------------------------------
// Reading the delivery of a cluster

/** The Applications of `cluster` (named `name`) and the objects each one syncs. */
export function deliveryOf(name: string, cluster: ClusterTree): Delivery {
  const all: { object: KObject; component: string }[] = [];
  const components = new Map<string, Record<string, unknown>>();
  for (const [component, tree] of [...cluster.components].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (isRecord(tree.componentJson)) components.set(component, tree.componentJson);
    for (const object of tree.objects.values()) all.push({ object, component });
  }
  const applications = new Map<string, Application>();
  const applicationSets = new Map<string, Tracked>();
  for (const { object, component } of all) {
    if (object.group !== 'argoproj.io') continue;
    if (object.kind === 'Application' && !applications.has(object.name)) {
      applications.set(object.name, plainApplication(name, component, object));
    }
    if (object.kind === 'ApplicationSet' && !applicationSets.has(object.name)) applicationSets.set(object.name, { object, component });
  }
  for (const { object } of applicationSets.values()) {
    for (const app of generatedApplications(name, object, components)) if (!applications.has(app.name)) applications.set(app.name, app);
  }
  const apps = [...applications.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  const tracked = new Map<string, Tracked>();
  const untracked: Tracked[] = [];
  for (const { object, component } of all) {
    const application = apps.find((app) => syncs(app, component, object))?.name;
    const key = objectKey(object);
    if (application === undefined) untracked.push({ object, component });
    else if (!tracked.has(key)) tracked.set(key, { object, component, application });
  }
  for (const [setName, set] of applicationSets) applicationSets.set(setName, tracked.get(objectKey(set.object)) ?? set);
  return { applications, applicationSets, tracked, untracked, components };
}

function syncs(app: Application, component: string, o: KObject): boolean {
  const file = o.file.replace(/^manifests\//, '');
  return app.sources.some((s) => s.component === component && (!s.include || s.include.test(file)) && !s.exclude?.test(file));
}

/** An Application object of dist/. */
function plainApplication(cluster: string, component: string, o: KObject): Application {
  const spec = record(o.body.spec);
  const finalizer = finalizersOf(o.body).some(isResourcesFinalizer);
  return {
    name: o.name,
    definedIn: { component, object: o },
    finalizer,
    noFinalizer: finalizer ? undefined : 'it has no resources finalizer',
    autoPrune: record(record(spec.syncPolicy).automated).prune === true,
    deleteFalse: array(record(spec.syncPolicy).syncOptions).includes('Delete=false'),
    sources: sourcesOf(cluster, spec, {}),
  };
}

/** The Applications an ApplicationSet generates from the cluster's component.json files (git files generators). */
function generatedApplications(cluster: string, set: KObject, components: ReadonlyMap<string, Record<string, unknown>>): Application[] {
  const spec = record(set.body.spec);
  const template = record(spec.template);
  const metadata = record(template.metadata);
  const preserve = record(spec.syncPolicy).preserveResourcesOnDeletion === true;
  const hasFinalizer = finalizersOf(template).some(isResourcesFinalizer);
  const templateSpec = record(template.spec);
  const apps: Application[] = [];
  for (const [component, json] of components) {
    if (!generates(cluster, spec, component, json)) continue;
    const params = flatten(json);
    const name = render(metadata.name, params) ?? component;
    const sources = sourcesOf(cluster, templateSpec, params);
    apps.push({
      name,
      applicationSet: set.name,
      finalizer: hasFinalizer && !preserve,
      noFinalizer: !hasFinalizer
        ? 'its ApplicationSet gives it no resources finalizer'
        : preserve
          ? 'its ApplicationSet sets preserveResourcesOnDeletion'
          : undefined,
      autoPrune: record(record(templateSpec.syncPolicy).automated).prune === true,
      // The template's sync options, and component.json's when the templatePatch copies them (ADR 0004).
      deleteFalse:
        array(record(templateSpec.syncPolicy).syncOptions).includes('Delete=false') ||
        (typeof spec.templatePatch === 'string' &&
          spec.templatePatch.includes('.syncOptions') &&
          array(json.syncOptions).includes('Delete=false')),
      sources: sources.length > 0 ? sources : [{ component }],
    });
  }
  return apps;
}

/** Whether one of the set's git files generators matches `component`'s component.json (paths and matchLabels). */
function generates(cluster: string, spec: Record<string, unknown>, component: string, json: Record<string, unknown>): boolean {
  const manifests = typeof json.manifests === 'string' ? json.manifests.replace(/\/+$/, '') : `dist/${cluster}/${component}/manifests`;
  const path = manifests.replace(/\/manifests$/, '/component.json');
  const params = flatten(json);
  return array(spec.generators).some((g) => {
    const files = array(record(record(g).git).files).map(record);
    const matches = (f: Record<string, unknown>) => typeof f.path === 'string' && globRegExp(f.path).test(path);
    const included = files.some((f) => f.exclude !== true && matches(f));
    const excluded = files.some((f) => f.exclude === true && matches(f));
    const labels = record(record(record(g).selector).matchLabels);
    const selected = Object.entries(labels).every(([k, v]) => params[k] !== undefined && params[k] === String(v));
    return included && !excluded && selected;
  });
}

function sourcesOf(cluster: string, spec: Record<string, unknown>, params: Record<string, string>): Source[] {
  const list = [spec.source, ...array(spec.sources)].filter(isRecord);
  return list.flatMap((s) => {
    const path = render(s.path, params);
    const match = path?.match(/(?:^|\/)([^/]+)\/([^/]+)\/manifests\/?$/);
    if (!match || match[1] !== cluster) return [];
    const directory = record(s.directory);
    const glob = (g: unknown) => (typeof g === 'string' && g !== '' ? globRegExp(g) : undefined);
    return [{ component: match[2], include: glob(directory.include), exclude: glob(directory.exclude) }];
  });
}

/** `{{ .name }}` (or `{{name}}`) filled from the flattened parameters; undefined when a value is missing. */
function render(value: unknown, params: Record<string, string>): string | undefined {
  if (typeof value !== 'string') return undefined;
  let missing = false;
  const out = value.replace(/\{\{-?\s*\.?([A-Za-z_][\w.]*)\s*-?\}\}/g, (_, key: string) => {
    if (params[key] === undefined) missing = true;
    return params[key] ?? '';
  });
  return missing ? undefined : out;
}

/** component.json as ApplicationSet parameters: scalars by dotted path, as strings. */
function flatten(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (isRecord(value)) for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  else if (Array.isArray(value)) value.forEach((v, i) => flatten(v, `${prefix}.${i}`, out));
  else if (prefix && value !== null && value !== undefined) out[prefix] = String(value);
  return out;
}

/** A glob (`*`, `**`, `?`, `{a,b}`) as an anchored regular expression. */
export function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') re += '(?:';
    else if (c === '}') re += ')';
    else if (c === ',' && re.includes('(?:')) re += '|';
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

// ---------------------------------------------------------------------------------------------
// Annotations

/** `argocd.argoproj.io/sync-options` as option → value (`Prune` → `confirm`). */
export function syncOptions(o: KObject): Record<string, string> {
  return options(o, SYNC_OPTIONS);
}

/** `argocd.argoproj.io/compare-options: IgnoreExtraneous`: a leftover does not make its Application OutOfSync. */
export function ignoresExtraneous(o: KObject): boolean {
  const value = annotations(o)[COMPARE_OPTIONS];
  return typeof value === 'string' && value.split(',').some((part) => part.trim() === 'IgnoreExtraneous');
}

function options(o: KObject, annotation: string): Record<string, string> {
  const value = annotations(o)[annotation];
  if (typeof value !== 'string') return {};
  return Object.fromEntries(
    value
      .split(',')
      .map((part) => part.trim().split('='))
      .filter((kv) => kv.length === 2)
      .map(([k, v]) => [k.trim(), v.trim()]),
  );
}

export function annotations(o: KObject): Record<string, unknown> {
  return record(o.metadata.annotations);
}

/** The sync wave of an object (0 without the annotation). */
export function syncWave(o: KObject): number {
  const value = Number(annotations(o)[SYNC_WAVE] ?? 0);
  return Number.isInteger(value) ? value : 0;
}

export const isCrd = (o: KObject) => o.kind === 'CustomResourceDefinition' && o.group === 'apiextensions.k8s.io';

function finalizersOf(body: Record<string, unknown>): unknown[] {
  return array(record(body.metadata).finalizers);
}

function isResourcesFinalizer(f: unknown): boolean {
  return typeof f === 'string' && (f === RESOURCES_FINALIZER || f.startsWith(`${RESOURCES_FINALIZER}/`));
}

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function array(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

// ---------------------------------------------------------------------------------------------
// What Argo CD does when the change merges

/**
 * What happens to an object that leaves an Application:
 * - `prune`: the Application prunes it; `prune-confirm`: only once a person confirms (`Prune=confirm`);
 * - `not-pruned`: it stays (`Prune=false`, or automated prune off);
 * - `delete`: the resources finalizer of its deleted Application deletes it; `delete-confirm`: once confirmed;
 * - `keep`: its Application is deleted, but the finalizer keeps it (CRD, `Delete=false`, helm `keep`, no finalizer).
 */
export type Action = 'prune' | 'prune-confirm' | 'not-pruned' | 'delete' | 'delete-confirm' | 'keep';

export interface Fate {
  readonly object: KObject;
  /** Its component in the base. */
  readonly component: string;
  /** The Application that synced it in the base. */
  readonly application: string;
  readonly action: Action;
  /** Why it is kept or not pruned. */
  readonly reason?: string;
  /** Where the same object is in the head, when it is there under another Application (or the re-created one). */
  readonly movesTo?: { readonly application: string; readonly component: string };
}

/** An Application that is deleted, with what its finalizer deletes and keeps. */
export interface AppDeletion {
  readonly application: string;
  /** Component it synced in the base. */
  readonly component?: string;
  /** The ApplicationSet that generated it in the base. */
  readonly applicationSet?: string;
  /** Its component is no longer in dist/. */
  readonly componentRemoved: boolean;
  /** Its ApplicationSet (or, for an Application of dist/, the Application object) is no longer in dist/. */
  readonly definitionRemoved: boolean;
  /** The Application that prunes its ApplicationSet or Application object. */
  readonly prunedBy?: string;
  /** What that Application does with the removed ApplicationSet or Application object. */
  readonly definition?: Fate;
  /** The ApplicationSet that creates it again after the deletion (another one generates it in the head). */
  readonly recreatedBy?: string;
  /** Why its objects all stay, when they do. */
  readonly noFinalizer?: string;
  readonly objects: readonly Fate[];
}

export interface WaveMove {
  readonly component: string;
  readonly before: number;
  readonly after: number;
  /** How Argo CD sees it. */
  readonly via:
    | { readonly kind: 'annotation'; readonly applicationSet: string; readonly before: number; readonly after: number }
    | { readonly kind: 'recreated'; readonly from: string; readonly to: string }
    | { readonly kind: 'component.json'; readonly application?: string };
}

/** An object whose kind, namespace or name changes: Argo CD creates the new one and prunes the old one. */
export interface IdentityChange {
  readonly application: string;
  readonly component: string;
  readonly before: KObject;
  readonly after: KObject;
  /** What happens to the old object. */
  readonly old: Fate;
}

export interface ArgoChanges {
  /** (a) Objects removed from Applications that stay. */
  readonly pruned: readonly Fate[];
  /** (b) Applications deleted (their component or ApplicationSet removed, or re-created by another ApplicationSet). */
  readonly deletions: readonly AppDeletion[];
  /** (c) Components whose wave moved. */
  readonly waves: readonly WaveMove[];
  /** (d) Objects re-created under a new identity. */
  readonly identities: readonly IdentityChange[];
  /** Objects that move from one Application to another that both stay. */
  readonly moves: readonly Fate[];
  /** Removed objects no Application synced: nothing prunes them. */
  readonly untracked: readonly Tracked[];
}

export const NO_ARGO_CHANGES: ArgoChanges = { pruned: [], deletions: [], waves: [], identities: [], moves: [], untracked: [] };

/** Every fate of an ArgoChanges, in section order. */
export function allFates(changes: ArgoChanges): Fate[] {
  return [...changes.deletions.flatMap((d) => d.objects), ...changes.pruned, ...changes.identities.map((i) => i.old), ...changes.moves];
}

/** What Argo CD prunes, deletes, keeps and re-creates in cluster `name` when `base` becomes `head`. */
export function argoChanges(name: string, base: ClusterTree, head: ClusterTree): ArgoChanges {
  const b = deliveryOf(name, base);
  const h = deliveryOf(name, head);
  const byApp = (d: Delivery) => {
    const map = new Map<string, Map<string, Tracked>>();
    for (const [key, t] of d.tracked) {
      if (!map.has(t.application!)) map.set(t.application!, new Map());
      map.get(t.application!)!.set(key, t);
    }
    return map;
  };
  const baseByApp = byApp(b);
  const headByApp = byApp(h);
  const stays = (app: Application) => h.applications.has(app.name) && h.applications.get(app.name)!.applicationSet === app.applicationSet;

  const apps = [...b.applications.values()].sort((x, y) => (x.name < y.name ? -1 : 1));
  const deletions = apps.filter((app) => !stays(app)).map((app) => deletion(app, baseByApp.get(app.name) ?? new Map(), b, h));
  // The removed ApplicationSet or Application object of a deletion is reported with the deletion.
  const definitionKeys = new Set(deletions.flatMap((d) => (d.definitionKey ? [d.definitionKey] : [])));
  const definitions = new Map<string, Fate>();
  // Objects named after a component that comes or goes (its Namespace, its ApplicationSet) are not renames.
  const churn = (from: Delivery, to: Delivery) =>
    new Set(
      [...from.components]
        .filter(([c]) => !to.components.has(c))
        .flatMap(([c, json]) => [c, ...(typeof json.namespace === 'string' ? [json.namespace] : [])]),
    );
  const gone = churn(b, h);
  const come = churn(h, b);
  const renamable = (names: Set<string>) => (t: Tracked) => !names.has(t.object.name) && !names.has(t.object.namespace);

  const pruned: Fate[] = [];
  const moves: Fate[] = [];
  const identities: IdentityChange[] = [];
  for (const app of apps.filter(stays)) {
    const objects = baseByApp.get(app.name) ?? new Map<string, Tracked>();
    const now = headByApp.get(app.name) ?? new Map<string, Tracked>();
    const headApp = h.applications.get(app.name)!;
    const added = [...now].filter(([key]) => !objects.has(key) && !b.tracked.has(key)).map(([, t]) => t);
    const leftovers: Tracked[] = [];
    for (const [key, t] of [...objects].filter(([k]) => !now.has(k))) {
      const elsewhere = h.tracked.get(key);
      if (definitionKeys.has(key)) definitions.set(key, pruneFate(t, headApp));
      else if (elsewhere)
        moves.push({ ...pruneFate(t, headApp), movesTo: { application: elsewhere.application!, component: elsewhere.component } });
      else leftovers.push(t);
    }
    const pairs = pairIdentities(leftovers.filter(renamable(gone)), added.filter(renamable(come)));
    for (const [before, after] of pairs) {
      identities.push({
        application: app.name,
        component: before.component,
        before: before.object,
        after: after.object,
        old: pruneFate(before, headApp),
      });
    }
    const paired = new Set(pairs.map(([before]) => before));
    pruned.push(...leftovers.filter((t) => !paired.has(t)).map((t) => pruneFate(t, headApp)));
  }
  const untrackedKeys = new Set([...h.tracked.keys(), ...h.untracked.map((t) => objectKey(t.object))]);
  return {
    pruned,
    deletions: deletions.map(({ definitionKey, ...d }) => {
      const definition = definitionKey ? definitions.get(definitionKey) : undefined;
      return definition ? { ...d, definition } : d;
    }),
    waves: waveMoves(b, h, deletions),
    identities,
    moves,
    untracked: b.untracked.filter((t) => !untrackedKeys.has(objectKey(t.object))),
  };
}

function deletion(
  app: Application,
  objects: ReadonlyMap<string, Tracked>,
  b: Delivery,
  h: Delivery,
): AppDeletion & { definitionKey?: string } {
  const component = app.sources[0]?.component ?? app.definedIn?.component;
  const definition = app.applicationSet
    ? b.applicationSets.get(app.applicationSet)
    : app.definedIn && b.tracked.get(objectKey(app.definedIn.object));
  const definitionRemoved = app.applicationSet ? !h.applicationSets.has(app.applicationSet) : !h.applications.has(app.name);
  const next = h.applications.get(app.name);
  const fates = [...objects.values()].map((t): Fate => {
    const there = h.tracked.get(objectKey(t.object));
    const movesTo = there && { application: there.application!, component: there.component };
    return { ...finalizerFate(t, app), ...(movesTo ? { movesTo } : {}) };
  });
  return {
    application: app.name,
    component,
    applicationSet: app.applicationSet,
    componentRemoved: component !== undefined && !h.components.has(component) && b.components.has(component),
    definitionRemoved,
    prunedBy: definitionRemoved ? definition?.application : undefined,
    definitionKey: definitionRemoved && definition ? objectKey(definition.object) : undefined,
    recreatedBy: next?.applicationSet,
    noFinalizer: app.finalizer ? undefined : app.noFinalizer,
    objects: fates,
  };
}

function pruneFate(t: Tracked, app: Application): Fate {
  const at = { object: t.object, component: t.component, application: app.name };
  const options = syncOptions(t.object);
  if (options.Prune === 'false') return { ...at, action: 'not-pruned', reason: '`Prune=false`' };
  if (!app.autoPrune) return { ...at, action: 'not-pruned', reason: `automated prune is off for \`${app.name}\`` };
  if (options.Prune === 'confirm') return { ...at, action: 'prune-confirm', reason: '`Prune=confirm`' };
  return { ...at, action: 'prune' };
}

function finalizerFate(t: Tracked, app: Application): Fate {
  const at = { object: t.object, component: t.component, application: app.name };
  const options = syncOptions(t.object);
  if (!app.finalizer) return { ...at, action: 'keep', reason: app.noFinalizer };
  if (app.deleteFalse) return { ...at, action: 'keep', reason: `the sync option \`Delete=false\` of \`${app.name}\`` };
  if (isCrd(t.object)) return { ...at, action: 'keep', reason: 'the finalizer never deletes CRDs' };
  if (options.Delete === 'false') return { ...at, action: 'keep', reason: '`Delete=false`' };
  if (annotations(t.object)['helm.sh/resource-policy'] === 'keep')
    return { ...at, action: 'keep', reason: '`helm.sh/resource-policy: keep`' };
  if (options.Delete === 'confirm') return { ...at, action: 'delete-confirm', reason: '`Delete=confirm`' };
  return { ...at, action: 'delete' };
}

/**
 * Pairs removed and added objects of one Application that are one object under a new identity: the
 * only removed and added object of a group, kind and namespace (renamed), of a group, kind and name
 * (moved to another namespace), or of a namespace and name (another kind).
 */
function pairIdentities(removed: readonly Tracked[], added: readonly Tracked[]): [Tracked, Tracked][] {
  const pairs: [Tracked, Tracked][] = [];
  let left = [...removed];
  let right = [...added];
  const scopes: ((o: KObject) => string)[] = [
    (o) => [o.group, o.kind, o.namespace].join('\u0000'),
    (o) => [o.group, o.kind, o.name].join('\u0000'),
    (o) => [o.namespace, o.name].join('\u0000'),
  ];
  for (const scope of scopes) {
    const count = (list: readonly Tracked[], s: string) => list.filter((t) => scope(t.object) === s).length;
    for (const r of [...left]) {
      const s = scope(r.object);
      if (count(left, s) !== 1 || count(right, s) !== 1) continue;
      const a = right.find((t) => scope(t.object) === s)!;
      pairs.push([r, a]);
      left = left.filter((t) => t !== r);
      right = right.filter((t) => t !== a);
    }
  }
  return pairs.sort(([x], [y]) => (objectKey(x.object) < objectKey(y.object) ? -1 : 1));
}

function waveMoves(b: Delivery, h: Delivery, deletions: readonly AppDeletion[]): WaveMove[] {
  const moves: WaveMove[] = [];
  for (const [component, json] of b.components) {
    const next = h.components.get(component);
    if (!next || typeof json.wave !== 'number' || typeof next.wave !== 'number' || json.wave === next.wave) continue;
    const before = json.wave;
    const after = next.wave;
    const app = (d: Delivery) => [...d.applications.values()].find((a) => a.sources.some((s) => s.component === component));
    const was = app(b);
    const is = app(h);
    const recreated = deletions.find((d) => d.component === component && d.recreatedBy);
    if (recreated && was?.applicationSet && is?.applicationSet) {
      moves.push({ component, before, after, via: { kind: 'recreated', from: was.applicationSet, to: is.applicationSet } });
    } else if (is?.applicationSet && was?.applicationSet === is.applicationSet) {
      const set = (d: Delivery) => syncWave(d.applicationSets.get(is.applicationSet!)!.object);
      moves.push({
        component,
        before,
        after,
        via: { kind: 'annotation', applicationSet: is.applicationSet, before: set(b), after: set(h) },
      });
    } else {
      moves.push({ component, before, after, via: { kind: 'component.json', application: is?.name } });
    }
  }
  return moves;
}
