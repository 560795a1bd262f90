import type { HelmResources } from '@platform/core';
import type { k8s } from 'cdk8s-plus-30';

/** How pod IPs are allocated: ENI (EKS, pod IPs from the VPC) or Cilium's own pool (kind). */
export type CiliumIpamValues =
  | { readonly mode: 'eni' }
  | { readonly mode: 'cluster-pool'; readonly operator: { readonly clusterPoolIPv4PodCIDRList: readonly string[] } };

/** A container's securityContext fields we add to the chart's defaults (Helm merges maps). */
export interface CiliumSecurityContextValues {
  readonly readOnlyRootFilesystem: true;
  readonly runAsNonRoot?: true;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
}

/** A Prometheus endpoint of the chart: on, and the chart's own ServiceMonitor off (monitors go through addMonitor). */
export interface CiliumPrometheusValues {
  readonly enabled: boolean;
  readonly serviceMonitor: { readonly enabled: false };
}

/**
 * The cilium chart values we set (1.18.12), checked at validate against the chart's
 * values.schema.json (closed, plus the commented-out keys listed in chart-schema-sources.json:
 * `egressMasqueradeInterfaces`, `socketLB.hostNamespaceOnly`).
 * @see https://github.com/cilium/cilium/blob/v1.18.12/install/kubernetes/cilium/values.yaml
 */
export interface CiliumValues {
  /** ENI mode (EKS only; absent in kind). */
  readonly eni?: { readonly enabled: true; readonly subnetTagsFilter: readonly string[] };
  /** Entities CIDR selectors may match besides external addresses (kind: `nodes`, where the API server runs). */
  readonly policyCIDRMatchMode?: readonly 'nodes'[];
  readonly ipam: CiliumIpamValues;
  readonly routingMode: 'native' | 'tunnel';
  /** Encapsulation in tunnel mode. */
  readonly tunnelProtocol?: 'vxlan';
  /** Masquerade pod traffic leaving the VPC only through the primary interface (ENI mode). */
  readonly egressMasqueradeInterfaces?: string;
  readonly kubeProxyReplacement: boolean;
  /** The API server as nodes reach it (with kube-proxy replacement there is no Service to it before Cilium runs). */
  readonly k8sServiceHost?: string;
  readonly k8sServicePort?: number;
  readonly encryption: { readonly enabled: true; readonly type: 'wireguard'; readonly nodeEncryption: true };
  /** Socket load balancing only in the host namespace: pods' connections reach Istio's sidecar unchanged. */
  readonly socketLB: { readonly hostNamespaceOnly: true };
  /** Not the only CNI: Istio's CNI plugin chains after Cilium's configuration. */
  readonly cni: { readonly exclusive: false; readonly resources: HelmResources };
  /** The agent container, and its init containers. */
  readonly resources: HelmResources;
  readonly initResources: HelmResources;
  /** The init container that mounts the cgroup2 file system (its own resources key). */
  readonly cgroup: { readonly autoMount: { readonly resources: HelmResources } };
  /** The agent's metrics (port `prometheus`, 9962). */
  readonly prometheus: CiliumPrometheusValues;
  readonly envoy: { readonly resources: HelmResources; readonly prometheus: CiliumPrometheusValues };
  readonly operator: {
    readonly replicas: number;
    readonly podDisruptionBudget: { readonly enabled: boolean; readonly maxUnavailable: number };
    readonly topologySpreadConstraints: readonly k8s.TopologySpreadConstraint[];
    readonly resources: HelmResources;
    readonly securityContext: CiliumSecurityContextValues;
    readonly extraEnv: readonly k8s.EnvVar[];
    /** Plain data (Helm values), so not cdk8s' Volume with its Quantity objects. */
    readonly extraVolumes: readonly { readonly name: string; readonly emptyDir: { readonly sizeLimit: string } }[];
    readonly extraVolumeMounts: readonly k8s.VolumeMount[];
    /** The operator's metrics (port `prometheus`, 9963). */
    readonly prometheus: CiliumPrometheusValues;
  };
  readonly hubble: {
    readonly enabled: boolean;
    /** Certificates from the chart's certgen Job and CronJob: deterministic output (`helm` would generate new ones on every render). */
    readonly tls: { readonly auto: { readonly method: 'cronJob' } };
    readonly relay: {
      readonly enabled: boolean;
      readonly resources: HelmResources;
      readonly securityContext: CiliumSecurityContextValues;
      /** gops writes into the image's file system; off, so the root file system can be read-only. */
      readonly gops: { readonly enabled: false };
      readonly prometheus: CiliumPrometheusValues;
    };
    /** Hubble's flow metrics on the agents (port `hubble-metrics`, 9965); absent: off. */
    readonly metrics: { readonly enabled?: readonly string[]; readonly serviceMonitor: { readonly enabled: false } };
  };
  /** The Job and CronJob that issue Hubble's certificates. */
  readonly certgen: { readonly resources: HelmResources };
  /** cilium-envoy reads its configuration from the agent over a local socket, never from the API. */
  readonly serviceAccounts: { readonly envoy: { readonly automount: false } };
  /** The namespace of TLS secrets for L7 policies: declared by the component (core renders it), not by the chart. */
  readonly tls: { readonly secretsNamespace: { readonly create: false; readonly name: string } };
}
