#!/usr/bin/env bash
# Write what Argo CD needs from an applied environment into the repository (commit the result):
#   deploy/helm/wayfare/values-<env>-terraform.yaml    the Wayfare chart's values (layered last)
#   deploy/argocd/clusters/<env>/terraform-patch.yaml  the platform Applications' values
# Both come from `terraform output` of infra/terraform/envs/<env> (modules/gitops_values), so the
# IRSA roles, endpoints, subnets and names in Git are the ones Terraform made. The contract suite
# (deploy/validate/contract) checks them against Terraform and the chart on every CI run.
# Usage: infra/scripts/write-gitops-values.sh dev|prod   (after `terraform apply` of that env)
set -euo pipefail

env="${1:?usage: write-gitops-values.sh dev|prod}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
stack="$root/infra/terraform/envs/$env"
[ -d "$stack" ] || { echo "no such environment: $env" >&2; exit 64; }

terraform -chdir="$stack" output -raw chart_values_yaml > "$root/deploy/helm/wayfare/values-$env-terraform.yaml"
terraform -chdir="$stack" output -raw argocd_patch_yaml > "$root/deploy/argocd/clusters/$env/terraform-patch.yaml"
git -C "$root" --no-pager diff --stat -- "deploy/helm/wayfare/values-$env-terraform.yaml" "deploy/argocd/clusters/$env/terraform-patch.yaml"
echo "review, then commit both files; Argo CD applies them"
