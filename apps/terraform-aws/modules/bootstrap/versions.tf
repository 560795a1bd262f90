terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    # Child modules state the source and a floor; the root modules (envs/*/bootstrap) pin the exact version.
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28"
    }
    kubectl = {
      source  = "alekc/kubectl"
      version = ">= 2.4.1"
    }
  }
}
