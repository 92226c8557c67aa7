variable "env" {
  description = "Environment name (dev, prod)."
  type        = string
}

variable "namespace" {
  description = "Namespace of the environment's Wayfare release (wayfare-<env>)."
  type        = string
}

variable "cluster_name" {
  description = "EKS cluster name; also the name the environment's Argo CD gives its own cluster."
  type        = string
}

variable "region" {
  description = "AWS region."
  type        = string
}

variable "account_id" {
  description = "AWS account ID."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the cluster (AWS Load Balancer Controller)."
  type        = string
}

variable "image_repository" {
  description = "ECR repository URL of the wayfare image."
  type        = string
}

variable "service_role_arns" {
  description = "IRSA role ARN per service (one entry per service of the composition)."
  type        = map(string)
}

variable "platform_role_arns" {
  description = "IRSA role ARN per platform controller (modules/eks irsa_role_arns; thanos, loki and tempo included)."
  type        = map(string)
}

variable "database_subnet_cidrs" {
  description = "Database subnets (RDS and ElastiCache live there)."
  type        = list(string)
}

variable "private_subnet_cidrs" {
  description = "Private subnets (nodes, pods, the EKS control-plane ENIs): the Kubernetes API for hooks."
  type        = list(string)
}

variable "mysql_master_secret_arn" {
  description = "RDS-managed master secret (the backup job's credentials)."
  type        = string
}

variable "mysql_host" {
  description = "RDS endpoint host."
  type        = string
}

variable "mysql_port" {
  description = "RDS port."
  type        = number
}

variable "redis_hosts" {
  description = "ElastiCache endpoints (primary, reader)."
  type        = list(string)
}

variable "redis_port" {
  description = "ElastiCache port."
  type        = number
  default     = 6379
}

variable "web_domain" {
  description = "Public host of the shop (CloudFront)."
  type        = string
}

variable "api_origin_domain" {
  description = "Host of the Istio ingress gateway (CloudFront's API origin)."
  type        = string
}

variable "route53_zone_id" {
  description = "Hosted zone of web_domain and api_origin_domain."
  type        = string
}

variable "ingress_nlb_security_group_id" {
  description = "Security group of the ingress NLB (CloudFront origin-facing only)."
  type        = string
}

variable "backup" {
  description = "The backup CronJob's identities and destination."
  type = object({
    role_arn                   = string
    bucket                     = string
    gcp_service_account        = string
    workload_identity_provider = string
  })
}

variable "acme_email" {
  description = "Contact address of the Let's Encrypt account (expiry notices)."
  type        = string
}
