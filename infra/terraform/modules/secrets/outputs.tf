output "secret_names" {
  description = "Secret name per service (wayfare/<env>/<service>)."
  value       = { for k, s in aws_secretsmanager_secret.service : k => s.name }
}

output "secret_arns" {
  description = "Secret ARN per service."
  value       = { for k, s in aws_secretsmanager_secret.service : k => s.arn }
}

output "policy_arns" {
  description = "Read-own-secret policy ARN per service."
  value       = { for k, p in module.policy : k => p.arn }
}

output "role_arns" {
  description = "IRSA role ARN per service, for the eks.amazonaws.com/role-arn annotation of wayfare-<service>."
  value       = { for k, r in module.service_irsa : k => r.iam_role_arn }
}

output "kms_key_arn" {
  description = "KMS key encrypting the service secrets."
  value       = module.kms.key_arn
}
