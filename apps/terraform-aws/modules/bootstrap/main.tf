# The bootstrap of one cluster, once the infrastructure (envs/<env>) exists and dist/<env> was
# synthesized with its API server host: Cilium and Argo CD from the very manifests synth wrote,
# the add-ons that need pod networking, the default StorageClass, then Argo CD's bootstrap objects.
# From then on Argo CD owns Cilium and Argo CD (ADR 0008):
#
# - every manifest is applied server-side under Argo CD's own field manager (`argocd-controller`,
#   what Argo CD uses with ServerSideApply=true), so when the `cilium` and `argocd` Applications sync
#   the same files, Argo CD already owns every field: a field later removed from dist/ is removed
#   from the cluster, and nothing is left co-owned by a manager Argo CD does not know;
# - Argo CD tracks by annotation (application.resourceTrackingMethod: annotation): it adds its
#   tracking annotation on its first sync, which adopts the objects in place;
# - apply_only: destroying this state never deletes what Argo CD now owns. Applying it again applies
#   the current dist/, which is what Argo CD applies too.

locals {
  field_manager = "argocd-controller"

  cilium_files = fileset("${var.dist_dir}/cilium/manifests", "*.yaml")
  argocd_files = fileset("${var.dist_dir}/argocd/manifests", "*.yaml")

  # Argo CD's CRDs first; its Applications and AppProjects once Argo CD runs; the ApplicationSets
  # never: the `platform` Application syncs them wave by wave.
  argocd_crd_files       = toset([for f in local.argocd_files : f if startswith(f, "customresourcedefinition-")])
  argocd_bootstrap_files = toset([for f in local.argocd_files : f if startswith(f, "application-") || startswith(f, "appproject-")])
  argocd_core_files = toset([
    for f in local.argocd_files : f
    if !contains(local.argocd_crd_files, f) && !contains(local.argocd_bootstrap_files, f) && !startswith(f, "applicationset-")
  ])

  # The namespaces those objects live in (kube-system exists), from the namespaces component of dist/.
  manifest_namespaces = toset(compact([
    for f in concat(
      [for c in local.cilium_files : "${var.dist_dir}/cilium/manifests/${c}"],
      [for a in local.argocd_files : "${var.dist_dir}/argocd/manifests/${a}"],
    ) : try(yamldecode(file(f)).metadata.namespace, "")
  ]))
  namespace_files = {
    for ns in setsubtract(local.manifest_namespaces, ["kube-system", "default"]) :
    ns => "${var.dist_dir}/namespaces/manifests/namespace-${ns}.yaml"
  }
}

# Cilium needs the API server's address (no kube-proxy): refuse to install it with another one.
resource "terraform_data" "api_server_host" {
  input = var.cluster.aws.apiServerHost

  lifecycle {
    precondition {
      condition     = var.cluster.aws.apiServerHost == trimprefix(var.cluster_endpoint, "https://")
      error_message = "cluster.json apiServerHost (${var.cluster.aws.apiServerHost}) is not this cluster's endpoint (${var.cluster_endpoint}): set apiServer.host in clusters/${var.cluster.name}.ts to `terraform output -raw cluster_endpoint_host`, run npm run synth and commit dist/ first."
    }
    precondition {
      condition     = length(local.cilium_files) > 0 && length(local.argocd_crd_files) == 3 && length(local.argocd_bootstrap_files) > 0
      error_message = "${var.dist_dir} holds no synthesized Cilium or Argo CD manifests: run npm run synth."
    }
    precondition {
      condition     = alltrue([for f in values(local.namespace_files) : fileexists(f)])
      error_message = "A namespace the Cilium or Argo CD manifests use has no file in ${var.dist_dir}/namespaces/manifests."
    }
  }
}

resource "kubectl_manifest" "namespace" {
  for_each = local.namespace_files

  yaml_body         = file(each.value)
  server_side_apply = true
  field_manager     = local.field_manager
  force_conflicts   = true
  apply_only        = true

  depends_on = [terraform_data.api_server_host]
}

# The CNI: the agent DaemonSet and the operator roll out before anything needs pod networking.
resource "kubectl_manifest" "cilium" {
  for_each = local.cilium_files

  yaml_body         = file("${var.dist_dir}/cilium/manifests/${each.value}")
  server_side_apply = true
  field_manager     = local.field_manager
  force_conflicts   = true
  apply_only        = true
  wait_for_rollout  = true

  depends_on = [kubectl_manifest.namespace]
}

# Managed add-ons that run in pod networking: created once Cilium runs (ACTIVE needs ready pods).
# Version: the default EKS recommends for the cluster's Kubernetes version.
data "aws_eks_addon_version" "this" {
  for_each = toset(["coredns", "aws-ebs-csi-driver"])

  addon_name         = each.value
  kubernetes_version = var.cluster.kubernetesVersion
  most_recent        = false
}

resource "aws_eks_addon" "this" {
  for_each = data.aws_eks_addon_version.this

  cluster_name                = var.cluster.name
  addon_name                  = each.key
  addon_version               = each.value.version
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"

  depends_on = [kubectl_manifest.cilium]
}

# The default StorageClass: encrypted gp3 volumes from the EBS CSI driver. It belongs with the
# driver Terraform installs (ADR 0008); Argo CD does not track it.
resource "kubectl_manifest" "storage_class_gp3" {
  yaml_body = yamlencode({
    apiVersion = "storage.k8s.io/v1"
    kind       = "StorageClass"
    metadata = {
      name        = "gp3"
      annotations = { "storageclass.kubernetes.io/is-default-class" = "true" }
    }
    provisioner          = "ebs.csi.aws.com"
    volumeBindingMode    = "WaitForFirstConsumer"
    allowVolumeExpansion = true
    reclaimPolicy        = "Delete"
    parameters = {
      type      = "gp3"
      encrypted = "true"
      fsType    = "ext4"
    }
  })
  server_side_apply = true
  field_manager     = "terraform"

  depends_on = [aws_eks_addon.this]
}

resource "kubectl_manifest" "argocd_crd" {
  for_each = local.argocd_crd_files

  yaml_body         = file("${var.dist_dir}/argocd/manifests/${each.value}")
  server_side_apply = true
  field_manager     = local.field_manager
  force_conflicts   = true
  apply_only        = true

  wait_for {
    condition {
      type   = "Established"
      status = "True"
    }
  }

  depends_on = [kubectl_manifest.namespace]
}

# Argo CD itself (its chart's objects, our NetworkPolicies), once DNS runs.
resource "kubectl_manifest" "argocd" {
  for_each = local.argocd_core_files

  yaml_body         = file("${var.dist_dir}/argocd/manifests/${each.value}")
  server_side_apply = true
  field_manager     = local.field_manager
  force_conflicts   = true
  apply_only        = true
  wait_for_rollout  = true

  depends_on = [kubectl_manifest.argocd_crd, aws_eks_addon.this]
}

# The AppProjects and the two Applications: `argocd` (Argo CD manages itself) and `platform` (the
# ApplicationSets, wave by wave, Cilium's among them).
resource "kubectl_manifest" "argocd_bootstrap" {
  for_each = local.argocd_bootstrap_files

  yaml_body         = file("${var.dist_dir}/argocd/manifests/${each.value}")
  server_side_apply = true
  field_manager     = local.field_manager
  force_conflicts   = true
  apply_only        = true

  depends_on = [kubectl_manifest.argocd]
}
