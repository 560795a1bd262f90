output "vpc_id" {
  description = "The VPC's ID."
  value       = module.vpc.vpc_id
}

output "private_subnet_ids" {
  description = "Subnets of the nodes and the control plane's ENIs (carry the Karpenter discovery tag)."
  value       = module.vpc.private_subnets
}

output "public_subnet_ids" {
  description = "Subnets of internet-facing load balancers and the NAT gateways."
  value       = module.vpc.public_subnets
}

output "database_subnet_ids" {
  description = "Subnets of managed databases (no route to the internet)."
  value       = module.vpc.database_subnets
}

output "database_subnet_group_name" {
  description = "The database subnet group."
  value       = module.vpc.database_subnet_group_name
}

output "pod_subnet_ids" {
  description = "Subnets of the pods' ENIs, from the secondary CIDR."
  value       = [for s in aws_subnet.pods : s.id]
}

output "nat_gateway_ids" {
  description = "NAT gateways: one in dev, one per zone in prod."
  value       = module.vpc.natgw_ids
}
