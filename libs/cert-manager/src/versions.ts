import type { ComponentVersions, UpstreamChart } from '@platform/core';

/** cert-manager's release: chart version = app version = image tags. CRDs in libs/crds come from the same tag. */
export const CERT_MANAGER_VERSION = 'v1.21.1';

/**
 * cert-manager from its chart source at the release tag (rendered at synth, never fetched by Argo
 * CD). The source chart says `v0.0.0` (the release build rewrites it), so the image tags are set in
 * values from CERT_MANAGER_VERSION. Bump: the version, the commit and `digest`
 * (`node scripts/charts.mjs digest <charts dir> cert-manager-<version>`).
 */
export const CERT_MANAGER_CHART: UpstreamChart = {
  repoURL: 'https://charts.jetstack.io',
  chart: 'cert-manager',
  version: CERT_MANAGER_VERSION,
  appVersion: CERT_MANAGER_VERSION,
  pin: {
    dir: 'cert-manager-v1.21.1',
    digest: '86b67034727f7903f0e2d453f7d5360d2655ed8c9bbc4e84f54c29875638257d',
    source: {
      type: 'git',
      repo: 'cert-manager/cert-manager',
      commit: '24e33194fb39488eff2bbf10c6dc640f407cad44',
      path: 'deploy/charts/cert-manager',
    },
  },
  apiVersions: ['acme.cert-manager.io/v1', 'cert-manager.io/v1'],
};

/** Every version cert-manager pins (see ComponentVersions). */
export const CERT_MANAGER_VERSIONS: ComponentVersions = {
  chart: CERT_MANAGER_CHART,
  crds: {
    project: 'cert-manager',
    repo: 'cert-manager/cert-manager',
    tag: CERT_MANAGER_VERSION,
    files: [
      'acme.cert-manager.io_challenges.yaml',
      'acme.cert-manager.io_orders.yaml',
      'cert-manager.io_certificaterequests.yaml',
      'cert-manager.io_certificates.yaml',
      'cert-manager.io_clusterissuers.yaml',
      'cert-manager.io_issuers.yaml',
    ],
  },
  valuesSchema: 'none',
};
