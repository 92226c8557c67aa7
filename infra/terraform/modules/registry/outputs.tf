output "repository_url" {
  description = "Image repository for .image.repository in the Helm values."
  value       = module.ecr.repository_url
}

output "repository_arn" {
  description = "ARN of the repository (the release role may push here only)."
  value       = module.ecr.repository_arn
}

output "repository_name" {
  description = "Name of the repository."
  value       = module.ecr.repository_name
}
