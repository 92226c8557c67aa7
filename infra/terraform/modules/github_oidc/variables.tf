variable "role_name" {
  description = "Name of the role GitHub Actions assumes in the release workflow."
  type        = string
  default     = "wayfare-github-release"
}

variable "create_provider" {
  description = "Create the account's token.actions.githubusercontent.com provider (there is one per account)."
  type        = bool
  default     = true
}

variable "subjects" {
  description = "GitHub OIDC subjects allowed to assume the role, without the repo: prefix, e.g. acme/wayfare:ref:refs/heads/main."
  type        = list(string)
}

variable "ecr_repository_arns" {
  description = "ECR repositories the role may push to."
  type        = list(string)
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
