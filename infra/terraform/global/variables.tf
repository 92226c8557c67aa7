variable "region" {
  description = "AWS region of the account-wide resources."
  type        = string
  default     = "eu-west-1"
}

variable "github_repository" {
  description = "owner/name of the GitHub repository whose release workflow pushes images."
  type        = string
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (false if another stack already owns it)."
  type        = bool
  default     = true
}
