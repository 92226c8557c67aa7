output "cluster_name" {
  description = "EKS cluster name."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "Kubernetes API endpoint."
  value       = module.eks.cluster_endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64 CA bundle of the API endpoint."
  value       = module.eks.cluster_certificate_authority_data
}

output "oidc_provider_arn" {
  description = "IAM OIDC provider of the cluster, for IRSA trust policies."
  value       = module.eks.oidc_provider_arn
}

output "node_security_group_id" {
  description = "Security group shared by the managed nodes (and so by pods)."
  value       = module.eks.node_security_group_id
}

output "cluster_primary_security_group_id" {
  description = "EKS-created security group attached to the control plane ENIs and managed nodes."
  value       = module.eks.cluster_primary_security_group_id
}

output "irsa_role_arns" {
  description = "IRSA role ARN per platform controller, keyed as the Helm values expect."
  value = {
    cluster_autoscaler           = module.cluster_autoscaler_irsa.iam_role_arn
    aws_load_balancer_controller = module.load_balancer_controller_irsa.iam_role_arn
    external_secrets             = module.external_secrets_irsa.iam_role_arn
    thanos                       = module.thanos_irsa.iam_role_arn
    loki                         = module.loki_irsa.iam_role_arn
    tempo                        = module.tempo_irsa.iam_role_arn
    ebs_csi                      = module.ebs_csi_irsa.iam_role_arn
    vpc_cni                      = module.vpc_cni_irsa.iam_role_arn
    external_dns                 = module.external_dns_irsa.iam_role_arn
    cert_manager                 = module.cert_manager_irsa.iam_role_arn
  }
}
