output "vault_kms_key_arn" {
  description = "Vault's auto-unseal key."
  value       = aws_kms_key.vault.arn
}

output "bucket_arns" {
  description = "The platform buckets by purpose (loki, cnpg-backups)."
  value       = { for k, b in aws_s3_bucket.this : k => b.arn }
}

output "pod_identity_roles" {
  description = "Every Pod Identity role this module creates, by role name: its namespace and ServiceAccount."
  value = merge(
    { (var.cluster.aws.ciliumOperator.role) = "${var.cluster.aws.ciliumOperator.namespace}/${var.cluster.aws.ciliumOperator.serviceAccount}" },
    { (var.cluster.aws.vault.role) = "${var.cluster.aws.vault.namespace}/${var.cluster.aws.vault.serviceAccount}" },
    { (var.cluster.aws.loki.role) = "${var.cluster.aws.loki.namespace}/${var.cluster.aws.loki.serviceAccount}" },
    { for role, p in local.cnpg_backups : role => "${p.namespace}/${p.serviceAccount}" },
  )
}
