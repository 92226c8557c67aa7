output "role_arn" {
  description = "Role for aws-actions/configure-aws-credentials (repository variable AWS_RELEASE_ROLE_ARN)."
  value       = module.role.arn
}

output "provider_arn" {
  description = "ARN of the GitHub OIDC provider (null when create_provider is false)."
  value       = module.provider.arn
}
