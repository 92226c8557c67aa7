variable "name" {
  description = "Name prefix for every resource, e.g. wayfare-dev."
  type        = string
}

variable "cidr" {
  description = "IPv4 CIDR of the VPC. A /16 is carved into /19 private, /22 public and /24 database subnets per AZ."
  type        = string
}

variable "azs" {
  description = "Exactly three availability zones to spread the subnets over."
  type        = list(string)

  validation {
    condition     = length(var.azs) == 3
    error_message = "The network spans exactly three availability zones."
  }
}

variable "single_nat_gateway" {
  description = "One shared NAT gateway (cheap, dev) instead of one per AZ (resilient, prod)."
  type        = bool
}

variable "flow_log_retention_days" {
  description = "Days to keep VPC flow logs in CloudWatch."
  type        = number
  default     = 30
}

variable "interface_endpoints" {
  description = "AWS services reached through interface VPC endpoints so that image pulls, secret reads and IRSA token exchange never leave the VPC."
  type        = list(string)
  default     = ["ecr.api", "ecr.dkr", "secretsmanager", "sts"]
}

variable "cluster_name" {
  description = "EKS cluster name, used in the subnet discovery tags the AWS Load Balancer Controller reads."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
