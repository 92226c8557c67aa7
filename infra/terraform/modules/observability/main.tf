# Object storage for long-term metrics (Thanos) and logs (Loki). Objects move to Standard-IA,
# then to Glacier *Instant Retrieval* - Thanos store gateways and Loki queriers read old blocks
# directly, which Glacier Flexible Retrieval would break - and expire at the retention limit.

data "aws_caller_identity" "current" {}

module "kms" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/kms/aws"
  version = "3.1.1"

  description             = "${var.name} observability buckets"
  aliases                 = ["${var.name}/observability"]
  enable_key_rotation     = true
  deletion_window_in_days = 30
  tags                    = var.tags
}

locals {
  buckets = {
    thanos = var.thanos_retention
    loki   = var.loki_retention
  }
}

module "bucket" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  for_each = toset(["thanos", "loki"])
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
      expiration = { days = local.buckets[each.key].expire_after_days }
    },
  ]

  tags = merge(var.tags, { "wayfare.io/component" = each.key })
}
