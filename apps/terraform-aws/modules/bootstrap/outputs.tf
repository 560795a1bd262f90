output "applied" {
  description = "What the bootstrap applied, by component: the dist/ files."
  value = {
    namespaces = sort(keys(local.namespace_files))
    cilium     = sort(local.cilium_files)
    argocd     = sort(concat(tolist(local.argocd_crd_files), tolist(local.argocd_core_files), tolist(local.argocd_bootstrap_files)))
  }
}
