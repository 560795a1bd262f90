import type { ComponentVersions, UpstreamChart } from '@platform/core';

/** Cilium's release: chart version = app version (the agent, operator and Hubble Relay images). */
export const CILIUM_VERSION = '1.18.12';

/**
 * Cilium from its packaged chart (rendered at synth, never fetched by Argo CD; Terraform's
 * bootstrap applies the same rendered manifests). The package's images carry tag and digest.
 * Bump: the version, the package's `sha256` (the `digest` of its index.yaml entry) and `digest`
 * (`node scripts/charts.mjs digest <charts dir> cilium-<version>`), and the values schema pin in
 * apps/platform/src/validate/chart-schema-sources.json.
 */
export const CILIUM_CHART: UpstreamChart = {
  repoURL: 'https://helm.cilium.io',
  chart: 'cilium',
  version: CILIUM_VERSION,
  appVersion: CILIUM_VERSION,
  pin: {
    dir: `cilium-${CILIUM_VERSION}`,
    digest: '532c578610b832e8d178d69b64c1139503fa5e83a0a5d7b70a92f082d5e5f735',
    source: {
      type: 'package',
      url: `https://helm.cilium.io/cilium-${CILIUM_VERSION}.tgz`,
      sha256: '5923f9d9fcb11bc4692ad52353cc791b935d96e09ba0c535c5a8b88ea8a37572',
    },
  },
};

/** Every version Cilium pins (see ComponentVersions). */
export const CILIUM_VERSIONS: ComponentVersions = {
  chart: CILIUM_CHART,
  crds: {
    project: 'cilium',
    repo: 'cilium/cilium',
    tag: 'v1.18.2',
    files: [
      'ciliumbgpadvertisements.yaml',
      'ciliumbgpclusterconfigs.yaml',
      'ciliumbgpnodeconfigoverrides.yaml',
      'ciliumbgpnodeconfigs.yaml',
      'ciliumbgppeerconfigs.yaml',
      'ciliumbgppeeringpolicies.yaml',
      'ciliumcidrgroups.yaml',
      'ciliumclusterwideenvoyconfigs.yaml',
      'ciliumclusterwidenetworkpolicies.yaml',
      'ciliumegressgatewaypolicies.yaml',
      'ciliumendpoints.yaml',
      'ciliumendpointslices.yaml',
      'ciliumenvoyconfigs.yaml',
      'ciliumgatewayclassconfigs.yaml',
      'ciliumidentities.yaml',
      'ciliuml2announcementpolicies.yaml',
      'ciliumloadbalancerippools.yaml',
      'ciliumlocalredirectpolicies.yaml',
      'ciliumnetworkpolicies.yaml',
      'ciliumnodeconfigs.yaml',
      'ciliumnodes.yaml',
      'ciliumpodippools.yaml',
    ],
    tagReason:
      'v1.18.2 is the newest Cilium CRD set available to CI; the chart renders no CRDs (the 1.18.12 operator installs its own at start), and the kinds checked against these (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy) are served as cilium.io/v2 throughout 1.18',
  },
  valuesSchema: 'pinned',
};
