terraform {
  # Pure expressions, no provider: infra/verify.sh and the contract suite can evaluate this module
  # offline (terraform apply on a throwaway root) and feed its output to the chart's schema.
  required_version = ">= 1.9.0"
}
