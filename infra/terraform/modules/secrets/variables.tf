variable "env" {
  description = "Environment name (dev, prod); part of every secret, policy and role name."
  type        = string
}

variable "services" {
  description = "Services that get a secret wayfare/<env>/<service>, a policy and an IRSA role wayfare-<env>-<service>."
  type        = list(string)
}

variable "namespace" {
  description = "Kubernetes namespace of the environment (wayfare-<env>); service account <service> there may assume the service's role."
  type        = string
}

variable "oidc_provider_arn" {
  description = "IAM OIDC provider of the EKS cluster."
  type        = string
}

variable "recovery_window_days" {
  description = "Days a deleted secret can still be restored."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
