# One Secrets Manager secret per service, wayfare/<env>/<service>, whose JSON keys are the
# environment variables the service reads (WAYFARE_DATABASE_URL, WAYFARE_REDIS_URL, and for auth
# WAYFARE_JWT_SIGNING_KEY, WAYFARE_ADMIN_EMAIL and WAYFARE_ADMIN_PASSWORD, for payment
# WAYFARE_PAYMENT_PROVIDER_KEY, and for catalog/order/payment/flight/booking/admin the shared
# WAYFARE_SERVICE_KEY that signs /internal calls).
#
# Terraform creates only the containers, the key, the policies and the roles: the values are
# written by the seeding runbook in infra/README.md, so no service credential sits in state.
# Each service's IRSA role can read its own secret and nothing else. Naming rule (infra/README.md):
# namespace wayfare-<env>, service account <service>, secret wayfare/<env>/<service>, role
# wayfare-<env>-<service>.

data "aws_region" "current" {}

module "kms" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/kms/aws"
  version = "3.1.1"

  description             = "wayfare-${var.env} service secrets"
  aliases                 = ["wayfare-${var.env}/secrets"]
  enable_key_rotation     = true
  deletion_window_in_days = 30
  tags                    = var.tags
}

resource "aws_secretsmanager_secret" "service" {
  #checkov:skip=CKV2_AWS_57:Values are set and rotated by the seeding runbook (infra/README.md) so they stay out of Terraform state
  for_each = toset(var.services)

  name                    = "wayfare/${var.env}/${each.key}"
  description             = "Runtime secrets of the ${each.key} service (${var.env}); JSON keys are env var names"
  kms_key_id              = module.kms.key_arn
  recovery_window_in_days = var.recovery_window_days
  tags                    = merge(var.tags, { "wayfare.io/service" = each.key })
}

data "aws_iam_policy_document" "read_own_secret" {
  for_each = aws_secretsmanager_secret.service

  statement {
    sid       = "ReadOwnSecret"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [each.value.arn]
  }

  statement {
    sid       = "DecryptThroughSecretsManager"
    actions   = ["kms:Decrypt"]
    resources = [module.kms.key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${data.aws_region.current.name}.amazonaws.com"]
    }
  }
}

module "policy" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  for_each = data.aws_iam_policy_document.read_own_secret
  source   = "terraform-aws-modules/iam/aws//modules/iam-policy"
  version  = "5.60.0"

  name        = "wayfare-${var.env}-${each.key}"
  description = "Read wayfare/${var.env}/${each.key} and nothing else"
  policy      = each.value.json
  tags        = var.tags
}

module "service_irsa" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  for_each = toset(var.services)
  source   = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version  = "5.60.0"

  role_name        = "wayfare-${var.env}-${each.key}"
  role_policy_arns = { own_secret = module.policy[each.key].arn }

  oidc_providers = {
    main = {
      provider_arn               = var.oidc_provider_arn
      namespace_service_accounts = ["${var.namespace}:${each.key}"]
    }
  }

  tags = merge(var.tags, { "wayfare.io/service" = each.key })
}
