variable "name" {
  description = "Cluster name, e.g. wayfare-dev."
  type        = string
}

variable "kubernetes_version" {
  description = "EKS control-plane version."
  type        = string
}

variable "vpc_id" {
  description = "VPC the cluster lives in."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets, one per AZ; one managed node group is created in each."
  type        = list(string)
}

variable "endpoint_public_access" {
  description = "Expose the Kubernetes API endpoint publicly (restricted to endpoint_public_access_cidrs)."
  type        = bool
  default     = true
}

variable "endpoint_public_access_cidrs" {
  description = "CIDRs allowed to reach the public API endpoint (office/VPN, Atlantis egress)."
  type        = list(string)
}

variable "node_instance_types" {
  description = "Instance types of the general node groups, in order of preference."
  type        = list(string)
}

variable "node_capacity_type" {
  description = "ON_DEMAND or SPOT."
  type        = string
  default     = "ON_DEMAND"
}

variable "node_min_size_per_az" {
  description = "Minimum nodes in each AZ's node group."
  type        = number
}

variable "node_max_size_per_az" {
  description = "Maximum nodes in each AZ's node group (the Cluster Autoscaler's ceiling)."
  type        = number
}

variable "node_desired_size_per_az" {
  description = "Initial nodes in each AZ's node group; afterwards the Cluster Autoscaler owns it."
  type        = number
}

variable "node_disk_size_gib" {
  description = "Root volume size of each node."
  type        = number
  default     = 50
}

variable "admin_role_arns" {
  description = "IAM roles granted cluster-admin through EKS access entries (break-glass, Atlantis)."
  type        = list(string)
  default     = []
}

variable "log_retention_days" {
  description = "Days to keep control-plane logs."
  type        = number
  default     = 90
}

variable "external_secrets_secret_arns" {
  description = "Secrets Manager ARNs (wildcards allowed) the External Secrets Operator may read."
  type        = list(string)
}

variable "external_secrets_ssm_parameter_arns" {
  description = "SSM parameter ARNs the External Secrets Operator may read."
  type        = list(string)
}

variable "external_secrets_kms_key_arns" {
  description = "KMS keys the External Secrets Operator may decrypt with."
  type        = list(string)
}

variable "thanos_bucket_arn" {
  description = "S3 bucket holding Thanos blocks."
  type        = string
}

variable "loki_bucket_arn" {
  description = "S3 bucket holding Loki chunks and index."
  type        = string
}

variable "tempo_bucket_arn" {
  description = "S3 bucket holding Tempo's trace blocks."
  type        = string
}

variable "observability_kms_key_arn" {
  description = "KMS key encrypting the Thanos, Loki and Tempo buckets."
  type        = string
}

variable "thanos_service_accounts" {
  description = "namespace:serviceaccount pairs that may assume the Thanos role (Prometheus sidecar, store gateway, compactor): exactly those the platform Applications annotate with it."
  type        = list(string)
  default = [
    "monitoring:thanos-storegateway",
    "monitoring:thanos-compactor",
    "monitoring:kube-prometheus-stack-prometheus",
  ]
}

variable "loki_service_accounts" {
  description = "namespace:serviceaccount pairs that may assume the Loki role."
  type        = list(string)
  default     = ["logging:loki"]
}

variable "tempo_service_accounts" {
  description = "namespace:serviceaccount pairs that may assume the Tempo role."
  type        = list(string)
  default     = ["observability:tempo"]
}

variable "route53_zone_arns" {
  description = "Hosted zones external-dns and cert-manager (DNS-01) may change."
  type        = list(string)
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
