variable "vault_address" {
  description = "Vault's API as this machine reaches it: the port-forward (the listener's certificate names 127.0.0.1)."
  type        = string
  default     = "https://127.0.0.1:8200"
}

variable "vault_ca_cert_file" {
  description = "PEM CA of the listener: kubectl -n vault get secret vault-tls -o jsonpath='{.data.ca\\.crt}' | base64 -d > vault-ca.pem"
  type        = string
  default     = "vault-ca.pem"
}
