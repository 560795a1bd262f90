/**
 * An offline emulation of the Argo CD v3.4/v3.5 rules that decide what is created, owned and
 * deleted, to check a change of dist/ against a cluster before Argo CD sees it. A cluster is a set
 * of live objects with uids, ownerReferences, finalizers and the annotation tracking id; Git is a
 * map of repository paths to file contents. `settle()` runs the controllers until nothing changes.
 *
 * Rules, read in argoproj/argo-cd at v3.4.4 (the parts used are the same at v3.5.1):
 *
 * ApplicationSet controller — applicationset/controllers/applicationset_controller.go
 * - Reconcile: generate; Applications failing validation (missing AppProject) are not written;
 *   createOrUpdateInCluster when the policy allows update, else createInCluster (new ones only);
 *   an error there RETURNS before deleteInCluster; then deleteInCluster when the policy allows delete.
 * - The policy (applicationset/utils/policy.go DefaultPolicy; AllowUpdate/AllowDelete in
 *   pkg/apis/application/v1alpha1/applicationset_types.go): the controller's --policy (default
 *   "sync"), overridden by `spec.syncPolicy.applicationsSync` when --enable-policy-override (default
 *   true when --policy is unset; cmd/argocd-applicationset-controller/commands/applicationset_controller.go).
 *   sync: create, update, delete; create-update: no delete; create-delete: no update; create-only.
 * - createOrUpdateInCluster: the Application gets the template's spec, labels, annotations and
 *   finalizers, then controllerutil.SetControllerReference (controller-runtime v0.21.0,
 *   pkg/controller/controllerutil/controllerutil.go): an Application whose controller reference
 *   names ANOTHER ApplicationSet (group, kind, name; the uid is not compared) is refused
 *   (AlreadyOwnedError); one with no controller reference is adopted; the same name with a new uid
 *   is re-pointed.
 * - getCurrentApplications: Applications whose controller reference is an ApplicationSet of this
 *   NAME (the `.metadata.controller` index, appControllerIndexer); deleteInCluster deletes those the
 *   generators no longer produce (removeFinalizerOnInvalidDestination not emulated: one cluster).
 * - Deleting an ApplicationSet whose policy disallows delete: removeOwnerReferencesOnDeleteAppSet
 *   orphans its Applications first (racy against the garbage collector in reality).
 * - applicationset/utils/utils.go RenderTemplateParams: a template without finalizers gets
 *   `resources-finalizer.argocd.argoproj.io` unless `syncPolicy.preserveResourcesOnDeletion`;
 *   a template that lists finalizers keeps exactly those (preserveResourcesOnDeletion is then moot).
 * - Git files generator (applicationset/generators/git.go): include paths minus exclude paths, one
 *   parameter set per file; a missing file yields nothing (and so deletes). The `selector` matches
 *   the parameters flattened with dots and printed with %v (generators/generator_spec_processor.go).
 *   Templates: only `{{ .a.b }}` and our SYNC_OPTIONS_PATCH are emulated (anything else throws).
 *
 * Application controller — controller/appcontroller.go, controller/state.go, controller/sync.go,
 * gitops-engine/pkg/sync/sync_context.go, gitops-engine/pkg/cache/cluster.go
 * - Managed objects (cache/cluster.go GetManagedLiveObjs, state.go isSelfReferencedObj): live
 *   objects whose tracking id names the Application, whose tracking id matches the object itself,
 *   and that have NO ownerReferences; plus target objects already live (adopted on apply). The
 *   tracking id is `<app>:<group>/<kind>:<namespace>/<name>` (util/argo/resource_tracking.go), the
 *   namespace of a cluster-scoped object being the Application's destination namespace.
 * - Sync (sync_context.go Sync/runTasks/getSyncTasks): tasks run wave by wave; prune tasks take the
 *   wave of the live object, prune waves reversed (symmetric swap); Namespaces and CRDs first in a
 *   wave; in a wave, prunes first and, if one requires confirmation (`Prune=confirm`, or the
 *   Application's `Prune=` sync option) and the Application has no `deletion-approved` annotation,
 *   the wave (and the sync) WAITS, applying nothing of it; `Prune=false` is skipped ("no prune");
 *   without automated prune every prune is skipped. A later wave starts once the earlier one is
 *   healthy and its pruned objects are gone. Prunes delete with foreground propagation.
 *   `Delete=false` is NOT consulted when pruning.
 * - Sync status (state.go CompareAppState): OutOfSync while a target is missing or a managed object
 *   is extraneous, unless it is annotated `compare-options: IgnoreExtraneous`.
 * - Health: every object is Healthy at once, except an ApplicationSet, judged by our Lua
 *   (libs/argocd/src/health.ts): Healthy once it generated Applications, all Synced and Healthy,
 *   without error. An Application whose AppProject is missing, or whose path is missing, does not
 *   sync (no prune either).
 * - Deletion (finalizeApplicationDeletion, shouldBeDeleted): with a resources finalizer
 *   (`resources-finalizer.argocd.argoproj.io` or its /foreground, /background forms) the managed
 *   objects are deleted, except CRDs, the Application itself (isSelfReferencedApp), `Delete=false`
 *   objects (object annotation, else the Application's sync option) and `helm.sh/resource-policy:
 *   keep`; an object with Delete=confirm or Prune=confirm makes it wait for `deletion-approved`.
 *   Highest sync wave first (controller/sort_delete.go). Before any of that it waits while a managed
 *   object has a deletionTimestamp: the Application itself too, when it tracks itself. Without the
 *   finalizer nothing is deleted. A deleting Application is not synced ("Skipping auto-sync").
 * - API server delete (server/application/application.go Delete; `argocd app delete`, the UI):
 *   unless cascade=false is asked, it ADDS the resources finalizer before deleting.
 *
 * Kubernetes: an object whose owners (ownerReferences by uid) are all gone is deleted by the
 * garbage collector; a deleted Namespace takes every object in it; an object with finalizers waits
 * for them. Not emulated: hooks, AppProject permissions, diffing (apply always converges), other
 * generators, Replace/Force, PruneLast, retries and timeouts (a waiting sync simply waits; in Argo
 * CD controller.sync.timeout.seconds terminates it and the next automated sync waits again).
 */
import { parseAllDocuments } from 'yaml';
import { ARGOCD_NAMESPACE, ARGOCD_SYNC_OPTIONS, ARGOCD_SYNC_WAVE, SYNC_OPTIONS_PATCH, groupOf } from '@platform/core';

export const TRACKING_ID = 'argocd.argoproj.io/tracking-id';
export const DELETION_APPROVED = 'argocd.argoproj.io/deletion-approved';
export const COMPARE_OPTIONS = 'argocd.argoproj.io/compare-options';
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
const HELM_RESOURCE_POLICY = 'helm.sh/resource-policy';
const APPSET_API = 'argoproj.io/v1alpha1';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export type KubeObject = Record<string, any> & {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    ownerReferences?: OwnerReference[];
    deletionTimestamp?: string;
  };
};

/** What the emulation saw happen; `object` is `<group>/<kind>/<namespace>/<name>`. */
export interface ClusterEvent {
  type: 'created' | 'deleted' | 'owner-changed' | 'tracking-changed' | 'awaiting-confirmation' | 'waiting' | 'prune-skipped' | 'error';
  object: string;
  kind: string;
  /** Who did it: `bootstrap`, `Application/<name>`, `ApplicationSet/<name>`, `garbage-collector`, `namespace-controller`, `user`. */
  by: string;
  detail?: string;
}

export type ApplicationsSyncPolicy = 'sync' | 'create-only' | 'create-update' | 'create-delete';

export interface ControllerOptions {
  /** The ApplicationSet controller's --policy; default "sync". */
  readonly policy?: ApplicationsSyncPolicy;
  /** --enable-policy-override; default true when `policy` is unset. */
  readonly enablePolicyOverride?: boolean;
}

export const keyOf = (o: KubeObject) => `${groupOf(o.apiVersion)}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const appKey = (name: string) => `argoproj.io/Application/${ARGOCD_NAMESPACE}/${name}`;
const annotation = (o: KubeObject, key: string): string | undefined => o.metadata.annotations?.[key];
const waveOf = (o: KubeObject) => Number(annotation(o, ARGOCD_SYNC_WAVE) ?? 0);
/** gitops-engine/pkg/sync/resource/annotations.go GetAnnotationOptionValue (comma-separated `Key=value`). */
const optionValue = (list: string | readonly string[] | undefined, key: string): string | undefined =>
  (typeof list === 'string' ? list.split(',') : (list ?? []))
    .map((s) => s.trim())
    .find((s) => s.startsWith(`${key}=`))
    ?.slice(key.length + 1);
const syncOption = (o: KubeObject, key: string, app?: KubeObject) =>
  optionValue(annotation(o, ARGOCD_SYNC_OPTIONS), key) ?? optionValue(app?.spec?.syncPolicy?.syncOptions, key);
const hasOption = (list: string | undefined, option: string) => (list ?? '').split(',').some((s) => s.trim() === option);
/** Annotations an update keeps from the live object. */
const kept = (live: KubeObject, keys: readonly string[]) =>
  Object.fromEntries(keys.filter((k) => live.metadata.annotations?.[k] !== undefined).map((k) => [k, live.metadata.annotations![k]]));
const isCascadeFinalizer = (f: string) =>
  f === RESOURCES_FINALIZER || f === `${RESOURCES_FINALIZER}/foreground` || f === `${RESOURCES_FINALIZER}/background`;
/** Glob as Argo CD matches paths: `*` and `?` within one segment, `{a,b}` alternatives. */
const globMatches = (glob: string, path: string) =>
  new RegExp(
    `^${glob
      .replace(/[.+^$()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')
      .replace(/\{([^}]*)\}/g, (_, alts: string) => `(${alts.split(',').join('|')})`)}$`,
  ).test(path);
const flatten = (value: unknown, prefix = '', out: Record<string, string> = {}) => {
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  else out[prefix] = String(value);
  return out;
};

/** Parsed YAML by file content: the same files are read by every emulated cluster of a test run. */
const PARSED = new Map<string, KubeObject[]>();

/** The objects of a YAML stream (fresh copies). */
export function parseManifests(text: string): KubeObject[] {
  let docs = PARSED.get(text);
  if (!docs) {
    docs = parseAllDocuments(text)
      .map((d) => d.toJS())
      .filter((d) => d);
    PARSED.set(text, docs);
  }
  return docs.map((d) => structuredClone(d));
}

export class EmulatedCluster {
  readonly objects = new Map<string, KubeObject>();
  readonly events: ClusterEvent[] = [];
  private revision: ReadonlyMap<string, string> = new Map();
  private readonly synced = new Map<string, boolean>();
  private readonly appSetErrors = new Map<string, string>();
  private readonly reported = new Set<string>();
  /** Who asked for the deletion of an object still held by finalizers, by uid. */
  private readonly deletions = new Map<string, { by: string; detail: string }>();
  private uid = 0;
  private changed = false;

  constructor(private readonly options: ControllerOptions = {}) {}

  /** An independent copy: the same live objects, events and controller state. */
  clone(): EmulatedCluster {
    const copy = new EmulatedCluster(this.options);
    for (const [key, o] of this.objects) copy.objects.set(key, structuredClone(o));
    copy.events.push(...structuredClone(this.events));
    copy.revision = this.revision;
    for (const [k, v] of this.synced) copy.synced.set(k, v);
    for (const [k, v] of this.appSetErrors) copy.appSetErrors.set(k, v);
    for (const id of this.reported) copy.reported.add(id);
    for (const [k, v] of this.deletions) copy.deletions.set(k, v);
    copy.uid = this.uid;
    return copy;
  }

  /** A new Git revision: repository paths (`dist/<cluster>/...`) to file contents. */
  checkout(files: ReadonlyMap<string, string>): void {
    this.revision = files;
  }

  /** The documents of one file of the current revision. */
  read(path: string): KubeObject[] {
    const text = this.revision.get(path);
    if (text === undefined) throw new Error(`no file ${path} in the revision`);
    return parseManifests(text);
  }

  /** Files of the current revision directly in `dir` (a directory source is not recursive). */
  filesIn(dir: string): string[] {
    return [...this.revision.keys()].filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/')).sort();
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return [...this.objects.values()].find((o) => o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name);
  }

  application(name: string): KubeObject | undefined {
    return this.objects.get(appKey(name));
  }

  /** `kubectl apply` of the bootstrap: no tracking id. */
  kubectlApply(manifests: readonly KubeObject[], by = 'bootstrap'): void {
    for (const m of manifests) this.apply(structuredClone(m), by);
  }

  /** `kubectl delete`: the object's finalizers decide what follows. */
  kubectlDelete(kind: string, namespace: string | undefined, name: string, by = 'user'): void {
    const o = this.get(kind, namespace, name);
    if (!o) throw new Error(`no ${kind} ${namespace ?? ''}/${name}`);
    this.delete(o, by, 'kubectl delete');
  }

  /** `argocd app delete` or the UI: adds the resources finalizer unless cascade is false (server/application/application.go Delete). */
  argocdAppDelete(name: string, cascade = true): void {
    const app = this.application(name);
    if (!app) throw new Error(`no Application ${name}`);
    const finalizers = app.metadata.finalizers ?? [];
    if (cascade && !finalizers.some(isCascadeFinalizer)) app.metadata.finalizers = [...finalizers, RESOURCES_FINALIZER];
    if (!cascade) app.metadata.finalizers = finalizers.filter((f) => !isCascadeFinalizer(f));
    this.delete(app, 'user', 'argocd app delete');
  }

  /** Confirms the pending prunes and deletions of an Application (`argocd.argoproj.io/deletion-approved`). */
  approveDeletion(name: string): void {
    const app = this.application(name)!;
    app.metadata.annotations = { ...app.metadata.annotations, [DELETION_APPROVED]: 'now' };
    this.changed = true;
  }

  /** Runs the controllers until nothing changes. */
  settle(maxRounds = 100): this {
    for (let round = 0; round < maxRounds; round++) {
      this.changed = false;
      for (const app of this.ofKind('Application').filter((a) => a.metadata.deletionTimestamp)) this.finalizeApplication(app);
      for (const set of this.ofKind('ApplicationSet')) this.reconcileApplicationSet(set);
      for (const app of this.ofKind('Application')) this.syncApplication(app);
      if (!this.changed) return this;
    }
    throw new Error(`the cluster did not settle in ${maxRounds} rounds`);
  }

  /** Is the Application Synced (every target live and tracked, nothing extraneous)? */
  isSynced(name: string): boolean {
    return this.synced.get(name) === true;
  }

  private ofKind(kind: string): KubeObject[] {
    return [...this.objects.values()].filter((o) => o.kind === kind).sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
  }

  private event(e: ClusterEvent, once = false): void {
    const id = JSON.stringify(e);
    if (once && this.reported.has(id)) return;
    this.reported.add(id);
    this.events.push(e);
  }

  private eventFor(type: ClusterEvent['type'], o: KubeObject, by: string, detail?: string, once = false): void {
    this.event({ type, object: keyOf(o), kind: o.kind, by, ...(detail !== undefined && { detail }) }, once);
  }

  /** Create or update (server-side apply keeps uid, ownerReferences and other finalizers). */
  private apply(target: KubeObject, by: string, tracking?: string): string | undefined {
    const key = keyOf(target);
    const live = this.objects.get(key);
    const ns = target.metadata.namespace;
    if (ns && !this.get('Namespace', undefined, ns)) return `namespaces "${ns}" not found`;
    if (tracking) target.metadata.annotations = { ...target.metadata.annotations, [TRACKING_ID]: tracking };
    if (!live) {
      target.metadata.uid = `uid-${++this.uid}`;
      this.objects.set(key, target);
      this.eventFor('created', target, by);
      this.changed = true;
      return undefined;
    }
    const before = annotation(live, TRACKING_ID);
    if (tracking && before && before.split(':')[0] !== tracking.split(':')[0])
      this.eventFor('tracking-changed', live, by, `${before.split(':')[0]} → ${tracking.split(':')[0]}`);
    const next: KubeObject = {
      ...target,
      metadata: {
        ...target.metadata,
        annotations: { ...target.metadata.annotations, ...kept(live, tracking ? [DELETION_APPROVED] : [DELETION_APPROVED, TRACKING_ID]) },
        uid: live.metadata.uid,
        ...(live.metadata.ownerReferences && { ownerReferences: live.metadata.ownerReferences }),
        ...(live.metadata.deletionTimestamp && { deletionTimestamp: live.metadata.deletionTimestamp }),
        finalizers: [...new Set([...(live.metadata.finalizers ?? []), ...(target.metadata.finalizers ?? [])])],
      },
    };
    if (!next.metadata.finalizers!.length) delete next.metadata.finalizers;
    if (JSON.stringify(next) !== JSON.stringify(live)) {
      this.objects.set(key, next);
      this.changed = true;
    }
    return undefined;
  }

  /** Deletes, or marks for deletion when finalizers remain; then the namespace controller and the garbage collector. */
  private delete(o: KubeObject, by: string, detail: string): void {
    const live = this.objects.get(keyOf(o));
    if (!live || (live.metadata.deletionTimestamp && live.metadata.finalizers?.length)) return;
    this.changed = true;
    if (live.metadata.finalizers?.length) {
      live.metadata.deletionTimestamp = 'now';
      this.deletions.set(live.metadata.uid!, { by, detail });
      return;
    }
    ({ by, detail } = this.deletions.get(live.metadata.uid!) ?? { by, detail });
    if (live.kind === 'ApplicationSet' && !this.policy(live).allowDelete)
      for (const app of this.ownedApplications(live)) app.metadata.ownerReferences = [];
    this.objects.delete(keyOf(live));
    if (live.kind === 'Application') this.synced.delete(live.metadata.name);
    this.eventFor('deleted', live, by, detail);
    if (live.kind === 'Namespace')
      for (const inside of [...this.objects.values()].filter((x) => x.metadata.namespace === live.metadata.name))
        this.delete(inside, 'namespace-controller', `namespace ${live.metadata.name} deleted`);
    const uids = new Set([...this.objects.values()].map((x) => x.metadata.uid));
    for (const dependent of [...this.objects.values()]) {
      const owners = dependent.metadata.ownerReferences ?? [];
      if (owners.some((r) => r.uid === live.metadata.uid) && !owners.some((r) => uids.has(r.uid)))
        this.delete(dependent, 'garbage-collector', `owner ${live.kind}/${live.metadata.name} deleted`);
    }
  }

  // ApplicationSet controller ----------------------------------------------------------------

  private policy(set: KubeObject): { allowUpdate: boolean; allowDelete: boolean } {
    const override = this.options.enablePolicyOverride ?? this.options.policy === undefined;
    const own: ApplicationsSyncPolicy | undefined = set.spec?.syncPolicy?.applicationsSync;
    const p = (override && own) || this.options.policy || 'sync';
    return { allowUpdate: p === 'sync' || p === 'create-update', allowDelete: p === 'sync' || p === 'create-delete' };
  }

  private ownedApplications(set: KubeObject): KubeObject[] {
    return this.ofKind('Application').filter((a) => {
      const ref = a.metadata.ownerReferences?.find((r) => r.controller);
      return (
        a.metadata.namespace === set.metadata.namespace &&
        ref?.apiVersion === APPSET_API &&
        ref.kind === 'ApplicationSet' &&
        ref.name === set.metadata.name
      );
    });
  }

  /** The Applications the generators produce now (git files generator only). */
  generate(set: KubeObject): KubeObject[] {
    if (!set.spec.goTemplate) throw new Error(`ApplicationSet ${set.metadata.name}: only goTemplate is emulated`);
    const apps: KubeObject[] = [];
    for (const generator of set.spec.generators as any[]) {
      if (!generator.git?.files) throw new Error(`ApplicationSet ${set.metadata.name}: only the git files generator is emulated`);
      const files: { path: string; exclude?: boolean }[] = generator.git.files;
      const paths = [...this.revision.keys()]
        .filter((p) => files.some((f) => !f.exclude && globMatches(f.path, p)) && !files.some((f) => f.exclude && globMatches(f.path, p)))
        .sort();
      for (const path of paths) {
        const params = {
          ...JSON.parse(this.revision.get(path)!),
          path: { path: path.replace(/\/[^/]*$/, ''), filename: path.split('/').pop() },
        };
        const labels: Record<string, string> = generator.selector?.matchLabels ?? {};
        if (Object.entries(labels).some(([k, v]) => flatten(params)[k] !== v)) continue;
        apps.push(this.render(set, params));
      }
    }
    return apps;
  }

  private render(set: KubeObject, params: Record<string, unknown>): KubeObject {
    const lookup = (expr: string) => {
      const value = expr.split('.').reduce<any>((v, k) => (v == null ? undefined : v[k]), params);
      if (value === undefined)
        throw new Error(`ApplicationSet ${set.metadata.name}: map has no entry for key "${expr}" (missingkey=error)`);
      return String(value);
    };
    const fill = (v: unknown): unknown =>
      typeof v === 'string'
        ? v.replace(/\{\{\s*\.([\w.]+)\s*\}\}/g, (_, expr: string) => lookup(expr))
        : Array.isArray(v)
          ? v.map(fill)
          : v && typeof v === 'object'
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]))
            : v;
    const app = { apiVersion: APPSET_API, kind: 'Application', ...(fill(structuredClone(set.spec.template)) as object) } as KubeObject;
    if (set.spec.templatePatch !== undefined) {
      if (set.spec.templatePatch !== SYNC_OPTIONS_PATCH)
        throw new Error(`ApplicationSet ${set.metadata.name}: only SYNC_OPTIONS_PATCH is emulated`);
      if ('syncOptions' in params) app.spec.syncPolicy = { ...app.spec.syncPolicy, syncOptions: params.syncOptions };
    }
    if (!app.metadata.finalizers?.length && !set.spec.syncPolicy?.preserveResourcesOnDeletion)
      app.metadata.finalizers = [RESOURCES_FINALIZER];
    return app;
  }

  private reconcileApplicationSet(listed: KubeObject): void {
    const set = this.objects.get(keyOf(listed));
    if (!set || set.metadata.deletionTimestamp) return;
    const by = `ApplicationSet/${set.metadata.name}`;
    const fail = (message: string) => {
      this.appSetErrors.set(set.metadata.name, message);
      this.event({ type: 'error', object: keyOf(set), kind: set.kind, by, detail: message }, true);
    };
    let generated: KubeObject[];
    try {
      generated = this.generate(set);
    } catch (error) {
      return fail((error as Error).message);
    }
    const invalid = generated.filter((a) => !this.get('AppProject', ARGOCD_NAMESPACE, a.spec.project));
    if (invalid.length) fail(`application references project ${invalid[0].spec.project} which does not exist`);
    else this.appSetErrors.delete(set.metadata.name);
    const policy = this.policy(set);
    const current = new Set(this.ownedApplications(set).map((a) => a.metadata.name));
    const valid = generated.filter((a) => !invalid.includes(a) && (policy.allowUpdate || !current.has(a.metadata.name)));
    let firstError: string | undefined;
    for (const desired of valid.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
      const error = this.createOrUpdate(set, desired, by);
      firstError ??= error;
    }
    if (firstError) return fail(firstError);
    if (!policy.allowDelete) return;
    const names = new Set(generated.map((a) => a.metadata.name));
    for (const app of this.ownedApplications(set))
      if (!names.has(app.metadata.name)) this.delete(app, by, 'no longer generated by its ApplicationSet');
  }

  private createOrUpdate(set: KubeObject, desired: KubeObject, by: string): string | undefined {
    const live = this.objects.get(keyOf(desired));
    const ref: OwnerReference = {
      apiVersion: APPSET_API,
      kind: 'ApplicationSet',
      name: set.metadata.name,
      uid: set.metadata.uid!,
      blockOwnerDeletion: true,
      controller: true,
    };
    if (!live) {
      this.apply({ ...desired, metadata: { ...desired.metadata, ownerReferences: [ref] } }, by);
      return undefined;
    }
    const existing = live.metadata.ownerReferences?.find((r) => r.controller);
    if (existing && (groupOf(existing.apiVersion) !== 'argoproj.io' || existing.kind !== ref.kind || existing.name !== ref.name)) {
      return `Object ${live.metadata.namespace}/${live.metadata.name} is already owned by another ${existing.kind} controller ${existing.name}`;
    }
    if (existing?.uid !== ref.uid)
      this.eventFor('owner-changed', live, by, `${existing ? `${existing.name} (${existing.uid})` : 'none'} → ${ref.name} (${ref.uid})`);
    const others = (live.metadata.ownerReferences ?? []).filter(
      (r) => !(groupOf(r.apiVersion) === 'argoproj.io' && r.kind === ref.kind && r.name === ref.name),
    );
    const next = structuredClone(live);
    next.spec = desired.spec;
    next.metadata.labels = desired.metadata.labels;
    next.metadata.annotations = { ...desired.metadata.annotations, ...kept(live, [DELETION_APPROVED]) };
    next.metadata.finalizers = desired.metadata.finalizers;
    next.metadata.ownerReferences = [...others, ref];
    if (JSON.stringify(next) !== JSON.stringify(live)) {
      this.objects.set(keyOf(live), next);
      this.changed = true;
    }
    return undefined;
  }

  private appSetHealthy(set: KubeObject): boolean {
    const apps = this.ownedApplications(set);
    return !this.appSetErrors.has(set.metadata.name) && apps.length > 0 && apps.every((a) => this.isSynced(a.metadata.name));
  }

  // Application controller -------------------------------------------------------------------

  private trackingId(o: KubeObject, app: KubeObject): string {
    return `${app.metadata.name}:${groupOf(o.apiVersion)}/${o.kind}:${o.metadata.namespace ?? app.spec.destination.namespace}/${o.metadata.name}`;
  }

  /** Live objects the Application manages: tracked by it, the tracking id its own, no owners. */
  managed(app: KubeObject): KubeObject[] {
    return [...this.objects.values()].filter((o) => {
      const id = annotation(o, TRACKING_ID);
      if (!id || id.split(':')[0] !== app.metadata.name || o.metadata.ownerReferences?.length) return false;
      const [, groupKind, nsName] = id.split(':');
      const [ns, name] = nsName.split('/');
      return (
        groupKind === `${groupOf(o.apiVersion)}/${o.kind}` &&
        name === o.metadata.name &&
        (!o.metadata.namespace || o.metadata.namespace === ns)
      );
    });
  }

  /** The Application's target objects from its one directory source, or an error. */
  private targets(app: KubeObject): KubeObject[] | string {
    const source = app.spec.source;
    const files = this.filesIn(source.path).filter((p) => /\.(ya?ml|json)$/.test(p));
    if (files.length === 0) return `${source.path}: app path does not exist`;
    const name = (p: string) => p.slice(source.path.length + 1);
    const { include, exclude } = source.directory ?? {};
    return files
      .filter((p) => (!include || globMatches(include, name(p))) && !(exclude && globMatches(exclude, name(p))))
      .flatMap((p) => this.read(p));
  }

  private healthy(o: KubeObject): boolean {
    const live = this.objects.get(keyOf(o));
    return !!live && (live.kind !== 'ApplicationSet' || this.appSetHealthy(live));
  }

  private syncApplication(listed: KubeObject): void {
    const app = this.objects.get(keyOf(listed)); // as updated earlier in this round
    if (!app || app.metadata.deletionTimestamp) return; // "Skipping auto-sync: deletion in progress"
    const name = app.metadata.name;
    const by = `Application/${name}`;
    const error = (detail: string) => {
      this.synced.set(name, false);
      this.event({ type: 'error', object: keyOf(app), kind: app.kind, by, detail }, true);
    };
    if (!this.get('AppProject', ARGOCD_NAMESPACE, app.spec.project)) return error(`project ${app.spec.project} not found`);
    const targets = this.targets(app);
    if (typeof targets === 'string') return error(targets);
    const targetKeys = new Set(targets.map(keyOf));
    const extraneous = this.managed(app).filter((o) => !targetKeys.has(keyOf(o)));
    const prune = app.spec.syncPolicy?.automated?.prune === true;
    const confirmed = !!annotation(app, DELETION_APPROVED);

    type Task = { obj: KubeObject; prune: boolean; wave: number };
    const pruneWaves = [...new Set(extraneous.map(waveOf))].sort((a, b) => a - b);
    const tasks: Task[] = [
      ...extraneous.map((obj) => ({ obj, prune: true, wave: pruneWaves[pruneWaves.length - 1 - pruneWaves.indexOf(waveOf(obj))] })),
      ...targets.map((obj) => ({ obj, prune: false, wave: waveOf(obj) })),
    ];
    const first = (t: Task) => (t.prune ? 0 : t.obj.kind === 'Namespace' ? 1 : t.obj.kind === 'CustomResourceDefinition' ? 2 : 3);
    const waves = [...new Set(tasks.map((t) => t.wave))].sort((a, b) => a - b);
    let failed = false;
    for (const [i, wave] of waves.entries()) {
      const inWave = tasks.filter((t) => t.wave === wave).sort((a, b) => first(a) - first(b));
      const needConfirmation = inWave.filter((t) => t.prune && syncOption(t.obj, 'Prune', app) === 'confirm');
      if (needConfirmation.length > 0 && !confirmed) {
        for (const t of needConfirmation)
          this.eventFor('awaiting-confirmation', t.obj, by, 'Prune=confirm: waiting for deletion-approved', true);
        break;
      }
      for (const t of inWave) {
        if (t.prune && (!prune || syncOption(t.obj, 'Prune', app) === 'false'))
          this.eventFor('prune-skipped', t.obj, by, prune ? 'ignored (no prune)' : 'ignored (requires pruning)', true);
        else if (t.prune) this.delete(t.obj, by, 'pruned: no longer in the source');
        else {
          const message = this.apply(t.obj, by, this.trackingId(t.obj, app));
          if (message) {
            failed = true;
            error(`${keyOf(t.obj)}: ${message}`);
          }
        }
      }
      if (failed) break;
      if (i < waves.length - 1 && inWave.some((t) => (t.prune ? this.objects.has(keyOf(t.obj)) : !this.healthy(t.obj)))) break;
      // The operation ends: an approval confirms this operation only (IsDeletionConfirmed compares with its start).
      if (i === waves.length - 1 && confirmed) this.consumeApproval(name);
    }
    const managed = this.managed(app);
    const tracked = new Set(managed.map(keyOf));
    const extra = managed.filter((o) => !targetKeys.has(keyOf(o)) && !hasOption(annotation(o, COMPARE_OPTIONS), 'IgnoreExtraneous'));
    this.synced.set(name, !failed && targets.every((t) => tracked.has(keyOf(t))) && extra.length === 0);
  }

  private consumeApproval(name: string): void {
    const live = this.application(name)!;
    delete live.metadata.annotations![DELETION_APPROVED];
    this.changed = true;
  }

  /** finalizeApplicationDeletion with the resources finalizer: deletes what shouldBeDeleted, highest wave first. */
  private finalizeApplication(app: KubeObject): void {
    const by = `Application/${app.metadata.name}`;
    if (!app.metadata.finalizers?.some(isCascadeFinalizer)) return; // other finalizers: not emulated
    const shouldBeDeleted = (o: KubeObject) =>
      o.kind !== 'CustomResourceDefinition' &&
      o.metadata.uid !== app.metadata.uid &&
      syncOption(o, 'Delete', app) !== 'false' &&
      !hasOption(annotation(o, HELM_RESOURCE_POLICY), 'keep');
    const managed = this.managed(app);
    // "Wait for objects pending deletion": the loop runs over every managed object before
    // shouldBeDeleted, so an Application that tracks itself waits on its own deletionTimestamp.
    const pending = managed.filter((o) => o.metadata.deletionTimestamp);
    if (pending.length) return this.eventFor('waiting', app, by, `objects pending deletion: ${pending.map(keyOf).join(', ')}`, true);
    const doomed = managed.filter(shouldBeDeleted);
    const confirm = doomed.filter((o) => syncOption(o, 'Delete', app) === 'confirm' || syncOption(o, 'Prune', app) === 'confirm');
    if (confirm.length && !annotation(app, DELETION_APPROVED)) {
      for (const o of confirm) this.eventFor('awaiting-confirmation', o, by, 'deletion waits for deletion-approved', true);
      return;
    }
    if (doomed.length > 0) {
      const top = Math.max(...doomed.map(waveOf));
      for (const o of doomed.filter((x) => waveOf(x) === top)) this.delete(o, by, 'deleted with its Application (resources finalizer)');
      return;
    }
    // Done: UnSetCascadedDeletion; without other finalizers the API server removes the Application.
    app.metadata.finalizers = app.metadata.finalizers.filter((f) => !isCascadeFinalizer(f));
    this.changed = true;
    if (app.metadata.finalizers.length === 0) this.delete(app, by, 'finalizers done');
  }
}
