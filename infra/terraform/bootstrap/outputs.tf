output "state_bucket" {
  description = "Bucket named in every backend.tf."
  value       = module.state_bucket.s3_bucket_id
}

output "lock_table" {
  description = "DynamoDB lock table named in every backend.tf."
  value       = module.lock_table.dynamodb_table_id
}

output "kms_key_arn" {
  description = "Key encrypting the state (alias/wayfare-terraform-state)."
  value       = module.kms.key_arn
}
