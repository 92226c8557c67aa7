variable "repository_name" {
  description = "ECR repository of the one wayfare image."
  type        = string
  default     = "wayfare"
}

variable "keep_release_images" {
  description = "Semver-tagged (v*) images to keep."
  type        = number
  default     = 100
}

variable "keep_sha_images" {
  description = "Commit-SHA-tagged images to keep (the newest win)."
  type        = number
  default     = 300
}

variable "untagged_expiry_days" {
  description = "Days after which untagged images (build cache leftovers) are removed."
  type        = number
  default     = 7
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
