# Account-wide resources shared by every environment: the one image repository (the image is
# built once and promoted by tag, so dev and prod pull the same bytes) and the GitHub OIDC role
# the release workflow assumes to push it.

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}

locals {
  tags = {
    Project   = "wayfare"
    ManagedBy = "terraform"
    Source    = "infra/terraform/global"
  }
}

module "registry" {
  source = "../modules/registry"

  repository_name = "wayfare"
  tags            = local.tags
}

module "github_oidc" {
  source = "../modules/github_oidc"

  role_name       = "wayfare-github-release"
  create_provider = var.create_github_oidc_provider
  # Pushes from main (dev) and from release tags (prod); pull requests can never assume it.
  subjects = [
    "${var.github_repository}:ref:refs/heads/main",
    "${var.github_repository}:ref:refs/tags/v*",
  ]
  ecr_repository_arns = [module.registry.repository_arn]
  tags                = local.tags
}
