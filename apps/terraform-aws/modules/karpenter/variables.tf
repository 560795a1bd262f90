variable "cluster" {
  description = "The cluster's shared facts, decoded from dist/<env>/cluster.json (written by synth from clusters/<env>.ts)."
  type = object({
    name = string
    aws = object({
      discoveryTag = object({
        key   = string
        value = string
      })
      karpenter = object({
        nodeRole          = string
        interruptionQueue = string
        controller = object({
          role           = string
          namespace      = string
          serviceAccount = string
        })
      })
    })
  })
}

variable "cluster_name" {
  description = "The EKS cluster, once created (module.eks.cluster_name: orders the associations after the cluster)."
  type        = string
}
