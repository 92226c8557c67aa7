# The public edge.
#
# Web app: static files in a private S3 bucket, read by CloudFront only through Origin Access
# Control, with an ACM certificate (us-east-1, as CloudFront requires), a security-headers
# response policy, SPA fallback to index.html, and an optional WAF.
#
# API: var.api_entry chooses. "nlb" (default) lets clients reach the Istio ingress gateway's NLB
# directly: one hop fewer, no per-request charge, no 30 s integration timeout, and rate limiting
# already happens per client in the wayfare gateway. "apigw" puts an HTTP API in front (VPC link to
# the same NLB) when edge throttling, usage metrics or a stable AWS-managed hostname are wanted.

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
  }

  # Client-side routes (/flights/123) resolve to the SPA shell.
  custom_error_response = [
    { error_code = 403, response_code = 200, response_page_path = "/index.html", error_caching_min_ttl = 10 },
    { error_code = 404, response_code = 200, response_page_path = "/index.html", error_caching_min_ttl = 10 },
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
# WAF (optional, CloudFront scope lives in us-east-1)
################################################################################

resource "aws_wafv2_web_acl" "cloudfront" {
  count    = var.enable_waf ? 1 : 0
  provider = aws.us_east_1

  name        = "${var.name}-cloudfront"
  description = "Managed rule sets and a per-IP rate limit in front of the web app"
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
    server_name_to_verify = var.web_domain != "" ? var.web_domain : null
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
