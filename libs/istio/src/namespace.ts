import { Namespace } from '@platform/core';

/** Istio's control-plane namespace (`global.istioNamespace`, the mesh's root namespace). */
export const ISTIO_NAMESPACE = 'istio-system';

/**
 * `istio-system` as IstioBase and Istiod declare it (one declaration, or synth names both):
 * restricted, unless istiod runs on the host network, which Pod Security baseline forbids.
 */
export function istioSystemNamespace(hostNetwork: boolean): Namespace {
  return hostNetwork
    ? Namespace.privileged(ISTIO_NAMESPACE, {
        reason:
          'istiod runs on the host network (Cilium tunnel routing: the API server reaches the injection webhook only at a node address), which baseline forbids',
      })
    : Namespace.restricted(ISTIO_NAMESPACE);
}
