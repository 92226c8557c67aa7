# GitHub Actions authenticates to AWS with its OIDC token: no access keys exist anywhere. The
# role trusts only the listed refs of the repository (main and release tags) and may push
# images to the listed ECR repositories - nothing else (it never talks to the cluster).

module "provider" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/iam/aws//modules/iam-github-oidc-provider"
  version = "5.60.0"

  create = var.create_provider
  tags   = var.tags
}

data "aws_iam_policy_document" "ecr_push" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # GetAuthorizationToken has no resource-level permissions.
  }

  statement {
    sid = "PushAndReadImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImages",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = var.ecr_repository_arns
  }
}

module "policy" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/iam/aws//modules/iam-policy"
  version = "5.60.0"

  name        = "${var.role_name}-ecr-push"
  description = "Push the wayfare image to ECR"
  policy      = data.aws_iam_policy_document.ecr_push.json
  tags        = var.tags
}

module "role" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/iam/aws//modules/iam-github-oidc-role"
  version = "5.60.0"

  name                 = var.role_name
  description          = "Assumed by the wayfare release workflow to push images"
  subjects             = var.subjects
  policies             = { ecr_push = module.policy.arn }
  max_session_duration = 3600
  tags                 = var.tags

  depends_on = [module.provider]
}
