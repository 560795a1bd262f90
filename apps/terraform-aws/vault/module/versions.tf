terraform {
  # The roots (envs/<cluster>) pin the provider's exact version.
  required_providers {
    vault = {
      source = "hashicorp/vault"
    }
  }
}
