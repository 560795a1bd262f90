variable "public_access_cidrs" {
  description = "CIDRs allowed to reach the public API endpoint; empty keeps it off (the default)."
  type        = list(string)
  default     = []
}

variable "private_access_cidrs" {
  description = "Networks outside the VPC (VPN, CI runners) allowed to reach the private API endpoint."
  type        = list(string)
  default     = []
}

variable "admin_role_arns" {
  description = "IAM roles granted cluster admin (EKS access entries), e.g. the role the bootstrap runs as."
  type        = list(string)
  default     = []
}
