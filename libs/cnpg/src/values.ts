import type { HelmResources } from '@platform/core';
import type { k8s } from 'cdk8s-plus-30';

/**
 * The cloudnative-pg chart values we set (0.29.0). The operator image keeps the chart's default,
 * `ghcr.io/cloudnative-pg/cloudnative-pg:<appVersion>` (1.30.0), which synth's image check sees pinned.
 * @see https://github.com/cloudnative-pg/charts/blob/cloudnative-pg-v0.29.0/charts/cloudnative-pg/values.yaml
 */
export interface CloudNativePgValues {
  /** Object names independent of the release name: the operator's own manifests call it so. */
  readonly fullnameOverride: string;
  readonly replicaCount: number;
  /** The CRDs as chart templates (server-side applied: `poolers` is over the annotation limit). */
  readonly crds: { readonly create: boolean };
  readonly config: { readonly clusterWide: boolean };
  readonly resources: HelmResources;
  readonly topologySpreadConstraints: readonly k8s.TopologySpreadConstraint[];
  readonly priorityClassName: string;
  readonly containerSecurityContext: {
    readonly allowPrivilegeEscalation: false;
    readonly readOnlyRootFilesystem: true;
    readonly runAsUser: number;
    readonly runAsGroup: number;
    readonly seccompProfile: { readonly type: 'RuntimeDefault' };
    readonly capabilities: { readonly drop: readonly ['ALL'] };
  };
  readonly podSecurityContext: { readonly runAsNonRoot: true; readonly seccompProfile: { readonly type: 'RuntimeDefault' } };
  /** The chart's PodMonitor and Grafana dashboard stay off: addMonitor scrapes the operator. */
  readonly monitoring: { readonly podMonitorEnabled: false; readonly grafanaDashboard: { readonly create: false } };
}

/**
 * The plugin-barman-cloud chart values we set (0.7.0). Images keep the chart's defaults
 * (`ghcr.io/cloudnative-pg/plugin-barman-cloud:<appVersion>` and its `-sidecar`, v0.13.0).
 * @see https://github.com/cloudnative-pg/charts/blob/plugin-barman-cloud-v0.7.0/charts/plugin-barman-cloud/values.yaml
 */
export interface BarmanCloudValues {
  readonly fullnameOverride: string;
  /** One: the plugin's Deployment uses the Recreate strategy (rolling updates are not supported upstream). */
  readonly replicaCount: 1;
  readonly crds: { readonly create: boolean };
  readonly resources: HelmResources;
  readonly containerSecurityContext: CloudNativePgValues['containerSecurityContext'];
  readonly podSecurityContext: CloudNativePgValues['podSecurityContext'];
}
