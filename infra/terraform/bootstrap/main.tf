# Remote state for every other stack: a versioned, KMS-encrypted, TLS-only S3 bucket and a
# DynamoDB lock table. Applied once, by hand, before anything else.

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project   = "wayfare"
      ManagedBy = "terraform"
      Source    = "infra/terraform/bootstrap"
    }
  }
}

module "kms" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/kms/aws"
  version = "3.1.1"

  description             = "Terraform state of wayfare"
  aliases                 = ["wayfare-terraform-state"]
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

module "state_bucket" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "4.11.0"

  bucket = var.state_bucket

  block_public_acls        = true
  block_public_policy      = true
  ignore_public_acls       = true
  restrict_public_buckets  = true
  control_object_ownership = true
  object_ownership         = "BucketOwnerEnforced"

  attach_deny_insecure_transport_policy = true
  attach_require_latest_tls_policy      = true

  versioning = { enabled = true }

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
      id                                     = "old-state-versions"
      enabled                                = true
      filter                                 = {}
      abort_incomplete_multipart_upload_days = 7
      noncurrent_version_expiration          = { days = 90 }
    },
  ]
}

module "lock_table" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/dynamodb-table/aws"
  version = "4.2.0"

  name     = var.lock_table
  hash_key = "LockID"
  attributes = [
    { name = "LockID", type = "S" },
  ]
  billing_mode                       = "PAY_PER_REQUEST"
  point_in_time_recovery_enabled     = true
  server_side_encryption_enabled     = true
  server_side_encryption_kms_key_arn = module.kms.key_arn
  deletion_protection_enabled        = true
}
