output "thanos_bucket_name" {
  description = "Bucket for the Thanos objstore config."
  value       = module.bucket["thanos"].s3_bucket_id
}

output "thanos_bucket_arn" {
  description = "ARN of the Thanos bucket."
  value       = module.bucket["thanos"].s3_bucket_arn
}

output "loki_bucket_name" {
  description = "Bucket for Loki chunks and index."
  value       = module.bucket["loki"].s3_bucket_id
}

output "loki_bucket_arn" {
  description = "ARN of the Loki bucket."
  value       = module.bucket["loki"].s3_bucket_arn
}

output "kms_key_arn" {
  description = "KMS key of the three buckets (Thanos, Loki, Tempo) and the observability secrets."
  value       = module.kms.key_arn
}

output "tempo_bucket_name" {
  description = "Bucket for Tempo's trace blocks."
  value       = module.bucket["tempo"].s3_bucket_id
}

output "tempo_bucket_arn" {
  description = "ARN of the Tempo bucket (the Tempo IRSA role needs read/write on it)."
  value       = module.bucket["tempo"].s3_bucket_arn
}

output "expire_after_days" {
  description = "Effective expiry per bucket: the configured days, raised to the applications' retention floor."
  value       = local.expire_after_days
}

output "secret_arns" {
  description = "Secrets Manager secrets of the observability stack (observability, alerting, grafana)."
  value       = { for k, s in aws_secretsmanager_secret.observability : k => s.arn }
}
