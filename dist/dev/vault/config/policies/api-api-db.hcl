# Policy api-api-db: ServiceAccount api/api-db of component api-db.
# Rendered by synth from vaultAccess() declarations; applied by apps/terraform-aws/vault. Do not edit.

path "secret/data/api-db/authenticator" {
  capabilities = ["read"]
}
