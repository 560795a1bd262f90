# The EKS cluster, without kube-proxy and without the VPC CNI: Cilium replaces both (ENI IPAM,
# kube-proxy replacement), and the bootstrap step (modules/bootstrap) installs it from dist/.
#
# How the cluster is created without them: terraform-aws-modules/eks 21.19.0 hard-codes
# `bootstrap_self_managed_addons = false` on aws_eks_cluster (main.tf; docs/UPGRADE-21.0.md), so EKS
# does not install the self-managed kube-proxy, aws-node (VPC CNI) and CoreDNS it otherwise deploys
# at creation; and `addons` below names neither `kube-proxy` nor `vpc-cni`, so no managed add-on
# brings them back. CoreDNS and the EBS CSI driver need pod networking to turn ACTIVE, so they are
# created by the bootstrap step once Cilium runs; the Pod Identity agent (host network) is created
# here, before the nodes.

locals {
  admin_access_entries = {
    for i, arn in var.admin_role_arns : "admin-${i}" => {
      principal_arn = arn
      policy_associations = {
        admin = {
          policy_arn   = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
          access_scope = { type = "cluster" }
        }
      }
    }
  }
}

module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "21.19.0"

  name               = var.cluster.name
  kubernetes_version = var.cluster.kubernetesVersion
  service_ipv4_cidr  = var.cluster.aws.network.serviceCidr

  vpc_id                   = var.vpc_id
  subnet_ids               = var.subnet_ids
  control_plane_subnet_ids = var.subnet_ids

  # Private endpoint; the public one only when CIDRs are named (never 0.0.0.0/0, see variables.tf).
  endpoint_private_access      = true
  endpoint_public_access       = length(var.public_access_cidrs) > 0
  endpoint_public_access_cidrs = var.public_access_cidrs

  authentication_mode                      = "API"
  enable_cluster_creator_admin_permissions = true
  access_entries                           = local.admin_access_entries

  # Secrets envelope-encrypted with a KMS key the module creates (rotated yearly).
  create_kms_key                  = true
  enable_kms_key_rotation         = true
  kms_key_deletion_window_in_days = 30
  encryption_config = {
    resources = ["secrets"]
  }

  enabled_log_types                      = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
  cloudwatch_log_group_retention_in_days = var.log_retention_days
  deletion_protection                    = var.deletion_protection

  # Only the Pod Identity agent here (see the header). No kube-proxy, no vpc-cni.
  addons = {
    eks-pod-identity-agent = {
      before_compute = true
      most_recent    = false
    }
  }

  security_group_additional_rules = length(var.private_access_cidrs) == 0 ? {} : {
    ingress_api_from_operators = {
      description = "The API from the operators' networks (VPN, CI runners)"
      type        = "ingress"
      protocol    = "tcp"
      from_port   = 443
      to_port     = 443
      cidr_blocks = var.private_access_cidrs
    }
  }

  node_security_group_tags = {
    (var.cluster.aws.discoveryTag.key) = var.cluster.aws.discoveryTag.value
  }
  node_security_group_additional_rules = {
    # Cilium ENI mode gives pods the nodes' security group: pod-to-pod traffic between nodes, any
    # port, and WireGuard (UDP 51871) and cilium-health between the agents stay within this group.
    ingress_self_all = {
      description = "Nodes and pods to nodes and pods (Cilium native routing, WireGuard, health)"
      type        = "ingress"
      protocol    = "-1"
      from_port   = 0
      to_port     = 0
      self        = true
    }
    ingress_istiod_webhook = {
      description                   = "Control plane to istiod's admission webhook on pod IPs"
      type                          = "ingress"
      protocol                      = "tcp"
      from_port                     = 15017
      to_port                       = 15017
      source_cluster_security_group = true
    }
  }

  eks_managed_node_groups = {
    system = {
      ami_type       = "BOTTLEROCKET_x86_64"
      instance_types = var.system_node_group.instance_types
      min_size       = var.system_node_group.min_size
      max_size       = var.system_node_group.max_size
      desired_size   = var.system_node_group.desired_size
      subnet_ids     = var.subnet_ids

      labels = {
        "platform/node-role" = "system"
      }
      # No pod is scheduled before Cilium is ready on the node; Cilium removes the taint.
      taints = {
        cni = var.cni_startup_taint
      }

      # IMDSv2 only, and out of reach of pods (hop limit 1; host-network agents still reach it).
      metadata_options = {
        http_endpoint               = "enabled"
        http_tokens                 = "required"
        http_put_response_hop_limit = 1
      }

      # The Cilium operator manages ENIs with its own Pod Identity role: the nodes need no CNI policy.
      iam_role_attach_cni_policy = false

      block_device_mappings = {
        os = {
          device_name = "/dev/xvda"
          ebs = {
            volume_size           = 4
            volume_type           = "gp3"
            encrypted             = true
            delete_on_termination = true
          }
        }
        data = {
          device_name = "/dev/xvdb"
          ebs = {
            volume_size           = 40
            volume_type           = "gp3"
            encrypted             = true
            delete_on_termination = true
          }
        }
      }
    }
  }
}

# The EBS CSI controller's identity. The add-on itself is created by the bootstrap step (it needs pod
# networking); the association may exist before its ServiceAccount does. Namespace and ServiceAccount
# are the add-on's own (EKS creates them), not a fact cdk8s shares, so they are not in cluster.json.
module "ebs_csi_identity" {
  source  = "terraform-aws-modules/eks-pod-identity/aws"
  version = "2.8.1"

  name            = "${var.cluster.name}-ebs-csi"
  use_name_prefix = false

  attach_aws_ebs_csi_policy = true

  associations = {
    controller = {
      cluster_name    = module.eks.cluster_name
      namespace       = "kube-system"
      service_account = "ebs-csi-controller-sa"
    }
  }
}
