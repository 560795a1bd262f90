# Vault's configuration as code: every file synth rendered into dist/<cluster>/vault/config, applied
# as it is. Nothing here names a policy, a role, a path or a namespace: the files do (ADR 0007).
locals {
  dir = var.config_dir

  mounts = jsondecode(file("${local.dir}/mounts.json"))
  auth   = jsondecode(file("${local.dir}/auth.json"))
  audit  = fileexists("${local.dir}/audit.json") ? jsondecode(file("${local.dir}/audit.json")) : {}

  # The operators' policy (admin/) and one policy per consumer role (policies/), by file name.
  admin_policies = { for f in fileset(local.dir, "admin/*.hcl") : trimsuffix(basename(f), ".hcl") => file("${local.dir}/${f}") }
  policies       = { for f in fileset(local.dir, "policies/*.hcl") : trimsuffix(basename(f), ".hcl") => file("${local.dir}/${f}") }
  roles          = { for f in fileset(local.dir, "roles/*.json") : trimsuffix(basename(f), ".json") => jsondecode(file("${local.dir}/${f}")) }

  kubernetes_auth = { for path, a in local.auth : path => a if a.type == "kubernetes" }
}

resource "vault_mount" "this" {
  for_each = local.mounts

  path        = each.key
  type        = each.value.type
  description = each.value.description
  options     = each.value.options

  # Unmounting deletes every secret under it: never as a side effect of a plan.
  lifecycle {
    prevent_destroy = true
  }
}

resource "vault_auth_backend" "this" {
  for_each = local.auth

  path        = each.key
  type        = each.value.type
  description = each.value.description
}

# Vault runs in the cluster it authenticates: it reviews tokens with its own ServiceAccount token
# and CA (no reviewer JWT, no CA in the files or the state).
resource "vault_kubernetes_auth_backend_config" "this" {
  for_each = local.kubernetes_auth

  backend              = vault_auth_backend.this[each.key].path
  kubernetes_host      = each.value.config.kubernetes_host
  disable_local_ca_jwt = each.value.config.disable_local_ca_jwt
}

resource "vault_audit" "this" {
  for_each = local.audit

  path        = each.key
  type        = each.value.type
  description = each.value.description
  options     = each.value.options
}

resource "vault_policy" "admin" {
  for_each = local.admin_policies

  name   = each.key
  policy = each.value
}

resource "vault_policy" "consumer" {
  for_each = local.policies

  name   = each.key
  policy = each.value
}

# One role per consumer ServiceAccount: bound to exactly it, its own policy, short-lived tokens.
resource "vault_kubernetes_auth_backend_role" "this" {
  for_each = local.roles

  backend                          = vault_auth_backend.this["kubernetes"].path
  role_name                        = each.key
  bound_service_account_names      = each.value.bound_service_account_names
  bound_service_account_namespaces = each.value.bound_service_account_namespaces
  audience                         = each.value.audience
  token_policies                   = [for p in each.value.token_policies : vault_policy.consumer[p].name]
  token_ttl                        = each.value.token_ttl
  token_max_ttl                    = each.value.token_max_ttl
  token_type                       = each.value.token_type

  lifecycle {
    precondition {
      condition = (
        length(each.value.bound_service_account_names) == 1 &&
        length(each.value.bound_service_account_namespaces) == 1 &&
        !anytrue([for n in concat(each.value.bound_service_account_names, each.value.bound_service_account_namespaces) : strcontains(n, "*")]) &&
        each.value.token_policies == [each.key]
      )
      error_message = "roles/${each.key}.json must bind exactly one ServiceAccount in one namespace, without \"*\", to its own policy: re-run npm run synth instead of editing dist."
    }
  }
}
