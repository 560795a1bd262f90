# The VPC of one cluster: public, private and database subnets over the cluster's 3 zones from the
# primary CIDR, and the pods' subnets from the secondary CIDR (Cilium ENI IPAM places pod ENIs only
# in subnets carrying cluster.json podSubnetTag). Nodes run in the private subnets, which carry
# Karpenter's discovery tag; load balancers find their subnets by the kubernetes.io/role/* tags.

locals {
  azs      = var.cluster.aws.azs
  vpc_cidr = var.cluster.aws.network.vpcCidr
  pod_cidr = var.cluster.aws.network.podCidr

  # /16 primary: /24 public at .0-.2, /20 private at .16-.63, /24 database at .100-.102.
  public_subnets   = [for i, _ in local.azs : cidrsubnet(local.vpc_cidr, 8, i)]
  private_subnets  = [for i, _ in local.azs : cidrsubnet(local.vpc_cidr, 4, i + 1)]
  database_subnets = [for i, _ in local.azs : cidrsubnet(local.vpc_cidr, 8, i + 100)]
  # /16 secondary: one /18 of pod addresses per zone.
  pod_subnets = { for i, az in local.azs : az => { index = i, cidr = cidrsubnet(local.pod_cidr, 2, i) } }
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "6.6.0"

  name                  = var.cluster.name
  cidr                  = local.vpc_cidr
  secondary_cidr_blocks = [local.pod_cidr]
  azs                   = local.azs

  public_subnets   = local.public_subnets
  private_subnets  = local.private_subnets
  database_subnets = local.database_subnets

  create_database_subnet_group       = true
  create_database_subnet_route_table = true

  enable_dns_hostnames    = true
  enable_dns_support      = true
  map_public_ip_on_launch = false

  enable_nat_gateway     = true
  single_nat_gateway     = var.single_nat_gateway
  one_nat_gateway_per_az = !var.single_nat_gateway

  # The default security group of the VPC allows nothing.
  manage_default_security_group  = true
  default_security_group_ingress = []
  default_security_group_egress  = []

  enable_flow_log                                 = true
  flow_log_traffic_type                           = "ALL"
  flow_log_max_aggregation_interval               = 60
  create_flow_log_cloudwatch_log_group            = true
  create_flow_log_cloudwatch_iam_role             = true
  flow_log_cloudwatch_log_group_retention_in_days = var.flow_log_retention_days

  public_subnet_tags = {
    "kubernetes.io/role/elb" = "1"
  }
  private_subnet_tags = {
    "kubernetes.io/role/internal-elb"  = "1"
    (var.cluster.aws.discoveryTag.key) = var.cluster.aws.discoveryTag.value
  }
}

# The pods' subnets, from the secondary CIDR the module associates with the VPC. They route like the
# private subnets of their zone (through that zone's NAT gateway, or the only one in dev).
resource "aws_subnet" "pods" {
  for_each = local.pod_subnets

  vpc_id            = module.vpc.vpc_id
  cidr_block        = each.value.cidr
  availability_zone = each.key

  tags = {
    Name                               = "${var.cluster.name}-pods-${each.key}"
    (var.cluster.aws.podSubnetTag.key) = var.cluster.aws.podSubnetTag.value
  }

  # The secondary CIDR must be associated before a subnet can be carved from it.
  depends_on = [module.vpc]
}

resource "aws_route_table_association" "pods" {
  for_each = local.pod_subnets

  subnet_id      = aws_subnet.pods[each.key].id
  route_table_id = element(module.vpc.private_route_table_ids, var.single_nat_gateway ? 0 : each.value.index)
}
