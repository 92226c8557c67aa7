terraform {
  required_version = "~> 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.95"
    }
  }

  # Local state on purpose: this stack creates the remote state backend itself. After the
  # first apply, migrate it into the bucket (see infra/README.md) or keep the file safe.
}
