# The prod cluster's bootstrap (README: apply order, step 4): Cilium and Argo CD from dist/prod,
# run where the private API endpoint is reachable, after envs/prod and after synth recorded the
# cluster's API server host. Reads the same cluster.json as envs/prod.

locals {
  dist    = "${path.module}/../../../../../dist/prod"
  cluster = jsondecode(file("${local.dist}/cluster.json"))
}

provider "aws" {
  region = local.cluster.aws.region

  default_tags {
    tags = {
      "platform/cluster"     = local.cluster.name
      "platform/environment" = local.cluster.environment
      "platform/managed-by"  = "terraform"
      "platform/stack"       = "apps/terraform-aws/envs/prod/bootstrap"
    }
  }
}

data "aws_eks_cluster" "this" {
  name = local.cluster.name
}

provider "kubectl" {
  host                   = data.aws_eks_cluster.this.endpoint
  cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
  load_config_file       = false
  apply_retry_count      = 5

  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args        = ["eks", "get-token", "--cluster-name", local.cluster.name, "--region", local.cluster.aws.region]
  }
}

module "bootstrap" {
  source = "../../../modules/bootstrap"

  cluster          = local.cluster
  dist_dir         = local.dist
  cluster_endpoint = data.aws_eks_cluster.this.endpoint
}

output "applied" {
  description = "The dist/prod files the bootstrap applied."
  value       = module.bootstrap.applied
}
