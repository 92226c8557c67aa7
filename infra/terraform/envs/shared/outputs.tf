# What the Helm values (deploy/helm/wayfare/values-<env>.yaml) and the platform charts need.
# `terraform output -json helm_values` prints them in one object.

output "region" {
  description = "AWS region."
  value       = var.region
}

output "cluster_name" {
  description = "EKS cluster name (aws eks update-kubeconfig --name)."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "Kubernetes API endpoint (ArgoCD cluster secret)."
  value       = module.eks.cluster_endpoint
}

output "image_repository" {
  description = ".image.repository of the Helm values."
  value       = data.aws_ecr_repository.wayfare.repository_url
}

output "service_role_arns" {
  description = "IRSA role per service, for the annotation of service account <service> in wayfare-<env>."
  value       = module.secrets.role_arns
}

output "service_secret_names" {
  description = "Secrets Manager secret per service, for the ExternalSecret remoteRef key."
  value       = module.secrets.secret_names
}

output "platform_role_arns" {
  description = "IRSA roles of cluster-autoscaler, aws-load-balancer-controller, external-secrets, external-dns, cert-manager, thanos, loki, tempo, ebs-csi, vpc-cni."
  value       = module.eks.irsa_role_arns
}

output "mysql_address" {
  description = "RDS MySQL endpoint host."
  value       = module.data.mysql_address
}

output "mysql_port" {
  description = "RDS MySQL port."
  value       = module.data.mysql_port
}

output "mysql_master_secret_arn" {
  description = "RDS-managed master secret (seeding runbook and backups only)."
  value       = module.data.mysql_master_secret_arn
}

output "redis_primary_endpoint" {
  description = "ElastiCache primary endpoint (rediss://, AUTH)."
  value       = module.data.redis_primary_endpoint
}

output "redis_auth_secret_arn" {
  description = "Secret with the Redis AUTH token (seeding runbook only)."
  value       = module.data.redis_auth_secret_arn
}

output "thanos_bucket" {
  description = "Thanos objstore bucket."
  value       = module.observability.thanos_bucket_name
}

output "loki_bucket" {
  description = "Loki storage bucket."
  value       = module.observability.loki_bucket_name
}

output "tempo_bucket" {
  description = "Tempo trace storage bucket."
  value       = module.observability.tempo_bucket_name
}

output "web_bucket" {
  description = "Bucket the web app build is synced to."
  value       = module.edge.web_bucket_name
}

output "cloudfront_distribution_id" {
  description = "Distribution to invalidate after a web deploy."
  value       = module.edge.cloudfront_distribution_id
}

output "web_deploy_role_arn" {
  description = "Role the release workflow's web job assumes (arn:aws:iam::<AWS_ACCOUNT_ID>:role/wayfare-<env>-web-deploy)."
  value       = module.edge.web_deploy_role_arn
}

output "web_bucket_parameter" {
  description = "SSM parameter with the web bucket's name; the release workflow reads it."
  value       = module.edge.web_bucket_parameter
}

output "web_distribution_parameter" {
  description = "SSM parameter with the distribution ID; the release workflow reads it."
  value       = module.edge.web_distribution_parameter
}

output "web_url" {
  description = "Public URL of the web app."
  value       = module.edge.web_url
}

output "api_endpoint" {
  description = "API Gateway endpoint when api_entry = apigw, else null."
  value       = module.edge.api_endpoint
}

output "backup_bucket" {
  description = "GCS bucket for off-cloud backups."
  value       = module.gcp_backup.bucket_url
}

output "backup_role_arn" {
  description = "IRSA role of the backup CronJob (service account backup in wayfare-<env>)."
  value       = module.gcp_backup.backup_role_arn
}

output "backup_gcp_service_account" {
  description = "Google service account the backup CronJob impersonates."
  value       = module.gcp_backup.service_account_email
}

output "backup_workload_identity_provider" {
  description = "Workload identity provider for the backup job's Google credential config."
  value       = module.gcp_backup.workload_identity_provider
}

output "helm_values" {
  description = "The Wayfare chart's values that come from Terraform (deploy/helm/wayfare/values-<env>-terraform.yaml)."
  value       = module.gitops_values.chart_values
}

output "chart_values_yaml" {
  description = "helm_values as YAML: infra/scripts/write-gitops-values.sh writes it to deploy/helm/wayfare/values-<env>-terraform.yaml."
  value       = module.gitops_values.chart_values_yaml
}

output "argocd_patch_yaml" {
  description = "Platform Applications' Terraform-derived values: written to deploy/argocd/clusters/<env>/terraform-patch.yaml."
  value       = module.gitops_values.argocd_patch_yaml
}

output "ingress_nlb_security_group_id" {
  description = "Security group of the Istio ingress NLB (CloudFront origin-facing only)."
  value       = module.edge.ingress_nlb_security_group_id
}

output "api_origin_domain" {
  description = "Host the Istio Gateway serves; CloudFront forwards /api/* there."
  value       = module.edge.api_origin_domain
}

output "database_subnet_cidrs" {
  description = "Database subnets: the chart's NetworkPolicy egress to RDS and ElastiCache."
  value       = module.network.database_subnet_cidrs
}
