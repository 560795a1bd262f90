/** Argo CD from the argo-helm chart, pinned. CRDs in libs/crds come from the app version's tag. */
export const ARGOCD_CHART = {
  repoURL: 'https://argoproj.github.io/argo-helm',
  chart: 'argo-cd',
  version: '10.3.3',
} as const;

/** The Argo CD version that chart ships (its appVersion). */
export const ARGOCD_APP_VERSION = 'v3.5.1';
