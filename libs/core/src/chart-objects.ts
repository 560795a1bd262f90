import type { Component, KubeObject } from './component';
import type { Problem } from './errors';
import { unpinnedImage } from './images';
import { POD_SPEC_PATHS, groupOf, isClusterScoped } from './kinds';
import { ARGOCD_SYNC_OPTIONS, ARGOCD_SYNC_WAVE } from './labels';

/**
 * `group/kind` of the cluster-scoped kinds the given CRDs define: pass every chart's objects of a
 * cluster, since a CRD may ship in one chart (karpenter-crd) and its objects in another.
 */
export function clusterScopedCrdKinds(objects: readonly KubeObject[]): Set<string> {
  return new Set(
    objects
      .filter((o) => o.kind === 'CustomResourceDefinition' && o.spec?.scope === 'Cluster')
      .map((o) => `${o.spec.group}/${o.spec.names?.kind}`),
  );
}

/** Objects above this size need server-side apply (the last-applied annotation is limited to 262,144 bytes). */
const CLIENT_SIDE_APPLY_LIMIT = 262_144;

/** Objects normalizeChartObjects has made explicit (it runs again, for its checks, after patches). */
const NORMALIZED = new WeakSet<object>();

/** `group/version` of every version a rendered CRD serves. */
export function servedApiVersions(objects: readonly KubeObject[]): string[] {
  return objects
    .filter((o) => o.kind === 'CustomResourceDefinition')
    .flatMap((o) => (o.spec?.versions ?? []).filter((v: any) => v.served !== false).map((v: any) => `${o.spec.group}/${v.name}`));
}

/**
 * Makes what `helm template` rendered (and the component's pinned manifest files, manifests.ts)
 * explicit, as Argo CD would apply it: namespaced objects without a namespace get the release namespace; CRDs sync before everything else in the
 * Application (wave -1) and the large ones with server-side apply. Also checks the chart's
 * declared `apiVersions` against the CRDs it renders.
 */
export function normalizeChartObjects(
  component: Component,
  objects: readonly KubeObject[],
  crdClusterKinds: ReadonlySet<string> = clusterScopedCrdKinds(objects),
): { objects: KubeObject[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const field = component.chart ? 'chart' : 'manifests';
  const at = (message: string) => problems.push({ file: component.platform.file, path: `components.${component.name}.${field}`, message });
  // In place: every render result is this component's own copy (see hydrate.ts).
  const out = objects.map((o) => {
    // Normalized already (synth checks again after the component's patches): only the checks run.
    if (NORMALIZED.has(o)) return o;
    NORMALIZED.add(o);
    const key = `${groupOf(o.apiVersion)}/${o.kind}`;
    if (!o.metadata?.namespace && !isClusterScoped(key) && !crdClusterKinds.has(key)) o.metadata.namespace = component.home.name;
    if (o.kind === 'CustomResourceDefinition') {
      const annotations: Record<string, string> = { ...o.metadata.annotations, [ARGOCD_SYNC_WAVE]: '-1' };
      if (JSON.stringify(o).length > CLIENT_SIDE_APPLY_LIMIT) annotations[ARGOCD_SYNC_OPTIONS] = 'ServerSideApply=true';
      o.metadata.annotations = annotations;
    }
    return o;
  });
  for (const o of out)
    for (const image of podImages(o)) {
      const problem = unpinnedImage(image);
      if (problem) at(`${o.kind} ${o.metadata.name}: ${problem}; set the image tag in the chart values`);
    }
  // The chart's CRDs and those of the component's pinned manifest files, together.
  const declared = [...new Set([...(component.chart?.apiVersions ?? []), ...(component.manifests?.apiVersions ?? [])])].sort();
  const served = [...new Set(servedApiVersions(out))].sort();
  if (declared.join() !== served.join())
    at(
      `declares apiVersions [${declared.join(', ')}] but its CRDs serve [${served.join(', ')}]: set apiVersions in the component's versions.ts to what the ${component.chart ? 'chart serves' : 'manifest files serve'}`,
    );
  return { objects: out, problems };
}

/** Images of the pod template of a workload (or a Pod), every kind of container included. */
export function podImages(o: KubeObject): string[] {
  const path = POD_SPEC_PATHS[o.kind];
  const pod = path?.reduce<any>((at, key) => at?.[key], o);
  if (!pod) return [];
  return [...(pod.initContainers ?? []), ...(pod.containers ?? []), ...(pod.ephemeralContainers ?? [])].map(
    (c: { image?: string }) => c.image ?? '',
  );
}
