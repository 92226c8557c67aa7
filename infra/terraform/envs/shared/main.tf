# One environment of Wayfare. envs/dev and envs/prod share this file verbatim; everything that
# differs (sizes, redundancy, protection, retention) is in terraform.tfvars.

locals {
  name = "wayfare-${var.env}"

  # The naming rule (infra/README.md "Names"), stated once: one cluster per environment named
  # wayfare-<env>; the Wayfare release in namespace wayfare-<env>; each workload runs as service
  # account <workload> there, reads secret wayfare/<env>/<workload> and assumes IAM role
  # wayfare-<env>-<workload>.
  namespace = "wayfare-${var.env}"

  # The services of ARCHITECTURE.md section 1; each gets a secret, a policy and an IRSA role.
  # Adding a service is one entry here (and one under services: in the chart's values.yaml).
  services = ["gateway", "auth", "catalog", "order", "payment", "flight", "booking", "admin"]

  # The Istio Gateway's host, CloudFront's API origin (modules/edge).
  api_origin_domain = "api-origin.${var.web_domain}"

  tags = {
    Project     = "wayfare"
    Environment = var.env
    ManagedBy   = "terraform"
    Source      = "infra/terraform/envs/${var.env}"
  }
}

data "aws_caller_identity" "current" {}

# The image repository is account-wide (infra/terraform/global); both environments pull from it.
data "aws_ecr_repository" "wayfare" {
  name = var.ecr_repository_name
}

module "network" {
  source = "../../modules/network"

  name               = local.name
  cidr               = var.vpc_cidr
  azs                = var.azs
  single_nat_gateway = var.single_nat_gateway
  cluster_name       = local.name
  tags               = local.tags
}

module "observability" {
  source = "../../modules/observability"

  name             = local.name
  thanos_retention = var.metrics_retention
  loki_retention   = var.logs_retention
  force_destroy    = !var.deletion_protection
  tags             = local.tags
}

module "eks" {
  source = "../../modules/eks"

  name                         = local.name
  kubernetes_version           = var.kubernetes_version
  vpc_id                       = module.network.vpc_id
  subnet_ids                   = module.network.private_subnet_ids
  endpoint_public_access_cidrs = var.eks_public_access_cidrs
  admin_role_arns              = var.eks_admin_role_arns

  node_instance_types      = var.node_instance_types
  node_capacity_type       = var.node_capacity_type
  node_min_size_per_az     = var.node_min_size_per_az
  node_max_size_per_az     = var.node_max_size_per_az
  node_desired_size_per_az = var.node_desired_size_per_az

  external_secrets_secret_arns        = ["arn:aws:secretsmanager:${var.region}:${data.aws_caller_identity.current.account_id}:secret:wayfare/${var.env}/*"]
  external_secrets_ssm_parameter_arns = ["arn:aws:ssm:${var.region}:${data.aws_caller_identity.current.account_id}:parameter/wayfare/${var.env}/*"]
  external_secrets_kms_key_arns       = [module.secrets.kms_key_arn]

  thanos_bucket_arn         = module.observability.thanos_bucket_arn
  loki_bucket_arn           = module.observability.loki_bucket_arn
  tempo_bucket_arn          = module.observability.tempo_bucket_arn
  observability_kms_key_arn = module.observability.kms_key_arn
  route53_zone_arns         = ["arn:aws:route53:::hostedzone/${var.route53_zone_id}"]

  tags = local.tags
}

module "secrets" {
  source = "../../modules/secrets"

  env               = var.env
  services          = local.services
  namespace         = local.namespace
  oidc_provider_arn = module.eks.oidc_provider_arn
  tags              = local.tags
}

module "data" {
  source = "../../modules/data"

  name                       = local.name
  secret_prefix              = "wayfare/${var.env}"
  vpc_id                     = module.network.vpc_id
  database_subnet_group_name = module.network.database_subnet_group_name
  database_subnet_ids        = module.network.database_subnet_ids
  allowed_security_group_ids = [module.eks.node_security_group_id, module.eks.cluster_primary_security_group_id]

  db_instance_class            = var.db_instance_class
  db_allocated_storage_gib     = var.db_allocated_storage_gib
  db_max_allocated_storage_gib = var.db_max_allocated_storage_gib
  db_multi_az                  = var.db_multi_az
  db_backup_retention_days     = var.db_backup_retention_days
  db_performance_insights      = var.db_performance_insights
  deletion_protection          = var.deletion_protection

  redis_node_type          = var.redis_node_type
  redis_num_cache_clusters = var.redis_num_cache_clusters

  tags = local.tags
}

module "edge" {
  source = "../../modules/edge"
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name                     = local.name
  web_domain               = var.web_domain
  api_origin_domain        = local.api_origin_domain
  route53_zone_id          = var.route53_zone_id
  enable_waf               = var.enable_waf
  api_entry                = var.api_entry
  ingress_nlb_listener_arn = var.ingress_nlb_listener_arn
  vpc_id                   = module.network.vpc_id
  vpc_cidr_block           = module.network.vpc_cidr_block
  private_subnet_ids       = module.network.private_subnet_ids
  force_destroy            = !var.deletion_protection
  # The release workflow's web job deploys this environment from these refs (dev: main, prod:
  # release tags), with its own role on this bucket and distribution only.
  web_deploy_subjects = [for ref in var.web_deploy_refs : "${var.github_repository}:ref:${ref}"]
  tags                = local.tags
}

module "gcp_backup" {
  source = "../../modules/gcp_backup"

  name                       = local.name
  gcp_project_id             = var.gcp_project_id
  location                   = var.backup_location
  delete_after_days          = var.backup_delete_after_days
  force_destroy              = !var.deletion_protection
  oidc_provider_arn          = module.eks.oidc_provider_arn
  backup_service_account     = "${local.namespace}:backup"
  database_master_secret_arn = module.data.mysql_master_secret_arn
  database_kms_key_arn       = module.data.kms_key_arn
  labels                     = { project = "wayfare", environment = var.env }
  tags                       = local.tags
}

# What Argo CD needs from all of the above, as the files infra/scripts/write-gitops-values.sh writes.
module "gitops_values" {
  source = "../../modules/gitops_values"

  env                   = var.env
  namespace             = local.namespace
  cluster_name          = module.eks.cluster_name
  region                = var.region
  account_id            = data.aws_caller_identity.current.account_id
  vpc_id                = module.network.vpc_id
  image_repository      = data.aws_ecr_repository.wayfare.repository_url
  service_role_arns     = module.secrets.role_arns
  platform_role_arns    = module.eks.irsa_role_arns
  database_subnet_cidrs = module.network.database_subnet_cidrs
  private_subnet_cidrs  = module.network.private_subnet_cidrs
  mysql_host            = module.data.mysql_address
  mysql_port            = module.data.mysql_port
  redis_hosts           = [module.data.redis_primary_endpoint, module.data.redis_reader_endpoint]
  web_domain            = var.web_domain
  api_origin_domain     = local.api_origin_domain
  route53_zone_id       = var.route53_zone_id

  ingress_nlb_security_group_id = module.edge.ingress_nlb_security_group_id
  mysql_master_secret_arn       = module.data.mysql_master_secret_arn
  acme_email                    = var.acme_email

  backup = {
    role_arn                   = module.gcp_backup.backup_role_arn
    bucket                     = module.gcp_backup.bucket_url
    gcp_service_account        = module.gcp_backup.service_account_email
    workload_identity_provider = module.gcp_backup.workload_identity_provider
  }
}
