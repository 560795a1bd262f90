variable "cluster" {
  description = "The cluster's shared facts, decoded from dist/<env>/cluster.json (written by synth from clusters/<env>.ts)."
  type = object({
    name = string
    aws = object({
      azs = list(string)
      network = object({
        vpcCidr = string
        podCidr = string
      })
      discoveryTag = object({
        key   = string
        value = string
      })
      podSubnetTag = object({
        key   = string
        value = string
      })
    })
  })

  validation {
    condition     = length(var.cluster.aws.azs) == 3
    error_message = "The network spans exactly 3 availability zones (cluster.json aws.azs)."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for the whole VPC (dev: cheaper, one zone's outage cuts egress) instead of one per availability zone (prod)."
  type        = bool
}

variable "flow_log_retention_days" {
  description = "Days the VPC flow logs are kept in CloudWatch Logs."
  type        = number
}
