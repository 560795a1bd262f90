output "cluster_name" {
  description = "The EKS cluster's name."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "The API server's URL."
  value       = module.eks.cluster_endpoint
}

output "cluster_endpoint_host" {
  description = "The API server's host, without https://: clusters/<env>.ts records it as apiServer.host (Cilium's k8sServiceHost)."
  value       = trimprefix(module.eks.cluster_endpoint, "https://")
}

output "cluster_security_group_id" {
  description = "The control plane's security group."
  value       = module.eks.cluster_security_group_id
}

output "node_security_group_id" {
  description = "The nodes' (and, with Cilium ENI, the pods') security group; carries the Karpenter discovery tag."
  value       = module.eks.node_security_group_id
}

output "kms_key_arn" {
  description = "The key envelope-encrypting the cluster's Secrets."
  value       = module.eks.kms_key_arn
}
