# State bucket, lock table and key come from infra/terraform/bootstrap (apply that first).
terraform {
  backend "s3" {
    bucket         = "wayfare-terraform-state"
    key            = "envs/prod/terraform.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "wayfare-terraform-locks"
    encrypt        = true
    kms_key_id     = "alias/wayfare-terraform-state"
  }
}
