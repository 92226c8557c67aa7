output "chart_values" {
  description = "Values of the Wayfare chart that come from Terraform."
  value       = local.chart_values
}

output "chart_values_yaml" {
  description = "chart_values as the file deploy/helm/wayfare/values-<env>-terraform.yaml."
  value       = "${local.header}${yamlencode(local.chart_values)}"
}

output "argocd_patch_yaml" {
  description = "Kustomize patches of the platform Applications, as deploy/argocd/clusters/<env>/terraform-patch.yaml."
  value       = "${local.header}${join("---\n", [for p in local.argocd_patches : yamlencode(p)])}"
}

output "gateway_proxy_hops" {
  description = "Proxies that append to X-Forwarded-For in front of the gateway pod (CloudFront, ingress gateway)."
  value       = local.gateway_proxy_hops
}
