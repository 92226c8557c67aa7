# Object storage for long-term metrics (Thanos), logs (Loki) and traces (Tempo). Objects move to
# Standard-IA, then to Glacier *Instant Retrieval* - Thanos store gateways, Loki queriers and Tempo
# read old blocks directly, which Glacier Flexible Retrieval would break - and expire at the
# retention limit, which never undercuts what the applications keep (retention floors below).
# Also the Secrets Manager secrets the observability stack reads through External Secrets
# (deploy/observability/secrets): bucket names and objstore.yml (written here), and the containers
# for the alerting credentials and Grafana's admin password (values set by people, never in Git).

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

module "kms" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/kms/aws"
  version = "3.1.1"

  description             = "${var.name} observability buckets"
  aliases                 = ["${var.name}/observability"]
  enable_key_rotation     = true
  deletion_window_in_days = 30

  # The secrets below are encrypted with this key too: any principal of this account may decrypt
  # through Secrets Manager only, so who reads a secret is decided by the secret's IAM permissions
  # (the External Secrets controller's role may read wayfare/<env>/*), as with the AWS-managed key.
  key_statements = [
    {
      sid       = "DecryptThroughSecretsManager"
      actions   = ["kms:Decrypt", "kms:DescribeKey"]
      resources = ["*"]
      principals = [
        { type = "AWS", identifiers = ["*"] },
      ]
      conditions = [
        { test = "StringEquals", variable = "kms:CallerAccount", values = [data.aws_caller_identity.current.account_id] },
        { test = "StringEquals", variable = "kms:ViaService", values = ["secretsmanager.${data.aws_region.current.name}.amazonaws.com"] },
      ]
    },
  ]

  tags = var.tags
}

locals {
  buckets = {
    thanos = var.thanos_retention
    loki   = var.loki_retention
    tempo  = var.tempo_retention
  }

  # The longest each application keeps its objects, in days, plus a margin for deletion delays
  # (Thanos compactor 1h resolution 365d + 48h delete delay; Loki 744h = 31d; Tempo 336h = 14d).
  # deploy/observability/verify.sh compares these with deploy/argocd/apps/platform/{thanos,loki,tempo}.yaml.
  # A lifecycle rule that expired objects earlier would delete blocks the index still points at.
  retention_floor_days = {
    thanos = 370 # retention floor
    loki   = 33  # retention floor
    tempo  = 16  # retention floor
  }

  expire_after_days = {
    for k, v in local.buckets : k => max(v.expire_after_days, local.retention_floor_days[k])
  }
}

module "bucket" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  for_each = toset(["thanos", "loki", "tempo"])
  source   = "terraform-aws-modules/s3-bucket/aws"
  version  = "4.11.0"

  bucket        = "${var.name}-${each.key}-${data.aws_caller_identity.current.account_id}"
  force_destroy = var.force_destroy

  block_public_acls        = true
  block_public_policy      = true
  ignore_public_acls       = true
  restrict_public_buckets  = true
  control_object_ownership = true
  object_ownership         = "BucketOwnerEnforced"

  attach_deny_insecure_transport_policy = true
  attach_require_latest_tls_policy      = true

  server_side_encryption_configuration = {
    rule = {
      bucket_key_enabled = true
      apply_server_side_encryption_by_default = {
        sse_algorithm     = "aws:kms"
        kms_master_key_id = module.kms.key_arn
      }
    }
  }

  lifecycle_rule = [
    {
      id                                     = "tiering-and-expiry"
      enabled                                = true
      filter                                 = {}
      abort_incomplete_multipart_upload_days = 7
      transition = [
        { days = local.buckets[each.key].infrequent_access_after_days, storage_class = "STANDARD_IA" },
        { days = local.buckets[each.key].glacier_after_days, storage_class = "GLACIER_IR" },
      ]
      expiration = { days = local.expire_after_days[each.key] }
    },
  ]

  tags = merge(var.tags, { "wayfare.io/component" = each.key })
}

# ------------------------------------------------------------------------------------------ secrets
# The External Secrets controller reads wayfare/<env>/* with its own IRSA role (infra: eks module).
locals {
  # var.name is wayfare-<env> (envs/shared).
  env           = trimprefix(var.name, "wayfare-")
  secret_prefix = "wayfare/${local.env}"
  region        = data.aws_region.current.name

  # Not credentials (IRSA gives the access), but read by pods through External Secrets like the rest.
  observability_config = {
    thanos_objstore_yml = yamlencode({
      type = "S3"
      config = {
        bucket   = module.bucket["thanos"].s3_bucket_id
        endpoint = "s3.${local.region}.amazonaws.com"
        region   = local.region
      }
    })
    loki_bucket  = module.bucket["loki"].s3_bucket_id
    tempo_bucket = module.bucket["tempo"].s3_bucket_id
  }
}

resource "aws_secretsmanager_secret" "observability" {
  #checkov:skip=CKV2_AWS_57:Holds bucket names and a bucket config, not credentials; nothing to rotate
  for_each = toset(["observability", "alerting", "grafana"])

  name                    = "${local.secret_prefix}/${each.key}"
  description             = "Wayfare ${local.env} observability: ${each.key} (read by External Secrets, deploy/observability/secrets)"
  kms_key_id              = module.kms.key_arn
  recovery_window_in_days = var.force_destroy ? 0 : 30
  tags                    = merge(var.tags, { "wayfare.io/component" = "observability" })
}

resource "aws_secretsmanager_secret_version" "observability" {
  secret_id     = aws_secretsmanager_secret.observability["observability"].id
  secret_string = jsonencode(local.observability_config)
}
