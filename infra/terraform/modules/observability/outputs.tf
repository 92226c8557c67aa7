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
  description = "KMS key of both buckets."
  value       = module.kms.key_arn
}
