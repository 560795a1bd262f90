import type { ClusterSpec } from './cluster-spec';

/**
 * Names of the AWS resources a cluster's components and the Terraform app share (IAM roles, the
 * Karpenter interruption queue, the discovery tag, KMS alias, buckets), derived from the cluster
 * name in one place: components read them from here, and Terraform gets the same values (see
 * apps/terraform-aws), so the two cannot drift apart.
 */
export interface AwsNames {
  /** Tag on the subnets and security groups Karpenter launches nodes into: `karpenter.sh/discovery=<value>`. */
  readonly discoveryTag: { readonly key: 'karpenter.sh/discovery'; readonly value: string };
  /**
   * Tag of the subnets carved from the pods' secondary CIDR (`network.podCidr`): Cilium's operator
   * creates the pods' ENIs only in subnets carrying it (`eni.subnetTagsFilter`).
   */
  readonly podSubnetTag: { readonly key: string; readonly value: string };
  /** IAM role of Cilium's operator (ENI IPAM: EC2 network interfaces), bound by Pod Identity to `kube-system/cilium-operator`. */
  readonly ciliumOperatorRole: string;
  readonly karpenter: {
    /** IAM role of the nodes Karpenter launches (the EC2NodeClass `role`). */
    readonly nodeRole: string;
    /** SQS queue of EC2 interruption events (spot interruptions, rebalance, health). */
    readonly interruptionQueue: string;
    /** IAM role of the Karpenter controller, bound by EKS Pod Identity to `karpenter/karpenter`. */
    readonly controllerRole: string;
  };
}

/** The AWS names of cluster `spec` (see AwsNames). */
export function awsNames(spec: Pick<ClusterSpec, 'name'>): AwsNames {
  const n = spec.name;
  return {
    discoveryTag: { key: 'karpenter.sh/discovery', value: n },
    podSubnetTag: { key: 'platform/subnet', value: 'pods' },
    ciliumOperatorRole: `${n}-cilium-operator`,
    karpenter: {
      nodeRole: `${n}-karpenter-node`,
      interruptionQueue: `${n}-karpenter-interruption`,
      controllerRole: `${n}-karpenter-controller`,
    },
  };
}
