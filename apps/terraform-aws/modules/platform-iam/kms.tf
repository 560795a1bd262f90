# Vault's auto-unseal key, under the alias cluster.json names (Vault's seal "awskms" uses the alias).
resource "aws_kms_key" "vault" {
  description             = "${var.cluster.name}: Vault auto-unseal"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

resource "aws_kms_alias" "vault" {
  name          = var.cluster.aws.vault.kmsAlias
  target_key_id = aws_kms_key.vault.key_id
}

# The key of the platform buckets (SSE-KMS with S3 Bucket Keys).
resource "aws_kms_key" "storage" {
  description             = "${var.cluster.name}: platform buckets"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}
