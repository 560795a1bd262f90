import type { ComponentVersions, CrdPin } from '@platform/core';

/** The Gateway API release: Istio 1.30.3 implements it (its go.mod requires sigs.k8s.io/gateway-api v1.5.1). */
export const GATEWAY_API_VERSION = 'v1.5.1';

/**
 * The standard-channel CRDs of the release, as upstream publishes them (config/crd/standard at the
 * tag, pinned with their sha256 in libs/crds/crd-sources.json, folder `gateway-api-1.5.1`). The
 * folder's `gateway.networking.k8s.io_vap_safeupgrades.yaml` (a ValidatingAdmissionPolicy, not a
 * CRD) is not delivered. Bump: the version, then the pins in crd-sources.json and crds.json.
 */
export const GATEWAY_API_CRDS: CrdPin = {
  project: 'gateway-api',
  repo: 'kubernetes-sigs/gateway-api',
  tag: GATEWAY_API_VERSION,
  files: [
    'gateway.networking.k8s.io_backendtlspolicies.yaml',
    'gateway.networking.k8s.io_gatewayclasses.yaml',
    'gateway.networking.k8s.io_gateways.yaml',
    'gateway.networking.k8s.io_grpcroutes.yaml',
    'gateway.networking.k8s.io_httproutes.yaml',
    'gateway.networking.k8s.io_listenersets.yaml',
    'gateway.networking.k8s.io_referencegrants.yaml',
    'gateway.networking.k8s.io_tlsroutes.yaml',
  ],
};

/** API versions the CRDs serve (passed to every chart of the cluster, checked against the CRDs delivered). */
export const GATEWAY_API_VERSIONS_SERVED: readonly string[] = ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1'];

/** Every version the Gateway API component pins (see ComponentVersions): no chart, upstream files only. */
export const GATEWAY_API_VERSIONS: ComponentVersions = {
  crds: GATEWAY_API_CRDS,
  valuesSchema: 'none',
};
