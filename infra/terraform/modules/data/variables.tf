variable "name" {
  description = "Name prefix, e.g. wayfare-dev."
  type        = string
}

variable "secret_prefix" {
  description = "Secrets Manager path prefix of the environment, e.g. wayfare/dev."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the data stores."
  type        = string
}

variable "database_subnet_group_name" {
  description = "RDS subnet group over the isolated database subnets."
  type        = string
}

variable "database_subnet_ids" {
  description = "Isolated database subnets (ElastiCache is placed there too)."
  type        = list(string)
}

variable "allowed_security_group_ids" {
  description = "Security groups (the EKS nodes') that may reach MySQL and Redis. Nothing else can."
  type        = list(string)
}

variable "mysql_engine_version" {
  description = "RDS MySQL engine version."
  type        = string
  default     = "8.0.40"
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
}

variable "db_allocated_storage_gib" {
  description = "Initial gp3 storage."
  type        = number
}

variable "db_max_allocated_storage_gib" {
  description = "Storage autoscaling ceiling."
  type        = number
}

variable "db_multi_az" {
  description = "Synchronous standby in a second AZ with automatic failover."
  type        = bool
}

variable "db_backup_retention_days" {
  description = "Automated backup retention; also the point-in-time-recovery window."
  type        = number
}

variable "db_performance_insights" {
  description = "Enable Performance Insights (not available on the smallest classes)."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Protect the database from deletion and take a final snapshot on destroy."
  type        = bool
}

variable "redis_engine_version" {
  description = "ElastiCache Redis OSS engine version."
  type        = string
  default     = "7.1"
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
}

variable "redis_num_cache_clusters" {
  description = "Primary plus replicas. Two or more turns on Multi-AZ with automatic failover."
  type        = number
}

variable "redis_snapshot_retention_days" {
  description = "Days of daily Redis snapshots (the cache is not the source of truth; this only speeds recovery)."
  type        = number
  default     = 1
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
