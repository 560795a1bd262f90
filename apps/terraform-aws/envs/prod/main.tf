# The prod cluster's AWS infrastructure. Every fact it shares with the cluster's components comes
# from dist/prod/cluster.json, which synth writes from clusters/prod.ts (name, region, zones, CIDRs,
# Kubernetes version, discovery tags, role, queue and bucket names, KMS alias): nothing is restated here.

locals {
  cluster = jsondecode(file("${path.module}/../../../../dist/prod/cluster.json"))
}

provider "aws" {
  region = local.cluster.aws.region

  default_tags {
    tags = {
      "platform/cluster"     = local.cluster.name
      "platform/environment" = local.cluster.environment
      "platform/managed-by"  = "terraform"
      "platform/stack"       = "apps/terraform-aws/envs/prod"
    }
  }
}

module "network" {
  source = "../../modules/network"

  cluster                 = local.cluster
  single_nat_gateway      = false
  flow_log_retention_days = 90
}

module "eks" {
  source = "../../modules/eks"

  cluster              = local.cluster
  vpc_id               = module.network.vpc_id
  subnet_ids           = module.network.private_subnet_ids
  public_access_cidrs  = var.public_access_cidrs
  private_access_cidrs = var.private_access_cidrs
  admin_role_arns      = var.admin_role_arns
  log_retention_days   = 365
  deletion_protection  = true

  system_node_group = {
    instance_types = ["m6i.large"]
    min_size       = 3
    max_size       = 4
    desired_size   = 3
  }
}

module "karpenter" {
  source = "../../modules/karpenter"

  cluster      = local.cluster
  cluster_name = module.eks.cluster_name
}

module "platform_iam" {
  source = "../../modules/platform-iam"

  cluster                            = local.cluster
  cluster_name                       = module.eks.cluster_name
  noncurrent_version_expiration_days = 30
  force_destroy_buckets              = false
}
