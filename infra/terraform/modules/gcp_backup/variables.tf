variable "name" {
  description = "Name prefix, e.g. wayfare-dev."
  type        = string
}

variable "gcp_project_id" {
  description = "GCP project holding the backup bucket."
  type        = string
}

variable "location" {
  description = "GCS location of the bucket (a multi-region such as EU keeps copies in two regions)."
  type        = string
  default     = "EU"
}

variable "kms_location" {
  description = "Cloud KMS location of the bucket key; must match the bucket location (europe for EU, us for US)."
  type        = string
  default     = "europe"
}

variable "nearline_after_days" {
  description = "Days before objects move to Nearline."
  type        = number
  default     = 30
}

variable "coldline_after_days" {
  description = "Days before objects move to Coldline."
  type        = number
  default     = 90
}

variable "delete_after_days" {
  description = "Days before backups are deleted."
  type        = number
}

variable "noncurrent_versions_kept_days" {
  description = "Days an overwritten or deleted object's old version is kept."
  type        = number
  default     = 30
}

variable "force_destroy" {
  description = "Allow destroying a non-empty bucket (dev only)."
  type        = bool
  default     = false
}

variable "oidc_provider_arn" {
  description = "IAM OIDC provider of the EKS cluster; the backup CronJob runs under IRSA."
  type        = string
}

variable "backup_service_account" {
  description = "namespace:serviceaccount of the backup CronJob (wayfare-<env>:backup, made by the Wayfare chart)."
  type        = string
}

variable "database_master_secret_arn" {
  description = "RDS-managed master user secret the backup job reads to run mysqldump."
  type        = string
}

variable "database_kms_key_arn" {
  description = "KMS key encrypting that secret."
  type        = string
}

variable "labels" {
  description = "Labels added to GCP resources."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags added to AWS resources."
  type        = map(string)
  default     = {}
}
