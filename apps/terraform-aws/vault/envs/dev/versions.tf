terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  # S3 state with S3-native locking, in the bucket of envs/dev (terraform init -backend-config=../../../envs/dev/backend.hcl).
  backend "s3" {
    key          = "platform/dev/vault-config.tfstate"
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
