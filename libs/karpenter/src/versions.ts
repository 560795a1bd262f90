import type { ComponentVersions, UpstreamChart } from '@platform/core';

/** Karpenter's release: chart version = app version = controller image tag. CRDs in libs/crds come from the same release. */
export const KARPENTER_VERSION = '1.14.1';

/**
 * The karpenter chart from its source tree at the release commit (rendered at synth with
 * `--include-crds`, never fetched by Argo CD). The tag v1.14.1 still says 1.13.0 in Chart.yaml; the
 * release commit after it only bumps the chart versions and the image tag and digest, so it is the
 * commit pinned here. Its `crds/` are the same files as the `karpenter-crd` chart's templates
 * (which only add an annotations hook): see Karpenter's TSDoc for why this chart alone delivers them.
 * Bump: the version, the commit and `digest` (`node scripts/charts.mjs digest <charts dir> karpenter-<version>`).
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
      commit: 'c88abbbad455186e69e30296c595e474123e9bc1',
      path: 'charts/karpenter',
    },
  },
  apiVersions: ['autoscaling.x-k8s.io/v1beta1', 'karpenter.k8s.aws/v1', 'karpenter.sh/v1', 'karpenter.sh/v1alpha1'],
};

/** Every version Karpenter pins (see ComponentVersions). The chart ships no values schema. */
export const KARPENTER_VERSIONS: ComponentVersions = {
  chart: KARPENTER_CHART,
  crds: {
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
  },
  valuesSchema: 'none',
};
