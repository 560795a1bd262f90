# Policy iam-system-keycloak: ServiceAccount iam-system/keycloak of component keycloak.
# Rendered by synth from vaultAccess() declarations; applied by apps/terraform-aws/vault. Do not edit.

path "secret/data/keycloak/postgrest-api-client" {
  capabilities = ["read"]
}
