# dev: one of everything, small and cheap, easy to tear down.
env                = "dev"
region             = "eu-west-1"
azs                = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
vpc_cidr           = "10.20.0.0/16"
single_nat_gateway = true

kubernetes_version       = "1.32"
eks_public_access_cidrs  = ["0.0.0.0/0"]
node_instance_types      = ["t3a.large", "t3.large"]
node_capacity_type       = "SPOT"
node_min_size_per_az     = 1
node_max_size_per_az     = 2
node_desired_size_per_az = 1

db_instance_class            = "db.t4g.medium"
db_allocated_storage_gib     = 20
db_max_allocated_storage_gib = 100
db_multi_az                  = false
db_backup_retention_days     = 3
db_performance_insights      = false
deletion_protection          = false

redis_node_type          = "cache.t4g.small"
redis_num_cache_clusters = 1

metrics_retention = { infrequent_access_after_days = 30, glacier_after_days = 60, expire_after_days = 90 }
logs_retention    = { infrequent_access_after_days = 30, glacier_after_days = 60, expire_after_days = 90 }

# Placeholders: the real domain and its hosted zone (see infra/README.md, first deploy).
web_domain      = "shop.dev.wayfare.example"
route53_zone_id = "Z0000000000000000000"
acme_email      = "platform@wayfare.example"
enable_waf      = true
api_entry       = "nlb"

# The release workflow deploys the web app here from refs/heads/main (modules/edge web_deploy_role).
github_repository = "wayfare-commerce/wayfare"
web_deploy_refs   = ["refs/heads/main"]

gcp_project_id           = "wayfare-backups-dev"
backup_delete_after_days = 30
