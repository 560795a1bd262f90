import type { ComponentVersions, UpstreamChart } from '@platform/core';

/**
 * Argo CD from the argo-helm chart, pinned to its source tree (rendered at synth, never fetched by
 * Argo CD). 10.1.1 ships Argo CD v3.4.4: the newest argo-helm release whose source is available to
 * this repository's CI (see docs/adr/0004-argocd-delivery.md). Bump: change version, appVersion,
 * the commits and `digest` (`node scripts/charts.mjs digest <charts dir> argo-cd-<version>`).
 */
export const ARGOCD_CHART: UpstreamChart = {
  repoURL: 'https://argoproj.github.io/argo-helm',
  chart: 'argo-cd',
  version: '10.1.1',
  appVersion: 'v3.4.4',
  pin: {
    dir: 'argo-cd-10.1.1',
    digest: '61fa5f8de3784d32dc58ab4eee4adab5801047f48e9b0db9c213001f0c86d207',
    source: { type: 'git', repo: 'argoproj/argo-helm', commit: 'af0a9310bacbaa4636018dfe22c801a6d33a5c43', path: 'charts/argo-cd' },
    dependencies: [
      {
        name: 'redis-ha',
        dir: 'charts/redis-ha',
        source: { type: 'git', repo: 'DandyDeveloper/charts', commit: '2e2539a8960ead2c268f48bdde3b2cdf2b2f1ac8', path: 'charts/redis-ha' },
      },
    ],
  },
  apiVersions: ['argoproj.io/v1alpha1'],
};

/** Every version Argo CD pins (see ComponentVersions). */
export const ARGOCD_VERSIONS: ComponentVersions = {
  chart: ARGOCD_CHART,
  crds: {
    project: 'argo-cd',
    repo: 'argoproj/argo-cd',
    tag: 'v3.5.1',
    files: ['application-crd.yaml', 'applicationset-crd.yaml', 'appproject-crd.yaml'],
    tagReason:
      'the CRD files available to CI are v3.5.1; the cluster runs the v3.4.4 CRDs the chart renders into dist, and the fields we set exist in both',
  },
  valuesSchema: 'none',
};
