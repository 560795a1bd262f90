import type { ClusterSpec } from './cluster-spec';

/** A workload's AWS identity: the IAM role EKS Pod Identity binds to exactly one ServiceAccount of one namespace. */
export interface PodIdentity {
  readonly role: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

/**
 * Names of the AWS resources a cluster's components and the Terraform app share (IAM roles and the
 * ServiceAccounts they are bound to, the Karpenter interruption queue, the discovery tags, the KMS
 * alias, buckets), derived from the cluster name in one place. Components read them from here;
 * synth writes them into `dist/<cluster>/cluster.json` (`aws`), which Terraform reads
 * (apps/terraform-aws), so the two sides cannot drift apart.
 */
export interface AwsNames {
  /** Tag on the subnets and security groups Karpenter launches nodes into: `karpenter.sh/discovery=<value>`. */
  readonly discoveryTag: { readonly key: 'karpenter.sh/discovery'; readonly value: string };
  /**
   * Tag of the subnets carved from the pods' secondary CIDR (`network.podCidr`): Cilium's operator
   * creates the pods' ENIs only in subnets carrying it (`eni.subnetTagsFilter`).
   */
  readonly podSubnetTag: { readonly key: string; readonly value: string };
  /** Cilium's operator (ENI IPAM: EC2 network interfaces). */
  readonly ciliumOperator: PodIdentity;
  readonly karpenter: {
    /** IAM role of the nodes Karpenter launches (the EC2NodeClass `role`). */
    readonly nodeRole: string;
    /** SQS queue of EC2 interruption events (spot interruptions, rebalance, health). */
    readonly interruptionQueue: string;
    /** IAM role of the Karpenter controller, bound by EKS Pod Identity to `karpenter/karpenter`. */
    readonly controllerRole: string;
    readonly controller: PodIdentity;
  };
  /** Vault's auto-unseal: the KMS key alias, and the server's identity that may use it. */
  readonly vault: PodIdentity & { readonly kmsAlias: string };
  /** Loki's object storage (chunks, ruler, admin) and the identity that may use it. */
  readonly loki: PodIdentity & { readonly bucket: string };
  /** The bucket CloudNativePG clusters back up to (one prefix per cluster); each backing-up cluster's identity is `cnpgBackup(...)`. */
  readonly cnpgBackups: { readonly bucket: string };
  /** Every Pod Identity association Terraform creates, sorted by role. */
  readonly podIdentities: readonly PodIdentity[];
}

/** The IAM role of the CloudNativePG cluster `name` in `namespace` that backs up to `cnpgBackups.bucket`. */
export function cnpgBackupIdentity(spec: Pick<ClusterSpec, 'name'>, namespace: string, name: string): PodIdentity {
  // CloudNativePG runs each cluster's instances (and the Barman Cloud plugin beside them) as the ServiceAccount named after the cluster.
  return { role: `${spec.name}-cnpg-${name}-backup`, namespace, serviceAccount: name };
}

/** The CloudNativePG clusters that back up to S3 when the cluster backs up at all (prod): Keycloak's and the API's databases. */
export const CNPG_BACKED_UP_CLUSTERS: readonly { readonly namespace: string; readonly name: string }[] = [
  { namespace: 'api', name: 'api-db' },
  { namespace: 'iam-system', name: 'keycloak-db' },
];

/** The AWS names of cluster `spec` (see AwsNames). */
export function awsNames(spec: Pick<ClusterSpec, 'name'>): AwsNames {
  const n = spec.name;
  const ciliumOperator: PodIdentity = { role: `${n}-cilium-operator`, namespace: 'kube-system', serviceAccount: 'cilium-operator' };
  const controller: PodIdentity = { role: `${n}-karpenter-controller`, namespace: 'karpenter', serviceAccount: 'karpenter' };
  const vault = { role: `${n}-vault-unseal`, namespace: 'vault', serviceAccount: 'vault', kmsAlias: `alias/${n}-vault-unseal` };
  const loki = { role: `${n}-loki`, namespace: 'observability-system', serviceAccount: 'loki', bucket: `${n}-platform-loki` };
  const backups = CNPG_BACKED_UP_CLUSTERS.map((c) => cnpgBackupIdentity(spec, c.namespace, c.name));
  const identity = ({ role, namespace, serviceAccount }: PodIdentity): PodIdentity => ({ role, namespace, serviceAccount });
  return {
    discoveryTag: { key: 'karpenter.sh/discovery', value: n },
    podSubnetTag: { key: 'platform/subnet', value: 'pods' },
    ciliumOperator,
    karpenter: {
      nodeRole: `${n}-karpenter-node`,
      interruptionQueue: `${n}-karpenter-interruption`,
      controllerRole: controller.role,
      controller,
    },
    vault,
    loki,
    cnpgBackups: { bucket: `${n}-platform-cnpg-backups` },
    podIdentities: [ciliumOperator, controller, identity(vault), identity(loki), ...backups].sort((a, b) => (a.role < b.role ? -1 : 1)),
  };
}
