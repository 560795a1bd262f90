terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  # S3 state with S3-native locking, in the bucket of envs/prod (terraform init -backend-config=../../../envs/prod/backend.hcl).
  backend "s3" {
    key          = "platform/prod/vault-config.tfstate"
    encrypt      = true
    use_lockfile = true
  }

  # Exact version; .terraform.lock.hcl (written by terraform init) records its checksums.
  required_providers {
    vault = {
      source  = "hashicorp/vault"
      version = "5.10.0"
    }
  }
}
