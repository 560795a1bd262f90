/** cert-manager, pinned: chart version = app version. CRDs in libs/crds come from the same tag. */
export const CERT_MANAGER_CHART = {
  repoURL: 'https://charts.jetstack.io',
  chart: 'cert-manager',
  version: 'v1.21.1',
  appVersion: 'v1.21.1',
} as const;
