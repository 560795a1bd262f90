/** Argo CD from the argo-helm chart, pinned. CRDs in libs/crds come from the app version's tag. */
export const ARGOCD_CHART = {
  repoURL: 'https://argoproj.github.io/argo-helm',
  chart: 'argo-cd',
  version: '10.3.3',
  /** The Argo CD version that chart ships; libs/crds imports the Argo CD CRDs of the same tag. */
  appVersion: 'v3.5.1',
} as const;
