variable "cluster" {
  description = "The cluster's shared facts, decoded from dist/<env>/cluster.json (written by synth from clusters/<env>.ts)."
  type = object({
    name = string
    aws = object({
      ciliumOperator = object({
        role           = string
        namespace      = string
        serviceAccount = string
      })
      karpenter = object({
        controller = object({
          role = string
        })
      })
      vault = object({
        role           = string
        namespace      = string
        serviceAccount = string
        kmsAlias       = string
      })
      loki = object({
        role           = string
        namespace      = string
        serviceAccount = string
        bucket         = string
      })
      cnpgBackups = object({
        bucket = string
      })
      podIdentities = list(object({
        role           = string
        namespace      = string
        serviceAccount = string
      }))
    })
  })
}

variable "cluster_name" {
  description = "The EKS cluster, once created (module.eks.cluster_name: orders the associations after the cluster)."
  type        = string
}

variable "noncurrent_version_expiration_days" {
  description = "Days an overwritten or deleted object version is kept in the platform buckets."
  type        = number
}

variable "force_destroy_buckets" {
  description = "Whether destroying the stack empties the buckets first (dev only)."
  type        = bool
  default     = false
}
