# The public edge: one host, one WAF.
#
# Browsers talk to one origin, https://<web_domain>: CloudFront serves the web app from a private S3
# bucket (Origin Access Control) and sends /api/* and /.well-known/* uncached, with every method,
# header, cookie and query string, to the API origin <api_origin_domain> -- the Istio ingress
# gateway's NLB, whose DNS record external-dns writes from the Istio Gateway. So the WAF attached to
# the distribution covers the API as well as the web app, the refresh-token cookie stays
# same-origin (SameSite=Strict, no CORS), and the NLB accepts only CloudFront's origin-facing
# addresses (security group below), so the WAF cannot be bypassed.
#
# SPA fallback is a CloudFront Function on the web behaviour only (extension-less paths ->
# /index.html), not a distribution-wide 403/404 error mapping, so API errors reach the client as
# the problem+json the services sent.
#
# var.api_entry = "apigw" additionally puts an API Gateway HTTP API (VPC link to the same NLB) in
# front when edge throttling or usage metrics are wanted; the default "nlb" needs no second apply.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  web_bucket   = "${var.name}-web-${data.aws_caller_identity.current.account_id}"
  web_origin   = "${local.web_bucket}.s3.${data.aws_region.current.name}.amazonaws.com"
  custom_cert  = var.web_domain != ""
  create_apigw = var.api_entry == "apigw" && var.ingress_nlb_listener_arn != ""

  # CloudWatch Logs may use a log key only for log groups of this account in its region.
  logs_key_statement = {
    for region in distinct(["us-east-1", data.aws_region.current.name]) : region => {
      sid       = "CloudWatchLogs"
      actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
      resources = ["*"]
      principals = [
        { type = "Service", identifiers = ["logs.${region}.amazonaws.com"] }
      ]
      conditions = [
        {
          test     = "ArnLike"
          variable = "kms:EncryptionContext:aws:logs:arn"
          values   = ["arn:aws:logs:${region}:${data.aws_caller_identity.current.account_id}:log-group:*"]
        }
      ]
    }
  }
}

################################################################################
# Web app
################################################################################

module "acm" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/acm/aws"
  version = "5.2.0"
  providers = {
    aws = aws.us_east_1
  }

  create_certificate  = local.custom_cert
  domain_name         = var.web_domain
  zone_id             = var.route53_zone_id
  validation_method   = "DNS"
  wait_for_validation = true
  tags                = var.tags
}

data "aws_cloudfront_cache_policy" "optimized" {
  name = "Managed-CachingOptimized"
}

data "aws_cloudfront_cache_policy" "disabled" {
  name = "Managed-CachingDisabled"
}

# Everything the viewer sent except Host: the origin is reached (and its certificate checked) by
# its own name, api_origin_domain, which is the host the Istio Gateway serves.
data "aws_cloudfront_origin_request_policy" "all_viewer_except_host" {
  name = "Managed-AllViewerExceptHostHeader"
}

# Client-side routes (/flights/123) get the SPA shell; files (anything with an extension) and
# every non-web path are untouched, so a missing asset stays a 404 and the API is never rewritten.
resource "aws_cloudfront_function" "spa_fallback" {
  name    = "${var.name}-spa-fallback"
  runtime = "cloudfront-js-2.0"
  comment = "Rewrite extension-less web paths to /index.html"
  publish = true
  code    = <<-JS
    function handler(event) {
      var request = event.request;
      var last = request.uri.split('/').pop();
      if (last.indexOf('.') === -1) {
        request.uri = '/index.html';
      }
      return request;
    }
  JS
}

resource "aws_cloudfront_response_headers_policy" "security" {
  name    = "${var.name}-security-headers"
  comment = "Security headers of the wayfare web app"

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }
    content_type_options {
      override = true
    }
    frame_options {
      frame_option = "DENY"
      override     = true
    }
    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }
    xss_protection {
      protection = true
      mode_block = true
      override   = true
    }
    content_security_policy {
      content_security_policy = var.content_security_policy
      override                = true
    }
  }
}

module "cdn" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/cloudfront/aws"
  version = "4.1.0"

  aliases             = local.custom_cert ? [var.web_domain] : []
  comment             = "${var.name} web app"
  enabled             = true
  is_ipv6_enabled     = true
  http_version        = "http2and3"
  price_class         = var.price_class
  retain_on_delete    = false
  wait_for_deployment = false
  default_root_object = "index.html"
  web_acl_id          = var.enable_waf ? aws_wafv2_web_acl.cloudfront[0].arn : null

  create_origin_access_control = true
  origin_access_control = {
    "${var.name}-web" = {
      description      = "CloudFront reads the ${var.name} web bucket"
      origin_type      = "s3"
      signing_behavior = "always"
      signing_protocol = "sigv4"
    }
  }

  origin = {
    web = {
      domain_name           = local.web_origin
      origin_access_control = "${var.name}-web"
    }
    api = {
      domain_name = var.api_origin_domain
      custom_origin_config = {
        http_port                = 80
        https_port               = 443
        origin_protocol_policy   = "https-only"
        origin_ssl_protocols     = ["TLSv1.2"]
        origin_read_timeout      = 30
        origin_keepalive_timeout = 60
      }
    }
  }

  default_cache_behavior = {
    target_origin_id           = "web"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    use_forwarded_values       = false
    cache_policy_id            = data.aws_cloudfront_cache_policy.optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
    function_association = {
      viewer-request = { function_arn = aws_cloudfront_function.spa_fallback.arn }
    }
  }

  # The API: never cached, every method, everything the client sent except Host.
  ordered_cache_behavior = [
    for pattern in var.api_path_patterns : {
      path_pattern             = pattern
      target_origin_id         = "api"
      viewer_protocol_policy   = "https-only"
      allowed_methods          = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
      cached_methods           = ["GET", "HEAD"]
      compress                 = true
      use_forwarded_values     = false
      cache_policy_id          = data.aws_cloudfront_cache_policy.disabled.id
      origin_request_policy_id = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
    }
  ]

  viewer_certificate = {
    cloudfront_default_certificate = !local.custom_cert
    acm_certificate_arn            = local.custom_cert ? module.acm.acm_certificate_arn : null
    ssl_support_method             = local.custom_cert ? "sni-only" : null
    minimum_protocol_version       = local.custom_cert ? "TLSv1.2_2021" : "TLSv1"
  }

  tags = var.tags
}

data "aws_iam_policy_document" "web_bucket" {
  statement {
    sid       = "CloudFrontReadsThroughOAC"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::${local.web_bucket}/*"]

    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [module.cdn.cloudfront_distribution_arn]
    }
  }
}

module "web_bucket" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "4.11.0"

  bucket        = local.web_bucket
  force_destroy = var.force_destroy

  block_public_acls        = true
  block_public_policy      = true
  ignore_public_acls       = true
  restrict_public_buckets  = true
  control_object_ownership = true
  object_ownership         = "BucketOwnerEnforced"

  attach_policy                         = true
  policy                                = data.aws_iam_policy_document.web_bucket.json
  attach_deny_insecure_transport_policy = true
  attach_require_latest_tls_policy      = true

  versioning = { enabled = true }

  # SSE-S3: CloudFront OAC reads these public assets without a KMS grant.
  server_side_encryption_configuration = {
    rule = {
      apply_server_side_encryption_by_default = { sse_algorithm = "AES256" }
    }
  }

  lifecycle_rule = [
    {
      id                                     = "old-builds"
      enabled                                = true
      filter                                 = {}
      abort_incomplete_multipart_upload_days = 7
      noncurrent_version_expiration          = { days = 30 }
    },
  ]

  tags = var.tags
}

################################################################################
# Web deploys. The release workflow (.github/workflows/release.yml, job `web`) assumes
# <name>-web-deploy with its GitHub OIDC token (no keys), reads the bucket and the distribution
# from the two SSM parameters below, uploads web/dist (hashed assets/* immutable, index.html
# no-cache) and invalidates the distribution. The role may do exactly that, on this environment's
# bucket and distribution only; deploy/validate/contract checks the workflow against it.
################################################################################

resource "aws_ssm_parameter" "web_bucket" {
  #checkov:skip=CKV2_AWS_34:Not a secret: the bucket name the release workflow uploads to
  name        = "/${var.name}/web/bucket"
  description = "Bucket of the ${var.name} web app (release workflow: s3 upload target)"
  type        = "String"
  value       = module.web_bucket.s3_bucket_id
  tags        = var.tags
}

resource "aws_ssm_parameter" "web_distribution_id" {
  #checkov:skip=CKV2_AWS_34:Not a secret: the distribution ID the release workflow invalidates
  name        = "/${var.name}/web/distribution-id"
  description = "CloudFront distribution of the ${var.name} web app (release workflow: invalidation)"
  type        = "String"
  value       = module.cdn.cloudfront_distribution_id
  tags        = var.tags
}

data "aws_iam_policy_document" "web_deploy" {
  statement {
    sid       = "ReadDeployTargets"
    actions   = ["ssm:GetParameter"]
    resources = [aws_ssm_parameter.web_bucket.arn, aws_ssm_parameter.web_distribution_id.arn]
  }

  # aws s3 sync lists the destination to compare.
  statement {
    sid       = "ListWebBucket"
    actions   = ["s3:ListBucket"]
    resources = [module.web_bucket.s3_bucket_arn]
  }

  # Upload only: old hashed assets stay (pages still open keep loading them); noncurrent
  # versions expire by the bucket's lifecycle rule.
  statement {
    sid       = "UploadWebApp"
    actions   = ["s3:PutObject"]
    resources = ["${module.web_bucket.s3_bucket_arn}/*"]
  }

  statement {
    sid       = "InvalidateWebApp"
    actions   = ["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"]
    resources = [module.cdn.cloudfront_distribution_arn]
  }
}

module "web_deploy_policy" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/iam/aws//modules/iam-policy"
  version = "5.60.0"

  create_policy = length(var.web_deploy_subjects) > 0
  name          = "${var.name}-web-deploy"
  description   = "Upload the ${var.name} web app and invalidate its distribution"
  policy        = data.aws_iam_policy_document.web_deploy.json
  tags          = var.tags
}

module "web_deploy_role" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/iam/aws//modules/iam-github-oidc-role"
  version = "5.60.0"

  # The account's GitHub OIDC provider is infra/terraform/global's (modules/github_oidc).
  create               = length(var.web_deploy_subjects) > 0
  name                 = "${var.name}-web-deploy"
  description          = "Assumed by the release workflow to deploy the ${var.name} web app"
  subjects             = var.web_deploy_subjects
  policies             = { web_deploy = module.web_deploy_policy.arn }
  max_session_duration = 3600
  tags                 = var.tags
}

################################################################################
# DNS: the public host points at CloudFront (the API origin's record is external-dns's)
################################################################################

resource "aws_route53_record" "web" {
  for_each = local.custom_cert ? toset(["A", "AAAA"]) : toset([])

  zone_id = var.route53_zone_id
  name    = var.web_domain
  type    = each.key

  alias {
    name                   = module.cdn.cloudfront_distribution_domain_name
    zone_id                = module.cdn.cloudfront_distribution_hosted_zone_id
    evaluate_target_health = false
  }
}

################################################################################
# The ingress NLB admits CloudFront's origin-facing addresses only (and the VPC, for health checks
# and the optional API Gateway VPC link). The AWS Load Balancer Controller attaches this group
# (service.beta.kubernetes.io/aws-load-balancer-security-groups, from the generated values).
################################################################################

data "aws_ec2_managed_prefix_list" "cloudfront_origin_facing" {
  name = "com.amazonaws.global.cloudfront.origin-facing"
}

resource "aws_security_group" "ingress_nlb" {
  #checkov:skip=CKV2_AWS_5:Attached by the AWS Load Balancer Controller to the ingress NLB (annotation in the generated terraform-patch.yaml)
  name_prefix = "${var.name}-ingress-nlb-"
  description = "Istio ingress NLB: HTTPS from CloudFront origin-facing addresses and the VPC only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-ingress-nlb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "nlb_from_cloudfront" {
  security_group_id = aws_security_group.ingress_nlb.id
  description       = "HTTPS from CloudFront origin-facing servers"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = data.aws_ec2_managed_prefix_list.cloudfront_origin_facing.id
}

resource "aws_vpc_security_group_ingress_rule" "nlb_from_vpc" {
  security_group_id = aws_security_group.ingress_nlb.id
  description       = "HTTPS from inside the VPC (API Gateway VPC link)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.vpc_cidr_block
}

resource "aws_vpc_security_group_egress_rule" "nlb_to_vpc" {
  security_group_id = aws_security_group.ingress_nlb.id
  description       = "To the ingress gateway pods and their health-check port"
  ip_protocol       = "tcp"
  from_port         = 0
  to_port           = 65535
  cidr_ipv4         = var.vpc_cidr_block
}

################################################################################
# WAF (CloudFront scope lives in us-east-1): covers the web app and /api/* alike
################################################################################

resource "aws_wafv2_web_acl" "cloudfront" {
  count    = var.enable_waf ? 1 : 0
  provider = aws.us_east_1

  name        = "${var.name}-cloudfront"
  description = "Managed rule sets and a per-IP rate limit in front of the web app and the API"
  scope       = "CLOUDFRONT"

  default_action {
    allow {}
  }

  rule {
    name     = "aws-common"
    priority = 10
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-aws-common"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-known-bad-inputs"
    priority = 20
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-aws-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-ip-reputation"
    priority = 30
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAmazonIpReputationList"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-aws-ip-reputation"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "per-ip-rate-limit"
    priority = 40
    action {
      block {}
    }
    statement {
      rate_based_statement {
        limit              = var.waf_rate_limit_per_5m
        aggregate_key_type = "IP"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-per-ip-rate-limit"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.name}-cloudfront"
    sampled_requests_enabled   = true
  }

  tags = var.tags
}

module "waf_logs_kms" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/kms/aws"
  version = "3.1.1"
  providers = {
    aws = aws.us_east_1
  }

  create                  = var.enable_waf
  description             = "${var.name} WAF logs"
  aliases                 = ["${var.name}/waf-logs"]
  enable_key_rotation     = true
  deletion_window_in_days = 30
  key_statements          = [local.logs_key_statement["us-east-1"]]
  tags                    = var.tags
}

resource "aws_cloudwatch_log_group" "waf" {
  count    = var.enable_waf ? 1 : 0
  provider = aws.us_east_1

  name              = "aws-waf-logs-${var.name}-cloudfront" # WAF requires the aws-waf-logs- prefix.
  retention_in_days = var.log_retention_days
  kms_key_id        = module.waf_logs_kms.key_arn
  tags              = var.tags
}

resource "aws_wafv2_web_acl_logging_configuration" "cloudfront" {
  count    = var.enable_waf ? 1 : 0
  provider = aws.us_east_1

  resource_arn            = aws_wafv2_web_acl.cloudfront[0].arn
  log_destination_configs = [aws_cloudwatch_log_group.waf[0].arn]

  redacted_fields {
    single_header {
      name = "authorization"
    }
  }
}

################################################################################
# API entry: API Gateway HTTP API -> VPC link -> Istio ingress NLB (api_entry = "apigw")
################################################################################

resource "aws_security_group" "vpc_link" {
  count = local.create_apigw ? 1 : 0

  name_prefix = "${var.name}-apigw-link-"
  description = "API Gateway VPC link ENIs; egress to the ingress NLB only"
  vpc_id      = var.vpc_id
  tags        = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "vpc_link_https" {
  count = local.create_apigw ? 1 : 0

  security_group_id = aws_security_group.vpc_link[0].id
  description       = "HTTPS to the Istio ingress NLB"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.vpc_cidr_block
}

resource "aws_apigatewayv2_vpc_link" "ingress" {
  count = local.create_apigw ? 1 : 0

  name               = "${var.name}-ingress"
  security_group_ids = [aws_security_group.vpc_link[0].id]
  subnet_ids         = var.private_subnet_ids
  tags               = var.tags
}

resource "aws_apigatewayv2_api" "api" {
  count = local.create_apigw ? 1 : 0

  name          = "${var.name}-api"
  description   = "Public API of ${var.name}; forwards everything to the Istio ingress gateway"
  protocol_type = "HTTP"
  tags          = var.tags
}

resource "aws_apigatewayv2_integration" "ingress" {
  count = local.create_apigw ? 1 : 0

  api_id             = aws_apigatewayv2_api.api[0].id
  integration_type   = "HTTP_PROXY"
  integration_method = "ANY"
  connection_type    = "VPC_LINK"
  connection_id      = aws_apigatewayv2_vpc_link.ingress[0].id
  integration_uri    = var.ingress_nlb_listener_arn

  tls_config {
    server_name_to_verify = var.api_origin_domain
  }
}

resource "aws_apigatewayv2_route" "default" {
  #checkov:skip=CKV_AWS_309:Authorization is the services' job - they verify EdDSA JWTs themselves (ARCHITECTURE.md section 5)
  count = local.create_apigw ? 1 : 0

  api_id    = aws_apigatewayv2_api.api[0].id
  route_key = "$default"
  target    = "integrations/${aws_apigatewayv2_integration.ingress[0].id}"
}

module "api_logs_kms" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/kms/aws"
  version = "3.1.1"

  create                  = local.create_apigw
  description             = "${var.name} API access logs"
  aliases                 = ["${var.name}/api-logs"]
  enable_key_rotation     = true
  deletion_window_in_days = 30
  key_statements          = [local.logs_key_statement[data.aws_region.current.name]]
  tags                    = var.tags
}

resource "aws_cloudwatch_log_group" "api_access" {
  count = local.create_apigw ? 1 : 0

  name              = "/aws/apigateway/${var.name}-api"
  retention_in_days = var.log_retention_days
  kms_key_id        = module.api_logs_kms.key_arn
  tags              = var.tags
}

resource "aws_apigatewayv2_stage" "default" {
  count = local.create_apigw ? 1 : 0

  api_id      = aws_apigatewayv2_api.api[0].id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit  = var.api_throttle_rate
    throttling_burst_limit = var.api_throttle_burst
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access[0].arn
    format = jsonencode({
      requestId = "$context.requestId"
      ip        = "$context.identity.sourceIp"
      method    = "$context.httpMethod"
      path      = "$context.path"
      status    = "$context.status"
      latency   = "$context.responseLatency"
      bytes     = "$context.responseLength"
    })
  }

  tags = var.tags
}
