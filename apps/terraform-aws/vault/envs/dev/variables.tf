variable "vault_address" {
  description = "Vault's API as this machine reaches it: the port-forward."
  type        = string
  default     = "http://127.0.0.1:8200"
}

variable "vault_ca_cert_file" {
  description = "PEM CA of the listener; null for a plaintext listener."
  type        = string
  default     = null
}
