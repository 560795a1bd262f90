output "roles" {
  description = "The Kubernetes-auth roles applied, by name: the ServiceAccount each binds."
  value = {
    for name, r in vault_kubernetes_auth_backend_role.this :
    name => "${one(r.bound_service_account_namespaces)}/${one(r.bound_service_account_names)}"
  }
}

output "policies" {
  description = "Every policy applied (consumer roles and the operators')."
  value       = sort(concat(keys(vault_policy.consumer), keys(vault_policy.admin)))
}
