#!/usr/bin/env bash
# Bootstrap Argo CD into one environment's cluster, once (deploy/README.md, first deploy step 7):
#   1. refuse unless kubectl points at EKS cluster wayfare-<env>;
#   2. helm-install the argo-cd chart at the version and with the values of
#      apps/platform/argo-cd.yaml as clusters/<env> patches it (so it registers its own cluster as
#      wayfare-<env>), i.e. exactly what the self-managing Application then keeps in sync;
#   3. apply the AppProjects and clusters/<env>/root.yaml; Argo CD does the rest.
# Needs kubectl (with kustomize), helm 3 and yq (mikefarah v4). Usage: install.sh dev|prod
set -euo pipefail

env="${1:?usage: install.sh dev|prod}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cluster_dir="$here/../clusters/$env"
[ -d "$cluster_dir" ] || { echo "no cluster folder for '$env'" >&2; exit 64; }

current="$(kubectl config view --minify -o jsonpath='{.clusters[0].name}')"
case "$current" in
  *"cluster/wayfare-$env"|"wayfare-$env") ;;
  *) echo "kubectl points at '$current', not wayfare-$env: run aws eks update-kubeconfig --name wayfare-$env" >&2; exit 1 ;;
esac

tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
kubectl kustomize "$cluster_dir" > "$tmp/root.yaml"
yq 'select(.kind == "Application" and .metadata.name == "argo-cd")' "$tmp/root.yaml" > "$tmp/argo-cd.yaml"
repo="$(yq '.spec.source.repoURL' "$tmp/argo-cd.yaml")"
version="$(yq '.spec.source.targetRevision' "$tmp/argo-cd.yaml")"
release="$(yq '.spec.source.helm.releaseName' "$tmp/argo-cd.yaml")"
yq '.spec.source.helm.valuesObject' "$tmp/argo-cd.yaml" > "$tmp/values.yaml"

helm upgrade --install "$release" argo-cd --repo "$repo" --version "$version" \
  --namespace argocd --create-namespace --values "$tmp/values.yaml" --wait --timeout 10m
yq 'select(.kind == "AppProject")' "$tmp/root.yaml" | kubectl apply -f -
kubectl apply -f "$cluster_dir/root.yaml"
echo "Argo CD $version runs in wayfare-$env and syncs deploy/argocd/clusters/$env"
