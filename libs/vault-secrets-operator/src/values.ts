import type { HelmResources } from '@platform/core';
import type { k8s } from 'cdk8s-plus-30';

/**
 * The vault-secrets-operator chart values we set (1.4.1). The images keep the chart's own pins
 * (the release tags).
 * @see https://github.com/hashicorp/vault-secrets-operator/blob/v1.4.1/chart/values.yaml
 */
export interface VaultSecretsOperatorValues {
  readonly controller: {
    readonly replicas: number;
    readonly topologySpreadConstraints: readonly k8s.TopologySpreadConstraint[];
    /**
     * Rendered only with more than one replica. `minAvailable` is empty: the chart renders every
     * non-empty one of the two, and a PodDisruptionBudget may set only one.
     */
    readonly podDisruptionBudget: { readonly enabled: boolean; readonly maxUnavailable: number; readonly minAvailable: '' };
    readonly kubeRbacProxy: { readonly resources: HelmResources };
    readonly manager: {
      readonly resources: HelmResources;
      /** Flags after the chart's own: the last of a repeated flag wins. */
      readonly extraArgs: readonly string[];
      /** Leave the secret's raw JSON (`_raw`) out of every destination Secret, whatever its VaultStaticSecret says. */
      readonly globalTransformationOptions: { readonly excludeRaw: boolean };
    };
    /** Of the manager, the kube-rbac-proxy sidecar and the pre-delete cleanup Job. */
    readonly podSecurityContext: k8s.PodSecurityContext;
    /** Of every container (the chart uses one for all). */
    readonly securityContext: k8s.SecurityContext;
  };
  readonly metricsService: {
    readonly ports: readonly { readonly name: string; readonly port: number; readonly protocol: 'TCP'; readonly targetPort: string }[];
  };
  /** Our own VaultConnection `default` is rendered instead (its address is the cluster's Vault, known once composed). */
  readonly defaultVaultConnection: { readonly enabled: boolean };
  /** No namespace-wide default VaultAuth: every consumer logs in with its own role (vaultSecret). */
  readonly defaultAuthMethod: { readonly enabled: boolean };
  /** The chart's ServiceMonitor is not used: monitoring goes through addMonitor's PodMonitor. */
  readonly telemetry: { readonly serviceMonitor: { readonly enabled: boolean } };
  readonly hooks: {
    /** Of the pre-delete cleanup Job. */
    readonly resources: HelmResources;
    /**
     * The pre-upgrade Job that applies the CRDs: off, the component's manifests carry them (Argo CD
     * would run that hook as a PreSync on every sync).
     */
    readonly upgradeCRDs: { readonly enabled: boolean };
  };
  /** The Secrets Store CSI provider: not used (secrets arrive as Secrets). */
  readonly csi: { readonly enabled: boolean };
}
