# Applies dist/dev/vault/config to the dev cluster's Vault (ADR 0007). Reach Vault by a
# port-forward (kubectl -n vault port-forward svc/vault 8200), log in as a platform-admin
# (VAULT_TOKEN in the environment: never a variable, never in the state), then plan and apply.
provider "vault" {
  address      = var.vault_address
  ca_cert_file = var.vault_ca_cert_file
}

locals {
  # The cluster's facts, as synth wrote them (the one source of truth Terraform reads).
  cluster = jsondecode(file("${path.module}/../../../../../dist/dev/cluster.json"))
}

module "config" {
  source = "../../module"

  cluster    = local.cluster
  config_dir = "${path.module}/../../../../../dist/${local.cluster.name}/vault/config"
}

output "roles" {
  value = module.config.roles
}

output "policies" {
  value = module.config.policies
}
