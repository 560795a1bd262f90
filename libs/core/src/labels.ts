/** The recommended labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/). */
export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_VERSION = 'app.kubernetes.io/version';

/** Value of `app.kubernetes.io/managed-by` on every object we render. */
export const MANAGED_BY = 'cdk8s';

/** Argo CD annotation ordering objects inside one Application. */
export const ARGOCD_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
/** Argo CD annotation with per-object sync options. */
export const ARGOCD_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
/** Argo CD annotation with per-object compare options. */
export const ARGOCD_COMPARE_OPTIONS = 'argocd.argoproj.io/compare-options';

/** Labels added to every object of a component, only where the object does not set them. */
export function commonLabels(component: string): Record<string, string> {
  return { [LABEL_PART_OF]: component, [LABEL_MANAGED_BY]: MANAGED_BY };
}

/**
 * Selector labels of a workload: stable, never a version or a construct address, because
 * selectors are immutable in a live cluster.
 */
export function selectorLabels(name: string, instance = name): Record<string, string> {
  return { [LABEL_NAME]: name, [LABEL_INSTANCE]: instance };
}
