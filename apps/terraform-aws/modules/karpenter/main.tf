# Karpenter's AWS side: the controller's role (bound by EKS Pod Identity to exactly karpenter's
# namespace and ServiceAccount), the role of the nodes it launches (with its EKS access entry), and
# the interruption queue fed by EventBridge rules (spot interruption, rebalance, instance state
# change, scheduled health events). The NodePool and EC2NodeClass stay on the cdk8s side
# (libs/karpenter), which reads the same names from awsNames().

module "karpenter" {
  source  = "terraform-aws-modules/eks/aws//modules/karpenter"
  version = "21.19.0"

  cluster_name = var.cluster_name

  iam_role_name            = var.cluster.aws.karpenter.controller.role
  iam_role_use_name_prefix = false

  create_pod_identity_association = true
  namespace                       = var.cluster.aws.karpenter.controller.namespace
  service_account                 = var.cluster.aws.karpenter.controller.serviceAccount

  node_iam_role_name            = var.cluster.aws.karpenter.nodeRole
  node_iam_role_use_name_prefix = false
  # Cilium's operator manages the ENIs (its own role): Karpenter's nodes need no CNI policy.
  node_iam_role_attach_cni_policy = false
  node_iam_role_additional_policies = {
    # Bottlerocket's control container is reached through SSM, never SSH.
    ssm = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
  }
  create_access_entry = true

  enable_spot_termination   = true
  queue_name                = var.cluster.aws.karpenter.interruptionQueue
  queue_managed_sse_enabled = true

  tags = {
    (var.cluster.aws.discoveryTag.key) = var.cluster.aws.discoveryTag.value
  }
}
