variable "name" {
  description = "Name prefix, e.g. wayfare-dev."
  type        = string
}

variable "web_domain" {
  description = "Hostname of the web app (e.g. shop.example.com). Empty: serve on the CloudFront domain with its default certificate."
  type        = string
  default     = ""
}

variable "api_origin_domain" {
  description = "Host of the Istio ingress gateway (CloudFront's API origin; external-dns writes its record, cert-manager its certificate)."
  type        = string
}

variable "api_path_patterns" {
  description = "Paths CloudFront sends, uncached, to the API origin."
  type        = list(string)
  default     = ["/api/*", "/.well-known/*"]
}

variable "route53_zone_id" {
  description = "Hosted zone for the ACM DNS validation of web_domain (required when web_domain is set)."
  type        = string
  default     = ""
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_100"
}

variable "enable_waf" {
  description = "Attach a WAFv2 web ACL (AWS managed rule sets and a per-IP rate limit) to CloudFront."
  type        = bool
  default     = false
}

variable "waf_rate_limit_per_5m" {
  description = "Requests per client IP per 5 minutes before WAF blocks."
  type        = number
  default     = 2000
}

variable "content_security_policy" {
  description = "Content-Security-Policy header CloudFront adds to every response of the web app."
  type        = string
  default     = "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; connect-src 'self' https:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
}

variable "api_entry" {
  description = "How the API is exposed: \"nlb\" (clients reach the Istio ingress NLB directly) or \"apigw\" (HTTP API with throttling, through a VPC link to that NLB)."
  type        = string
  default     = "nlb"

  validation {
    condition     = contains(["nlb", "apigw"], var.api_entry)
    error_message = "api_entry must be \"nlb\" or \"apigw\"."
  }
}

variable "ingress_nlb_listener_arn" {
  description = "Listener ARN of the Istio ingress NLB (created by the AWS Load Balancer Controller). Needed only for api_entry = \"apigw\"; set it after the mesh is installed."
  type        = string
  default     = ""
}

variable "vpc_id" {
  description = "VPC of the VPC link."
  type        = string
}

variable "vpc_cidr_block" {
  description = "CIDR the VPC link may send to."
  type        = string
}

variable "private_subnet_ids" {
  description = "Subnets of the VPC link ENIs."
  type        = list(string)
}

variable "api_throttle_rate" {
  description = "API Gateway steady-state requests per second across all clients."
  type        = number
  default     = 500
}

variable "api_throttle_burst" {
  description = "API Gateway burst capacity."
  type        = number
  default     = 1000
}

variable "log_retention_days" {
  description = "Days to keep API access logs and WAF logs."
  type        = number
  default     = 365
}

variable "web_deploy_subjects" {
  description = "GitHub OIDC subjects (owner/repo:ref:refs/...) that may deploy the web app to this environment; empty: no deploy role."
  type        = list(string)
  default     = []
}

variable "force_destroy" {
  description = "Allow destroying a non-empty web bucket (dev only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
