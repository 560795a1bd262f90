output "controller_role_arn" {
  description = "The Karpenter controller's role."
  value       = module.karpenter.iam_role_arn
}

output "node_role_name" {
  description = "The role of the nodes Karpenter launches (the EC2NodeClass role)."
  value       = module.karpenter.node_iam_role_name
}

output "interruption_queue_name" {
  description = "The SQS queue of interruption events (Karpenter's settings.interruptionQueue)."
  value       = module.karpenter.queue_name
}
