output "image_repository" {
  description = "ECR repository URL (.image.repository in every values file)."
  value       = module.registry.repository_url
}

output "github_release_role_arn" {
  description = "Set as the repository variable AWS_RELEASE_ROLE_ARN."
  value       = module.github_oidc.role_arn
}
