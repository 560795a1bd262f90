variable "cluster" {
  description = "The cluster's shared facts, decoded from dist/<env>/cluster.json (written by synth from clusters/<env>.ts)."
  type = object({
    name              = string
    kubernetesVersion = string
    aws = object({
      apiServerHost = string
    })
  })
}

variable "dist_dir" {
  description = "The cluster's folder of the committed dist/ (dist/<env>): the bootstrap applies exactly what synth wrote there."
  type        = string
}

variable "cluster_endpoint" {
  description = "The live cluster's API server URL (data.aws_eks_cluster), checked against cluster.json apiServerHost before anything is applied."
  type        = string
}
