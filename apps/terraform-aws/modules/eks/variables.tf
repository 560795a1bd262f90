variable "cluster" {
  description = "The cluster's shared facts, decoded from dist/<env>/cluster.json (written by synth from clusters/<env>.ts)."
  type = object({
    name              = string
    kubernetesVersion = string
    aws = object({
      network = object({
        serviceCidr = string
      })
      discoveryTag = object({
        key   = string
        value = string
      })
    })
  })
}

variable "vpc_id" {
  description = "The cluster's VPC."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the control plane's ENIs and the system nodes."
  type        = list(string)
}

variable "public_access_cidrs" {
  description = "CIDRs allowed to reach the public API endpoint. Empty (the default): the public endpoint is off and the API is reachable only inside the VPC."
  type        = list(string)
  default     = []

  validation {
    condition     = !contains(var.public_access_cidrs, "0.0.0.0/0")
    error_message = "The public API endpoint is never open to the whole internet: name the CIDRs that may reach it."
  }
}

variable "private_access_cidrs" {
  description = "CIDRs outside the VPC's own (a VPN, a peered CI runner network) allowed to reach the private API endpoint on 443."
  type        = list(string)
  default     = []

  validation {
    condition     = !contains(var.private_access_cidrs, "0.0.0.0/0")
    error_message = "The private API endpoint is never open to the whole internet."
  }
}

variable "admin_role_arns" {
  description = "IAM roles granted cluster admin through EKS access entries (the bootstrap step runs as one of them)."
  type        = list(string)
  default     = []
}

variable "system_node_group" {
  description = "The small Bottlerocket managed node group of the system workloads (Karpenter, CoreDNS, the Cilium operator, Argo CD)."
  type = object({
    instance_types = list(string)
    min_size       = number
    max_size       = number
    desired_size   = number
  })
}

variable "log_retention_days" {
  description = "Days the control-plane logs are kept."
  type        = number
}

variable "deletion_protection" {
  description = "Whether EKS refuses to delete the cluster until this is turned off."
  type        = bool
}

variable "cni_startup_taint" {
  description = "The taint new nodes start with until the Cilium agent on them is ready (Cilium removes it): cilium.agentNotReadyTaint in libs/cilium."
  type = object({
    key    = string
    value  = string
    effect = string
  })
  default = {
    key    = "node.cilium.io/agent-not-ready"
    value  = "true"
    effect = "NO_EXECUTE"
  }
}
