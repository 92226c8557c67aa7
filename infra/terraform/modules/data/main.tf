# RDS MySQL 8 and an ElastiCache Redis replication group, both encrypted with one customer key,
# both reachable only from the EKS node security groups.
#
# The RDS master password is generated and rotated by RDS inside Secrets Manager and never enters
# Terraform state. The Redis AUTH token cannot be handed to ElastiCache any other way than as an
# argument, so it is the one value generated here (random_password, hence in the encrypted state)
# and copied to Secrets Manager for the secret seeding runbook (see infra/README.md).

module "kms" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/kms/aws"
  version = "3.1.1"

  description             = "${var.name} data stores (RDS, ElastiCache, their secrets)"
  aliases                 = ["${var.name}/data"]
  enable_key_rotation     = true
  deletion_window_in_days = 30
  tags                    = var.tags
}

################################################################################
# RDS MySQL
################################################################################

module "mysql_sg" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/security-group/aws"
  version = "5.3.0"

  name        = "${var.name}-mysql"
  description = "MySQL from the EKS nodes only"
  vpc_id      = var.vpc_id

  computed_ingress_with_source_security_group_id = [
    for id in var.allowed_security_group_ids : {
      rule                     = "mysql-tcp"
      source_security_group_id = id
      description              = "MySQL from EKS"
    }
  ]
  number_of_computed_ingress_with_source_security_group_id = length(var.allowed_security_group_ids)

  tags = var.tags
}

module "mysql" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/rds/aws"
  version = "6.12.0"

  identifier = "${var.name}-mysql"

  engine               = "mysql"
  engine_version       = var.mysql_engine_version
  family               = "mysql8.0"
  major_engine_version = "8.0"
  instance_class       = var.db_instance_class

  allocated_storage     = var.db_allocated_storage_gib
  max_allocated_storage = var.db_max_allocated_storage_gib
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = module.kms.key_arn

  # Each service gets its own schema and user (created by the seeding runbook); the master
  # user is only for that runbook and for backups.
  db_name  = "wayfare"
  username = "wayfare_admin"
  port     = 3306

  manage_master_user_password                       = true
  master_user_secret_kms_key_id                     = module.kms.key_arn
  manage_master_user_password_rotation              = true
  master_user_password_rotate_immediately           = false
  master_user_password_rotation_schedule_expression = "rate(30 days)"

  multi_az               = var.db_multi_az
  create_db_subnet_group = false
  db_subnet_group_name   = var.database_subnet_group_name
  vpc_security_group_ids = [module.mysql_sg.security_group_id]
  publicly_accessible    = false

  iam_database_authentication_enabled = true
  ca_cert_identifier                  = "rds-ca-rsa2048-g1"

  maintenance_window      = "Mon:01:00-Mon:03:00"
  backup_window           = "03:30-05:00"
  backup_retention_period = var.db_backup_retention_days
  copy_tags_to_snapshot   = true
  deletion_protection     = var.deletion_protection
  skip_final_snapshot     = !var.deletion_protection

  auto_minor_version_upgrade = true
  apply_immediately          = false

  enabled_cloudwatch_logs_exports = ["error", "slowquery"]
  create_cloudwatch_log_group     = true

  performance_insights_enabled    = var.db_performance_insights
  performance_insights_kms_key_id = var.db_performance_insights ? module.kms.key_arn : null

  create_monitoring_role = true
  monitoring_role_name   = "${var.name}-rds-monitoring"
  monitoring_interval    = 60

  parameters = [
    { name = "require_secure_transport", value = "1" },
    { name = "character_set_server", value = "utf8mb4" },
    { name = "collation_server", value = "utf8mb4_0900_ai_ci" },
    { name = "slow_query_log", value = "1" },
    { name = "long_query_time", value = "1" },
    # catalog keeps its search index with triggers; with binary logging on, a non-SUPER user
    # may create triggers only when this is set.
    { name = "log_bin_trust_function_creators", value = "1" },
  ]

  tags = var.tags
}

################################################################################
# ElastiCache Redis
################################################################################

resource "random_password" "redis_auth" {
  length  = 64
  special = false
}

resource "aws_secretsmanager_secret" "redis_auth" {
  #checkov:skip=CKV2_AWS_57:ElastiCache AUTH tokens rotate through auth_token_update_strategy on apply, not a Lambda
  name                    = "${var.secret_prefix}/redis-auth"
  description             = "AUTH token of ${var.name}-redis; read by the secret seeding runbook"
  kms_key_id              = module.kms.key_arn
  recovery_window_in_days = 7
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "redis_auth" {
  secret_id = aws_secretsmanager_secret.redis_auth.id
  secret_string = jsonencode({
    auth_token = random_password.redis_auth.result
    host       = module.redis.replication_group_primary_endpoint_address
    port       = 6379
  })
}

module "redis" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/elasticache/aws"
  version = "1.6.1"

  replication_group_id = "${var.name}-redis"
  description          = "Cache and ephemeral state of ${var.name}"

  engine         = "redis"
  engine_version = var.redis_engine_version
  node_type      = var.redis_node_type
  port           = 6379

  num_cache_clusters         = var.redis_num_cache_clusters
  automatic_failover_enabled = var.redis_num_cache_clusters > 1
  multi_az_enabled           = var.redis_num_cache_clusters > 1

  transit_encryption_enabled = true
  auth_token                 = random_password.redis_auth.result
  at_rest_encryption_enabled = true
  kms_key_arn                = module.kms.key_arn

  maintenance_window       = "tue:01:00-tue:03:00"
  snapshot_window          = "03:30-05:00"
  snapshot_retention_limit = var.redis_snapshot_retention_days
  apply_immediately        = false

  vpc_id = var.vpc_id
  security_group_rules = {
    for i, id in var.allowed_security_group_ids : "ingress_eks_${i}" => {
      description                  = "Redis from EKS"
      referenced_security_group_id = id
    }
  }

  subnet_group_name = "${var.name}-redis"
  subnet_ids        = var.database_subnet_ids

  create_parameter_group = true
  parameter_group_name   = "${var.name}-redis7"
  parameter_group_family = "redis7"
  parameters = [
    { name = "maxmemory-policy", value = "allkeys-lru" },
  ]

  tags = var.tags
}
