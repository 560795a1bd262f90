terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  backend "s3" {
    key          = "platform/prod/bootstrap.tfstate"
    encrypt      = true
    use_lockfile = true
  }

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.45.0"
    }
    kubectl = {
      source  = "alekc/kubectl"
      version = "2.4.1"
    }
  }
}
