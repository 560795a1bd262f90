import type { ComponentVersions, UpstreamChart } from '@platform/core';

/** Istio's release: every chart, image and CRD of the mesh is this one version. */
export const ISTIO_VERSION = '1.30.3';

/**
 * Where the release images live. The chart sources default to test images
 * (`registry.istio.io/testing`, tag `latest`; the release pipeline rewrites them), so every chart
 * sets `global.hub`/`global.tag` from these.
 */
export const ISTIO_IMAGES = { hub: 'docker.io/istio', tag: ISTIO_VERSION } as const;

/** The istio/istio commit of tag 1.30.3: the four charts are folders of it. */
const ISTIO_COMMIT = '56df41f63e513f834c9a3af33d8aed82d1d961f2';
const REPO_URL = 'https://istio-release.storage.googleapis.com/charts';

/**
 * One Istio chart from its source at the release tag (rendered at synth, never fetched by Argo CD).
 * The source Chart.yaml says version 1.0.0; the published chart of the release is ISTIO_VERSION.
 * Bump: ISTIO_VERSION, ISTIO_COMMIT and each `digest` (`node scripts/charts.mjs digest <charts dir> <dir>`).
 */
function istioChart(chart: string, dir: string, path: string, digest: string, apiVersions?: readonly string[]): UpstreamChart {
  return {
    repoURL: REPO_URL,
    chart,
    version: ISTIO_VERSION,
    appVersion: ISTIO_VERSION,
    pin: { dir, digest, source: { type: 'git', repo: 'istio/istio', commit: ISTIO_COMMIT, path } },
    ...(apiVersions && { apiVersions }),
  };
}

/** Chart `base`: the Istio CRDs and the default revision's validating webhook. */
export const ISTIO_BASE_CHART = istioChart(
  'base',
  'istio-base-1.30.3',
  'manifests/charts/base',
  '21d5e23e5e13926bd0cca80d6f11cd75da6a1e2927474fcbf983e0a62407b197',
  [
    'extensions.istio.io/v1alpha1',
    'networking.istio.io/v1',
    'networking.istio.io/v1alpha3',
    'networking.istio.io/v1beta1',
    'security.istio.io/v1',
    'security.istio.io/v1beta1',
    'telemetry.istio.io/v1',
    'telemetry.istio.io/v1alpha1',
  ],
);

/** Chart `cni`: the istio-cni node agent (traffic redirection without privileged init containers). */
export const ISTIO_CNI_CHART = istioChart(
  'cni',
  'istio-cni-1.30.3',
  'manifests/charts/istio-cni',
  '356bb1cab327b82e4b9647bfbcb8bb978a5d62b9a9f0eff390069f570bcace4b',
);

/** Chart `istiod`: the control plane (xDS, CA, sidecar injector, validation). */
export const ISTIOD_CHART = istioChart(
  'istiod',
  'istiod-1.30.3',
  'manifests/charts/istio-control/istio-discovery',
  'bf7db7ba1a60d0c9d3214844c866127f155f6daebf240609c8a9281112a82a53',
);

/** Chart `gateway`: the ingress gateway's Deployment, Service, HPA and PDB. */
export const ISTIO_GATEWAY_CHART = istioChart(
  'gateway',
  'istio-gateway-1.30.3',
  'manifests/charts/gateway',
  'c2e9f2f2daab2cfb258ba2c8b282f42b627d4424e68def5b7b687c2f4eb7a3c8',
);

/** Every version istio-base pins: the chart renders the CRDs validate checks and libs/crds imports. */
export const ISTIO_BASE_VERSIONS: ComponentVersions = {
  chart: ISTIO_BASE_CHART,
  crds: { project: 'istio', repo: 'istio/istio', tag: ISTIO_VERSION, files: ['crd-all.gen.yaml'] },
  valuesSchema: 'none',
};

/** Every version istio-cni pins. */
export const ISTIO_CNI_VERSIONS: ComponentVersions = { chart: ISTIO_CNI_CHART, valuesSchema: 'none' };

/** Every version istiod pins. */
export const ISTIOD_VERSIONS: ComponentVersions = { chart: ISTIOD_CHART, valuesSchema: 'none' };

/** Every version the ingress gateway pins; its chart ships a values.schema.json. */
export const ISTIO_GATEWAY_VERSIONS: ComponentVersions = { chart: ISTIO_GATEWAY_CHART, valuesSchema: 'pinned' };
