output "web_bucket_name" {
  description = "Bucket the release pipeline syncs the built web app into."
  value       = module.web_bucket.s3_bucket_id
}

output "web_bucket_arn" {
  description = "ARN of the web app bucket."
  value       = module.web_bucket.s3_bucket_arn
}

output "cloudfront_distribution_arn" {
  description = "ARN of the distribution (the web deploy role may invalidate it)."
  value       = module.cdn.cloudfront_distribution_arn
}

output "web_bucket_parameter" {
  description = "SSM parameter holding the web bucket's name (read by the release workflow)."
  value       = aws_ssm_parameter.web_bucket.name
}

output "web_distribution_parameter" {
  description = "SSM parameter holding the distribution ID (read by the release workflow)."
  value       = aws_ssm_parameter.web_distribution_id.name
}

output "web_deploy_role_arn" {
  description = "Role the release workflow assumes to deploy the web app (null without web_deploy_subjects)."
  value       = module.web_deploy_role.arn
}

output "cloudfront_distribution_id" {
  description = "Distribution to invalidate after a web deploy."
  value       = module.cdn.cloudfront_distribution_id
}

output "cloudfront_domain_name" {
  description = "CloudFront hostname (CNAME target of web_domain)."
  value       = module.cdn.cloudfront_distribution_domain_name
}

output "web_url" {
  description = "Public URL of the web app."
  value       = "https://${var.web_domain != "" ? var.web_domain : module.cdn.cloudfront_distribution_domain_name}"
}

output "api_entry" {
  description = "Chosen API entry (nlb or apigw)."
  value       = var.api_entry
}

output "api_endpoint" {
  description = "API Gateway endpoint when api_entry = apigw and the NLB listener is known, otherwise null (clients use the NLB / its DNS record)."
  value       = local.create_apigw ? aws_apigatewayv2_api.api[0].api_endpoint : null
}

output "ingress_nlb_security_group_id" {
  description = "Security group the AWS Load Balancer Controller attaches to the Istio ingress NLB."
  value       = aws_security_group.ingress_nlb.id
}

output "api_origin_domain" {
  description = "Host the Istio Gateway serves and CloudFront forwards /api/* to."
  value       = var.api_origin_domain
}
