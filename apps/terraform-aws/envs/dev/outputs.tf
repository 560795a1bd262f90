output "cluster_endpoint_host" {
  description = "The API server's host: record it in clusters/dev.ts as apiServer.host, then npm run synth (README: apply order)."
  value       = module.eks.cluster_endpoint_host
}

output "cluster_name" {
  description = "The EKS cluster."
  value       = module.eks.cluster_name
}

output "vpc_id" {
  description = "The cluster's VPC."
  value       = module.network.vpc_id
}

output "nat_gateway_ids" {
  description = "The NAT gateways."
  value       = module.network.nat_gateway_ids
}

output "pod_identity_roles" {
  description = "Pod Identity roles and the namespace/ServiceAccount each is bound to."
  value       = module.platform_iam.pod_identity_roles
}
