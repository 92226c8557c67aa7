variable "env" {
  description = "Environment name; part of every resource name (wayfare-<env>)."
  type        = string
}

variable "region" {
  description = "AWS region."
  type        = string
}

variable "azs" {
  description = "Three AZs of the region."
  type        = list(string)
}

variable "vpc_cidr" {
  description = "VPC CIDR (/16)."
  type        = string
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (dev) instead of one per AZ (prod)."
  type        = bool
}

variable "kubernetes_version" {
  description = "EKS version."
  type        = string
}

variable "eks_public_access_cidrs" {
  description = "CIDRs allowed to reach the Kubernetes API (VPN, Atlantis)."
  type        = list(string)
}

variable "eks_admin_role_arns" {
  description = "IAM roles with cluster-admin access entries."
  type        = list(string)
  default     = []
}

variable "node_instance_types" {
  description = "Node instance types."
  type        = list(string)
}

variable "node_capacity_type" {
  description = "ON_DEMAND or SPOT."
  type        = string
}

variable "node_min_size_per_az" {
  description = "Minimum nodes per AZ."
  type        = number
}

variable "node_max_size_per_az" {
  description = "Maximum nodes per AZ."
  type        = number
}

variable "node_desired_size_per_az" {
  description = "Initial nodes per AZ."
  type        = number
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
}

variable "db_allocated_storage_gib" {
  description = "RDS initial storage."
  type        = number
}

variable "db_max_allocated_storage_gib" {
  description = "RDS storage autoscaling ceiling."
  type        = number
}

variable "db_multi_az" {
  description = "RDS Multi-AZ standby."
  type        = bool
}

variable "db_backup_retention_days" {
  description = "RDS backup retention / PITR window."
  type        = number
}

variable "db_performance_insights" {
  description = "RDS Performance Insights."
  type        = bool
}

variable "deletion_protection" {
  description = "Protect stateful resources from deletion."
  type        = bool
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
}

variable "redis_num_cache_clusters" {
  description = "Redis primary plus replicas."
  type        = number
}

variable "metrics_retention" {
  description = "Thanos bucket lifecycle in days."
  type = object({
    infrequent_access_after_days = number
    glacier_after_days           = number
    expire_after_days            = number
  })
}

variable "logs_retention" {
  description = "Loki bucket lifecycle in days."
  type = object({
    infrequent_access_after_days = number
    glacier_after_days           = number
    expire_after_days            = number
  })
}

variable "web_domain" {
  description = "Public host of the shop (CloudFront: the web app and /api/*); api-origin.<web_domain> is the Istio Gateway's."
  type        = string
}

variable "route53_zone_id" {
  description = "Hosted zone of web_domain (ACM validation, the alias to CloudFront, external-dns, cert-manager DNS-01)."
  type        = string
}

variable "acme_email" {
  description = "Contact address of the Let's Encrypt account cert-manager registers."
  type        = string
}

variable "enable_waf" {
  description = "WAF in front of CloudFront (so in front of the web app and the API)."
  type        = bool
}

variable "api_entry" {
  description = "nlb or apigw (see modules/edge)."
  type        = string
  default     = "nlb"
}

variable "ingress_nlb_listener_arn" {
  description = "Istio ingress NLB listener, known after the mesh is installed (apigw only)."
  type        = string
  default     = ""
}

variable "gcp_project_id" {
  description = "GCP project of the backup bucket."
  type        = string
}

variable "gcp_region" {
  description = "Default GCP region of the google provider."
  type        = string
  default     = "europe-west1"
}

variable "backup_location" {
  description = "GCS location of the backup bucket."
  type        = string
  default     = "EU"
}

variable "backup_delete_after_days" {
  description = "Days to keep off-cloud backups."
  type        = number
}

variable "ecr_repository_name" {
  description = "ECR repository created by infra/terraform/global."
  type        = string
  default     = "wayfare"
}

variable "github_repository" {
  description = "owner/name of the GitHub repository whose release workflow deploys the web app."
  type        = string
}

variable "web_deploy_refs" {
  description = "Git refs whose release workflow runs may deploy the web app to this environment (refs/heads/main, refs/tags/v*)."
  type        = list(string)
}
