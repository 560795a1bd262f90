import type { HelmResources } from '@platform/core';
import type { k8s } from 'cdk8s-plus-30';

/** A probe as the vault chart takes it. */
export interface VaultProbeValues {
  readonly enabled: boolean;
  /** HTTP path on the API port (the chart's scheme: HTTPS when TLS is on). */
  readonly path: string;
  readonly port: number;
  readonly failureThreshold: number;
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly successThreshold: number;
  readonly timeoutSeconds: number;
}

/** A volume of the server pods: scratch space or a Secret (the listener's certificate). */
export interface VaultVolume {
  readonly name: string;
  readonly emptyDir?: { readonly sizeLimit: string };
  readonly secret?: { readonly secretName: string; readonly defaultMode: number };
}

/** A PersistentVolumeClaim template of the server StatefulSet. */
export interface VaultStorageValues {
  readonly enabled: boolean;
  readonly size: string;
  /** `null`: the cluster's default StorageClass (kind's local-path). */
  readonly storageClass: string | null;
  readonly accessMode: 'ReadWriteOnce';
  readonly mountPath: string;
}

/**
 * The vault chart values we set (0.34.1), checked against the chart's values.schema.json by validate.
 * The server HCL (`standalone.config` / `ha.raft.config`) carries the listener, storage, seal and
 * `ui = true`: the chart has no keys for them.
 * @see https://github.com/hashicorp/vault-helm/blob/v0.34.1/values.yaml
 */
export interface VaultValues {
  readonly global: {
    readonly enabled: boolean;
    /** false: the listener serves TLS and the chart's scheme (probes, VAULT_ADDR) is https. */
    readonly tlsDisable: boolean;
    readonly serverTelemetry: { readonly prometheusOperator: boolean };
  };
  /** The Vault Secrets Operator delivers secrets: no mutating webhook, no agent sidecars. */
  readonly injector: { readonly enabled: boolean };
  readonly csi: { readonly enabled: boolean };
  readonly server: {
    readonly enabled: boolean;
    readonly image: { readonly repository: string; readonly tag: string; readonly pullPolicy: 'IfNotPresent' };
    readonly resources: HelmResources;
    readonly readinessProbe: VaultProbeValues;
    readonly livenessProbe: VaultProbeValues;
    readonly extraEnvironmentVars: Readonly<Record<string, string>>;
    readonly volumes: readonly VaultVolume[];
    readonly volumeMounts: readonly k8s.VolumeMount[];
    readonly topologySpreadConstraints: readonly k8s.TopologySpreadConstraint[];
    /** The chart's anti-affinity template (one pod per node); the spread constraints say more. */
    readonly affinity: string;
    readonly dataStorage: VaultStorageValues;
    readonly auditStorage: VaultStorageValues;
    readonly authDelegator: { readonly enabled: boolean };
    readonly serviceAccount: {
      readonly create: boolean;
      /** The name the Pod Identity association of the unseal role binds (awsNames(spec).vault.serviceAccount). */
      readonly name: string;
      readonly createSecret: boolean;
      readonly serviceDiscovery: { readonly enabled: boolean };
    };
    readonly statefulSet: {
      readonly securityContext: { readonly pod: k8s.PodSecurityContext; readonly container: k8s.SecurityContext };
    };
    readonly service: { readonly enabled: boolean };
    readonly networkPolicy: { readonly enabled: boolean };
    readonly ingress: { readonly enabled: boolean };
    readonly route: { readonly enabled: boolean };
    readonly httproute: { readonly enabled: boolean };
    readonly standalone: { readonly enabled: boolean; readonly config?: string };
    readonly ha: {
      readonly enabled: boolean;
      readonly replicas?: number;
      readonly disruptionBudget?: { readonly enabled: boolean; readonly maxUnavailable: number };
      readonly raft?: { readonly enabled: boolean; readonly setNodeId: boolean; readonly config: string };
    };
  };
  /** ClusterIP only: the UI Service next to the API; reached by port-forward or a later expose(). */
  readonly ui: { readonly enabled: boolean; readonly serviceType: 'ClusterIP'; readonly externalPort: number; readonly targetPort: number };
  readonly serverTelemetry: {
    readonly serviceMonitor: { readonly enabled: boolean };
    readonly prometheusRules: { readonly enabled: boolean };
  };
}
