# prod: redundant in every AZ, protected from deletion, long retention.
env                = "prod"
region             = "eu-west-1"
azs                = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
vpc_cidr           = "10.30.0.0/16"
single_nat_gateway = false

kubernetes_version = "1.32"
# Replace with the VPN and Atlantis egress ranges before the first apply.
eks_public_access_cidrs  = ["203.0.113.0/24"]
node_instance_types      = ["m6i.xlarge", "m6a.xlarge"]
node_capacity_type       = "ON_DEMAND"
node_min_size_per_az     = 2
node_max_size_per_az     = 6
node_desired_size_per_az = 2

db_instance_class            = "db.r6g.large"
db_allocated_storage_gib     = 100
db_max_allocated_storage_gib = 1000
db_multi_az                  = true
db_backup_retention_days     = 30
db_performance_insights      = true
deletion_protection          = true

redis_node_type          = "cache.r6g.large"
redis_num_cache_clusters = 2

metrics_retention = { infrequent_access_after_days = 30, glacier_after_days = 90, expire_after_days = 395 }
logs_retention    = { infrequent_access_after_days = 30, glacier_after_days = 90, expire_after_days = 365 }

web_domain      = "shop.wayfare.example"
route53_zone_id = "Z0000000000000000000"
acme_email      = "platform@wayfare.example"
enable_waf      = true
api_entry       = "nlb"

# The release workflow deploys the web app here from refs/tags/v* (modules/edge web_deploy_role).
github_repository = "wayfare-commerce/wayfare"
web_deploy_refs   = ["refs/tags/v*"]

gcp_project_id           = "wayfare-backups-prod"
backup_delete_after_days = 365
