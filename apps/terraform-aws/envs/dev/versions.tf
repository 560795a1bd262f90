terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  # S3 state with S3-native locking (use_lockfile: a .tflock object beside the state, Terraform >= 1.10).
  # Bucket and region: backend.hcl (terraform init -backend-config=backend.hcl).
  backend "s3" {
    key          = "platform/dev/infrastructure.tfstate"
    encrypt      = true
    use_lockfile = true
  }

  # Exact versions; .terraform.lock.hcl (written by terraform init) records their checksums.
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.45.0"
    }
    tls = {
      source  = "hashicorp/tls"
      version = "4.1.0"
    }
    time = {
      source  = "hashicorp/time"
      version = "0.13.1"
    }
    cloudinit = {
      source  = "hashicorp/cloudinit"
      version = "2.3.7"
    }
    null = {
      source  = "hashicorp/null"
      version = "3.2.4"
    }
  }
}
