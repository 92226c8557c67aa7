output "bucket_name" {
  description = "Backup bucket name."
  value       = google_storage_bucket.backup.name
}

output "bucket_url" {
  description = "gs:// URL of the backup bucket."
  value       = google_storage_bucket.backup.url
}

output "service_account_email" {
  description = "Google service account the backup job impersonates."
  value       = google_service_account.backup.email
}

output "workload_identity_provider" {
  description = "Full name of the workload identity provider, for the job's credential configuration."
  value       = google_iam_workload_identity_pool_provider.aws.name
}

output "backup_role_arn" {
  description = "IRSA role of the backup CronJob (service account backup in wayfare-<env>)."
  value       = module.backup_irsa.iam_role_arn
}
