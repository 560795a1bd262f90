variable "cluster" {
  description = "dist/<cluster>/cluster.json, as the root read it: the cluster whose Vault this configures."
  type = object({
    name = string
  })
}

variable "config_dir" {
  description = "dist/<cluster>/vault/config: what synth rendered from the cluster's vaultAccess() declarations (ADR 0007)."
  type        = string

  validation {
    condition     = fileexists("${var.config_dir}/mounts.json") && fileexists("${var.config_dir}/auth.json")
    error_message = "No mounts.json and auth.json in config_dir: run npm run synth, and point at dist/<cluster>/vault/config of a cluster with a Vault component."
  }

  # Terraform >= 1.9: a validation may name another variable. A root pointing at another cluster's files fails the plan.
  validation {
    condition     = endswith(abspath(var.config_dir), "/dist/${var.cluster.name}/vault/config")
    error_message = "config_dir is not dist/<cluster.name>/vault/config: a root applies only its own cluster's files."
  }
}
