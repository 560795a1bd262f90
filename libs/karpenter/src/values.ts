import type { HelmResources } from '@platform/core';
import type { k8s } from 'cdk8s-plus-30';

/**
 * The karpenter chart values we set (1.14.1). The controller image keeps the chart's own pin (tag
 * and digest of the release).
 * @see https://github.com/aws/karpenter-provider-aws/blob/v1.14.1/charts/karpenter/values.yaml
 */
export interface KarpenterValues {
  /** Object names independent of the release name (the Pod Identity association names the ServiceAccount). */
  readonly fullnameOverride: string;
  readonly serviceAccount: { readonly create: boolean; readonly name: string };
  readonly replicas: number;
  readonly podDisruptionBudget: { readonly name: string; readonly maxUnavailable: number };
  readonly topologySpreadConstraints: readonly k8s.TopologySpreadConstraint[];
  readonly priorityClassName: string;
  readonly dnsPolicy: 'ClusterFirst';
  readonly hostNetwork: boolean;
  readonly controller: {
    readonly resources: HelmResources;
    readonly env: readonly k8s.EnvVar[];
    readonly metrics: { readonly port: number };
    readonly healthProbe: { readonly port: number };
  };
  readonly settings: {
    readonly clusterName: string;
    /** `https://<host>[:port]`; empty: discovered with eks:DescribeCluster at start. */
    readonly clusterEndpoint: string;
    readonly interruptionQueue: string;
  };
  /** The ServiceMonitor is not used: monitoring goes through addMonitor's PodMonitor. */
  readonly serviceMonitor: { readonly enabled: boolean };
}
