terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  # kind: the state stays on the laptop (terraform.tfstate here, ignored by git); it holds no secret.

  # Exact version; .terraform.lock.hcl (written by terraform init) records its checksums.
  required_providers {
    vault = {
      source  = "hashicorp/vault"
      version = "5.10.0"
    }
  }
}
