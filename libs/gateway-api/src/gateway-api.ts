import { z } from 'zod';
import { Component, Namespace, Platform, parseComponentProps, strictObject, componentSchema } from '@platform/core';
import { GATEWAY_API_CRDS, GATEWAY_API_VERSIONS_SERVED } from './versions';

/** The props of GatewayApi, checked at synth; the TypeScript type is derived from it (one definition). */
const propsSchema = strictObject({
  /**
   * The cluster's CNI component (Cilium): the CRDs sync after it, like everything but the CNI.
   * @default - no CNI component in the cluster: nothing to wait for
   */
  cni: componentSchema("cluster's CNI (Cilium)").optional(),
});

export type GatewayApiProps = z.input<typeof propsSchema>;

/**
 * The Gateway API CRDs (standard channel) from their upstream release files, unmodified: the CRDs
 * Istio's gateway and every HTTPRoute use (pass it as the ingress provider's `crds`). No workload,
 * so its Application points at `kube-system` (CRDs are cluster-scoped; core renders no namespace
 * there) and applies server-side: the HTTPRoute CRD alone is about 240 kB.
 */
export class GatewayApi extends Component {
  constructor(scope: Platform, id: string, props: GatewayApiProps = {}) {
    const parsed = parseComponentProps(scope, id, propsSchema, props);
    super(scope, id, {
      namespace: Namespace.kubeSystem(),
      project: 'infrastructure',
      dependsOn: parsed.cni ? [parsed.cni.name] : [],
      manifests: { ...GATEWAY_API_CRDS, apiVersions: GATEWAY_API_VERSIONS_SERVED },
      syncOptions: ['ServerSideApply=true'],
    });
  }
}
