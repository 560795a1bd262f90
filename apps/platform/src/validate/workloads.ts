/**
 * Small, dependency-free helpers to walk the Kubernetes objects of a ValidateContext:
 * where the pod spec of each workload kind lives, its containers, and how objects are named
 * in findings. Shared by the policies, the secret scan and the contract check.
 */
import type { DistComponent, DistObject, ValidateContext } from './types';
import { CLUSTER_SCOPED_KIND_NAMES, POD_SPEC_PATHS } from '@platform/core/kinds';
import { isRecord, type Json } from './util';

export const WORKLOAD_KINDS: readonly string[] = Object.keys(POD_SPEC_PATHS);

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asRecord(value: unknown): Json {
  return isRecord(value) ? value : {};
}

export function getPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** One object of the context with the facts every check needs. */
export interface Item {
  readonly source: DistObject;
  readonly component: DistComponent;
  readonly kind: string;
  readonly name: string;
  /** metadata.namespace, else the component's destination namespace (Argo CD applies it there). */
  readonly namespace?: string;
  /** `Kind/namespace/name` or `Kind/name`. */
  readonly ref: string;
  readonly object: Json;
}

export function componentNamespace(component: DistComponent): string | undefined {
  const ns = asRecord(component.componentJson).namespace;
  return typeof ns === 'string' && ns !== '' ? ns : undefined;
}

/** Like util.objectRef, but with the effective namespace (the component's when metadata has none). */
export function itemRef(kind: string, name: string, namespace?: string): string {
  return namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}

export function itemsOf(component: DistComponent): Item[] {
  return component.objects.map((source) => {
    const object = source.object as Json;
    const kind = source.object.kind ?? '(no kind)';
    const name = source.object.metadata?.name ?? '(no name)';
    // Cluster-scoped kinds get no default namespace.
    const namespace = CLUSTER_SCOPED_KIND_NAMES.has(kind)
      ? source.object.metadata?.namespace
      : (source.object.metadata?.namespace ?? componentNamespace(component));
    return { source, component, kind, name, namespace, ref: itemRef(kind, name, namespace), object };
  });
}

export function allItems(ctx: ValidateContext): Item[] {
  return ctx.clusters.flatMap((cluster) => cluster.components.flatMap(itemsOf));
}

/** The pod spec of a workload, with its JSON path, or undefined for other kinds. */
export function podSpecOf(item: Item): { spec: Json; path: string } | undefined {
  const path = POD_SPEC_PATHS[item.kind];
  if (!path) return undefined;
  const spec = getPath(item.object, path);
  return isRecord(spec) ? { spec, path: path.join('.') } : undefined;
}

/** Labels of the pods a workload creates (the template labels; a bare Pod's own labels). */
export function podLabelsOf(item: Item): Record<string, string> {
  const path = item.kind === 'Pod' ? ['metadata', 'labels'] : templateMetadataPath(item.kind).concat('labels');
  const labels = getPath(item.object, path);
  return isRecord(labels) ? (labels as Record<string, string>) : {};
}

export function templateMetadataPath(kind: string): string[] {
  const path = POD_SPEC_PATHS[kind] ?? [];
  return path.slice(0, -1).concat('metadata');
}

/**
 * What a container is to the pod: `container` (long-running in long-running workloads), `init`
 * (runs to completion before the others), `sidecar` (an init container with `restartPolicy: Always`,
 * running beside the containers) or `ephemeral` (debug containers; Kubernetes forbids resources,
 * ports and probes on them).
 */
export type ContainerRole = 'container' | 'init' | 'sidecar' | 'ephemeral';

export interface ContainerRef {
  readonly container: Json;
  readonly name: string;
  /** JSON path, e.g. `spec.template.spec.initContainers[0]`. */
  readonly path: string;
  /** True for init containers, sidecars included. */
  readonly init: boolean;
  readonly role: ContainerRole;
}

/** Init containers (and sidecars), containers, then ephemeral containers, each in list order. */
export function containersOf(podSpec: Json, podSpecPath: string): ContainerRef[] {
  const list = (field: 'containers' | 'initContainers' | 'ephemeralContainers'): ContainerRef[] =>
    asArray(podSpec[field])
      .filter(isRecord)
      .map((container, index) => {
        const role: ContainerRole =
          field === 'containers'
            ? 'container'
            : field === 'ephemeralContainers'
              ? 'ephemeral'
              : container.restartPolicy === 'Always'
                ? 'sidecar'
                : 'init';
        return {
          container,
          name: typeof container.name === 'string' ? container.name : `#${index}`,
          path: `${podSpecPath}.${field}[${index}]`,
          init: field === 'initContainers',
          role,
        };
      });
  return [...list('initContainers'), ...list('containers'), ...list('ephemeralContainers')];
}

/** Helm hook types of an object (`helm.sh/hook: pre-install,pre-upgrade`), empty for other objects. */
export function helmHooksOf(item: Item): string[] {
  const value = getPath(item.object, ['metadata', 'annotations', 'helm.sh/hook']);
  return typeof value === 'string'
    ? value
        .split(',')
        .map((hook) => hook.trim())
        .filter(Boolean)
    : [];
}

/**
 * True for workloads whose pods run until stopped: Deployments, StatefulSets, DaemonSets,
 * ReplicaSets, and bare Pods unless their restartPolicy is Never or OnFailure (helm test pods).
 * Jobs and CronJobs run to completion.
 */
export function isLongRunning(item: Item, podSpec: Json): boolean {
  if (item.kind === 'Pod') return podSpec.restartPolicy !== 'Never' && podSpec.restartPolicy !== 'OnFailure';
  return LONG_RUNNING.has(item.kind);
}

const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);
