import { z } from 'zod';
import {
  Component,
  Platform,
  additionalValuesSchema,
  mergeValues,
  parseComponentProps,
  strictObject,
  componentSchema,
} from '@platform/core';
import { ISTIO_NAMESPACE, istioSystemNamespace } from './namespace';
import type { IstioBaseValues } from './values';
import { ISTIO_BASE_CHART } from './versions';

/** The props of IstioBase, checked at synth; the TypeScript type is derived from it (one definition). */
const propsSchema = strictObject({
  /** The cluster's CNI (Cilium): Istio's CNI plugin chains after it, so the mesh installs after it. */
  cni: componentSchema('CNI (Cilium)'),
  /** The component delivering the Gateway API CRDs, which istiod watches from its start. */
  gatewayApi: componentSchema('Gateway API CRDs'),
  /**
   * istiod runs on the host network: pass the same value as to Istiod (both declare istio-system).
   * @default false
   */
  hostNetwork: z.boolean().default(false),
  /**
   * Chart values we do not type, merged over ours (maps deeply, lists replaced).
   * @default - none
   */
  additionalValues: additionalValuesSchema().optional(),
});

export type IstioBaseProps = z.input<typeof propsSchema>;

/**
 * Istio's chart `base`: the Istio CRDs (as templates, so they upgrade with the chart; applied
 * server-side like every component) and the cluster-wide validating webhook of the default
 * revision. The first wave of the mesh: after the CNI and the Gateway API CRDs.
 */
export class IstioBase extends Component {
  constructor(scope: Platform, id: string, props: IstioBaseProps) {
    const parsed = parseComponentProps(scope, id, propsSchema, props);
    const values: IstioBaseValues = {
      // The istio-reader ServiceAccount serves multicluster remote secrets only.
      global: { istioNamespace: ISTIO_NAMESPACE, enableReaderRBAC: false },
      base: { enableCRDTemplates: true, enableIstioConfigCRDs: true, validationFailurePolicy: 'Fail' },
      defaultRevision: 'default',
    };
    super(scope, id, {
      namespace: istioSystemNamespace(parsed.hostNetwork),
      project: 'infrastructure',
      dependsOn: [parsed.cni.name, parsed.gatewayApi.name],
      chart: { ...ISTIO_BASE_CHART, values: mergeValues(values, parsed.additionalValues) },
    });
  }
}
