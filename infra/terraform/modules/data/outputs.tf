output "mysql_address" {
  description = "Hostname of the MySQL primary (Multi-AZ failover keeps the name)."
  value       = module.mysql.db_instance_address
}

output "mysql_port" {
  description = "MySQL port."
  value       = module.mysql.db_instance_port
}

output "mysql_master_secret_arn" {
  description = "Secrets Manager secret RDS manages for the master user (rotated every 30 days)."
  value       = module.mysql.db_instance_master_user_secret_arn
}

output "redis_primary_endpoint" {
  description = "Primary endpoint of the Redis replication group (TLS, AUTH)."
  value       = module.redis.replication_group_primary_endpoint_address
}

output "redis_reader_endpoint" {
  description = "Reader endpoint of the Redis replication group."
  value       = module.redis.replication_group_reader_endpoint_address
}

output "redis_auth_secret_arn" {
  description = "Secret holding the Redis AUTH token, host and port."
  value       = aws_secretsmanager_secret.redis_auth.arn
}

output "kms_key_arn" {
  description = "KMS key of the data stores and their secrets."
  value       = module.kms.key_arn
}
