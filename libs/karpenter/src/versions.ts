import type { ComponentVersions, UpstreamChart } from '@platform/core';

/** Karpenter's release: chart version = app version = controller image tag. CRDs in libs/crds come from the same release. */
export const KARPENTER_VERSION = '1.14.1';

/** The release commit of both charts: the tag v1.14.1 still says 1.13.0 in Chart.yaml; the commit after it only bumps the chart versions and the image tag and digest. */
const RELEASE_COMMIT = 'c88abbbad455186e69e30296c595e474123e9bc1';

/** The API groups and versions Karpenter's CRDs serve. */
const KARPENTER_API_VERSIONS = ['autoscaling.x-k8s.io/v1beta1', 'karpenter.k8s.aws/v1', 'karpenter.sh/v1', 'karpenter.sh/v1alpha1'];

/**
 * The karpenter chart (the controller) from its source tree at the release commit, rendered at
 * synth without its `crds/` (the karpenter-crd chart delivers them), never fetched by Argo CD.
 * Bump both charts together: the version, the commit and each `digest`
 * (`node scripts/charts.mjs digest <charts dir> karpenter-<version>`, `karpenter-crd-<version>`).
 */
export const KARPENTER_CHART: UpstreamChart = {
  repoURL: 'oci://public.ecr.aws/karpenter',
  chart: 'karpenter',
  version: KARPENTER_VERSION,
  appVersion: KARPENTER_VERSION,
  pin: {
    dir: 'karpenter-1.14.1',
    digest: 'a95629c52a54fcbcdae338164abd3f157385320ef22dfcb9b9f184afc97e5316',
    source: {
      type: 'git',
      repo: 'aws/karpenter-provider-aws',
      commit: RELEASE_COMMIT,
      path: 'charts/karpenter',
    },
  },
  // Rendered without crds/: it serves no API of its own.
  apiVersions: [],
};

/** The karpenter-crd chart: Karpenter's CRDs as templates, the chart upstream keeps for upgrading them. */
export const KARPENTER_CRD_CHART: UpstreamChart = {
  repoURL: 'oci://public.ecr.aws/karpenter',
  chart: 'karpenter-crd',
  version: KARPENTER_VERSION,
  appVersion: KARPENTER_VERSION,
  pin: {
    dir: 'karpenter-crd-1.14.1',
    digest: 'f3c7aa4c0b0b675ec20642355e83bd7b994bd093714ceb5d2c87966c994ecd5a',
    source: { type: 'git', repo: 'aws/karpenter-provider-aws', commit: RELEASE_COMMIT, path: 'charts/karpenter-crd' },
  },
  apiVersions: KARPENTER_API_VERSIONS,
};

/** The CRD files validate checks Karpenter's custom resources against: the same release. */
const KARPENTER_CRDS: ComponentVersions['crds'] = {
  project: 'karpenter',
  repo: 'aws/karpenter-provider-aws',
  tag: `v${KARPENTER_VERSION}`,
  files: [
    'autoscaling.x-k8s.io_capacitybuffers.yaml',
    'karpenter.k8s.aws_ec2nodeclasses.yaml',
    'karpenter.sh_nodeclaims.yaml',
    'karpenter.sh_nodeoverlays.yaml',
    'karpenter.sh_nodepools.yaml',
  ],
};

/** Every version the karpenter-crd component pins. The chart ships no values schema. */
export const KARPENTER_CRD_VERSIONS: ComponentVersions = { chart: KARPENTER_CRD_CHART, crds: KARPENTER_CRDS, valuesSchema: 'none' };

/** Every version Karpenter pins (see ComponentVersions). The chart ships no values schema. */
export const KARPENTER_VERSIONS: ComponentVersions = { chart: KARPENTER_CHART, crds: KARPENTER_CRDS, valuesSchema: 'none' };
