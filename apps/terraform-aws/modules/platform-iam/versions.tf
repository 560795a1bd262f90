terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    # Child modules state the source and a floor; the root modules (envs/*) pin the exact version.
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28"
    }
  }
}
