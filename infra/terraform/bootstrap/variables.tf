variable "region" {
  description = "Region of the state bucket and lock table."
  type        = string
  default     = "eu-west-1"
}

variable "state_bucket" {
  description = "Name of the S3 bucket holding every Terraform state of the project."
  type        = string
  default     = "wayfare-terraform-state"
}

variable "lock_table" {
  description = "DynamoDB table used for state locking."
  type        = string
  default     = "wayfare-terraform-locks"
}
