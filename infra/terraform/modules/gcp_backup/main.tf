# Off-cloud backups: a versioned Cloud Storage bucket with lifecycle tiering, written by a backup
# CronJob in EKS. The job has no Google key file: its IRSA role's AWS identity is exchanged for a
# short-lived Google token through Workload Identity Federation (an AWS provider in a pool), and
# only that role may impersonate the backup service account.

data "aws_caller_identity" "current" {}

resource "random_id" "suffix" {
  byte_length = 3
}

# Customer-managed key, rotated every 90 days; the Cloud Storage service agent may use it.
resource "google_kms_key_ring" "backup" {
  name     = "${var.name}-backup"
  project  = var.gcp_project_id
  location = var.kms_location
}

resource "google_kms_crypto_key" "backup" {
  name            = "${var.name}-backup"
  key_ring        = google_kms_key_ring.backup.id
  rotation_period = "7776000s"

  lifecycle {
    prevent_destroy = true
  }
}

data "google_storage_project_service_account" "gcs" {
  project = var.gcp_project_id
}

resource "google_kms_crypto_key_iam_member" "gcs" {
  crypto_key_id = google_kms_crypto_key.backup.id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

resource "google_storage_bucket" "backup" {
  #checkov:skip=CKV_GCP_62:Access is audited with Cloud Audit Logs data-access logs; a second log bucket adds nothing
  name     = "${var.name}-backup-${random_id.suffix.hex}"
  project  = var.gcp_project_id
  location = var.location

  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy

  versioning {
    enabled = true
  }

  encryption {
    default_kms_key_name = google_kms_crypto_key.backup.id
  }

  soft_delete_policy {
    retention_duration_seconds = 7 * 24 * 3600
  }

  lifecycle_rule {
    condition {
      age = var.nearline_after_days
    }
    action {
      type          = "SetStorageClass"
      storage_class = "NEARLINE"
    }
  }

  lifecycle_rule {
    condition {
      age = var.coldline_after_days
    }
    action {
      type          = "SetStorageClass"
      storage_class = "COLDLINE"
    }
  }

  lifecycle_rule {
    condition {
      age = var.delete_after_days
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.noncurrent_versions_kept_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  labels = var.labels

  depends_on = [google_kms_crypto_key_iam_member.gcs]
}

################################################################################
# Identity: AWS role -> Workload Identity Federation -> Google service account
################################################################################

module "backup_irsa" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version = "5.60.0"

  role_name        = "${var.name}-backup"
  role_policy_arns = { read_master_secret = module.backup_policy.arn }

  oidc_providers = {
    main = {
      provider_arn               = var.oidc_provider_arn
      namespace_service_accounts = [var.backup_service_account]
    }
  }
  tags = var.tags
}

data "aws_iam_policy_document" "backup" {
  statement {
    sid       = "ReadDatabaseMasterSecret"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [var.database_master_secret_arn]
  }

  statement {
    sid       = "DecryptDatabaseMasterSecret"
    actions   = ["kms:Decrypt"]
    resources = [var.database_kms_key_arn]
  }
}

module "backup_policy" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/iam/aws//modules/iam-policy"
  version = "5.60.0"

  name        = "${var.name}-backup"
  description = "Read the RDS master secret for mysqldump"
  policy      = data.aws_iam_policy_document.backup.json
  tags        = var.tags
}

resource "google_service_account" "backup" {
  project      = var.gcp_project_id
  account_id   = "${var.name}-backup"
  display_name = "Backups written from ${var.name} (AWS)"
}

resource "google_storage_bucket_iam_member" "backup_writer" {
  bucket = google_storage_bucket.backup.name
  role   = "roles/storage.objectCreator"
  member = "serviceAccount:${google_service_account.backup.email}"
}

resource "google_storage_bucket_iam_member" "backup_reader" {
  bucket = google_storage_bucket.backup.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.backup.email}"
}

resource "google_iam_workload_identity_pool" "aws" {
  project                   = var.gcp_project_id
  workload_identity_pool_id = "${var.name}-aws"
  display_name              = "${var.name} AWS workloads"
}

resource "google_iam_workload_identity_pool_provider" "aws" {
  #checkov:skip=CKV_GCP_125:This is an AWS provider, not GitHub OIDC; attribute_condition pins it to the one backup role
  project                            = var.gcp_project_id
  workload_identity_pool_id          = google_iam_workload_identity_pool.aws.workload_identity_pool_id
  workload_identity_pool_provider_id = "aws-${data.aws_caller_identity.current.account_id}"
  display_name                       = "AWS account"

  attribute_mapping = {
    "google.subject"     = "assertion.arn"
    "attribute.aws_role" = "assertion.arn.contains('assumed-role') ? assertion.arn.extract('{account_arn}assumed-role/') + 'assumed-role/' + assertion.arn.extract('assumed-role/{role_name}/') : assertion.arn"
  }
  attribute_condition = "attribute.aws_role == \"arn:aws:sts::${data.aws_caller_identity.current.account_id}:assumed-role/${module.backup_irsa.iam_role_name}\""

  aws {
    account_id = data.aws_caller_identity.current.account_id
  }
}

resource "google_service_account_iam_member" "backup_wif" {
  service_account_id = google_service_account.backup.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.aws.name}/attribute.aws_role/arn:aws:sts::${data.aws_caller_identity.current.account_id}:assumed-role/${module.backup_irsa.iam_role_name}"
}
