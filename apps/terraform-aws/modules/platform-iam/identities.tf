# Pod Identity roles. Each association binds one role to exactly one namespace and one
# ServiceAccount, both read from cluster.json (podIdentities lists every one; Karpenter's controller
# is created by modules/karpenter).

locals {
  # The backing-up CloudNativePG clusters: every identity of cluster.json not named by a component.
  named_roles = [
    var.cluster.aws.ciliumOperator.role,
    var.cluster.aws.karpenter.controller.role,
    var.cluster.aws.vault.role,
    var.cluster.aws.loki.role,
  ]
  cnpg_backups = { for p in var.cluster.aws.podIdentities : p.role => p if !contains(local.named_roles, p.role) }
}

# Cilium's operator: ENI IPAM creates, attaches and addresses the pods' network interfaces.
module "cilium_operator_identity" {
  source  = "terraform-aws-modules/eks-pod-identity/aws"
  version = "2.8.1"

  name            = var.cluster.aws.ciliumOperator.role
  use_name_prefix = false

  attach_custom_policy = true
  policy_statements = [
    {
      sid = "Describe"
      actions = [
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeTags",
        "ec2:DescribeVpcs",
      ]
      resources = ["*"]
    },
    {
      sid = "ManageInterfaces"
      actions = [
        "ec2:AssignPrivateIpAddresses",
        "ec2:AttachNetworkInterface",
        "ec2:CreateNetworkInterface",
        "ec2:CreateTags",
        "ec2:DeleteNetworkInterface",
        "ec2:DetachNetworkInterface",
        "ec2:ModifyNetworkInterfaceAttribute",
        "ec2:UnassignPrivateIpAddresses",
      ]
      resources = ["*"]
    },
  ]

  associations = {
    operator = {
      cluster_name    = var.cluster_name
      namespace       = var.cluster.aws.ciliumOperator.namespace
      service_account = var.cluster.aws.ciliumOperator.serviceAccount
    }
  }
}

# Vault's auto-unseal: encrypt and decrypt with its KMS key, nothing else.
module "vault_identity" {
  source  = "terraform-aws-modules/eks-pod-identity/aws"
  version = "2.8.1"

  name            = var.cluster.aws.vault.role
  use_name_prefix = false

  attach_custom_policy = true
  policy_statements = [
    {
      sid       = "AutoUnseal"
      actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt"]
      resources = [aws_kms_key.vault.arn]
    },
  ]

  associations = {
    server = {
      cluster_name    = var.cluster_name
      namespace       = var.cluster.aws.vault.namespace
      service_account = var.cluster.aws.vault.serviceAccount
    }
  }
}

# Loki: its chunks, ruler and admin objects in its bucket.
module "loki_identity" {
  source  = "terraform-aws-modules/eks-pod-identity/aws"
  version = "2.8.1"

  name            = var.cluster.aws.loki.role
  use_name_prefix = false

  attach_custom_policy = true
  policy_statements = [
    {
      sid       = "Bucket"
      actions   = ["s3:ListBucket"]
      resources = [aws_s3_bucket.this["loki"].arn]
    },
    {
      sid       = "Objects"
      actions   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
      resources = ["${aws_s3_bucket.this["loki"].arn}/*"]
    },
    {
      sid       = "BucketKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [aws_kms_key.storage.arn]
    },
  ]

  associations = {
    loki = {
      cluster_name    = var.cluster_name
      namespace       = var.cluster.aws.loki.namespace
      service_account = var.cluster.aws.loki.serviceAccount
    }
  }
}

# Each backing-up CloudNativePG cluster: its own role, bound to its own ServiceAccount (named after
# the cluster), writing base backups and WAL to the backups bucket.
module "cnpg_backup_identity" {
  source   = "terraform-aws-modules/eks-pod-identity/aws"
  version  = "2.8.1"
  for_each = local.cnpg_backups

  name            = each.value.role
  use_name_prefix = false

  attach_custom_policy = true
  policy_statements = [
    {
      sid       = "Bucket"
      actions   = ["s3:GetBucketLocation", "s3:ListBucket"]
      resources = [aws_s3_bucket.this["cnpg-backups"].arn]
    },
    {
      sid       = "Objects"
      actions   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
      resources = ["${aws_s3_bucket.this["cnpg-backups"].arn}/*"]
    },
    {
      sid       = "BucketKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [aws_kms_key.storage.arn]
    },
  ]

  associations = {
    instances = {
      cluster_name    = var.cluster_name
      namespace       = each.value.namespace
      service_account = each.value.serviceAccount
    }
  }
}
