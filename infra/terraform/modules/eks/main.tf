# EKS with one managed node group per AZ (so the Cluster Autoscaler can balance zones and EBS
# volumes stay schedulable), the IAM OIDC provider for IRSA, the core add-ons, and the IRSA roles
# of the cluster's platform controllers. Per-service roles live in the secrets module.

locals {
  oidc = module.eks.oidc_provider_arn

  node_groups = {
    for i, subnet in var.subnet_ids : "general-${i}" => {
      name           = "${var.name}-general-${i}"
      subnet_ids     = [subnet]
      instance_types = var.node_instance_types
      capacity_type  = var.node_capacity_type
      min_size       = var.node_min_size_per_az
      max_size       = var.node_max_size_per_az
      desired_size   = var.node_desired_size_per_az
      labels         = { "wayfare.io/pool" = "general" }
      tags = {
        "k8s.io/cluster-autoscaler/enabled"     = "true"
        "k8s.io/cluster-autoscaler/${var.name}" = "owned"
      }
    }
  }
}

module "eks" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/eks/aws"
  version = "20.37.2"

  cluster_name    = var.name
  cluster_version = var.kubernetes_version

  vpc_id                   = var.vpc_id
  subnet_ids               = var.subnet_ids
  control_plane_subnet_ids = var.subnet_ids

  cluster_endpoint_public_access       = var.endpoint_public_access
  cluster_endpoint_public_access_cidrs = var.endpoint_public_access_cidrs
  cluster_endpoint_private_access      = true

  enable_irsa                              = true
  enable_cluster_creator_admin_permissions = true
  access_entries = {
    for i, arn in var.admin_role_arns : "admin-${i}" => {
      principal_arn = arn
      policy_associations = {
        admin = {
          policy_arn   = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
          access_scope = { type = "cluster" }
        }
      }
    }
  }

  cluster_enabled_log_types              = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
  cloudwatch_log_group_retention_in_days = var.log_retention_days

  cluster_addons = {
    coredns                = { most_recent = true }
    kube-proxy             = { most_recent = true }
    eks-pod-identity-agent = { most_recent = true }
    vpc-cni = {
      most_recent              = true
      before_compute           = true
      service_account_role_arn = module.vpc_cni_irsa.iam_role_arn
      # The chart's NetworkPolicies (default deny, the call graph, RDS/Redis CIDRs) are enforced
      # by the VPC CNI's network policy agent; without this they are accepted and ignored.
      configuration_values = jsonencode({
        enableNetworkPolicy = "true"
        nodeAgent           = { enablePolicyEventLogs = "false" }
      })
    }
    aws-ebs-csi-driver = {
      most_recent              = true
      service_account_role_arn = module.ebs_csi_irsa.iam_role_arn
    }
  }

  eks_managed_node_group_defaults = {
    ami_type = "AL2023_x86_64_STANDARD"
    block_device_mappings = {
      root = {
        device_name = "/dev/xvda"
        ebs = {
          volume_size           = var.node_disk_size_gib
          volume_type           = "gp3"
          encrypted             = true
          delete_on_termination = true
        }
      }
    }
    metadata_options = {
      http_endpoint               = "enabled"
      http_tokens                 = "required"
      http_put_response_hop_limit = 1
    }
  }
  eks_managed_node_groups = local.node_groups

  tags = var.tags
}

################################################################################
# IRSA roles of the platform controllers
################################################################################

module "vpc_cni_irsa" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version = "5.60.0"

  role_name             = "${var.name}-vpc-cni"
  attach_vpc_cni_policy = true
  vpc_cni_enable_ipv4   = true

  oidc_providers = {
    main = { provider_arn = local.oidc, namespace_service_accounts = ["kube-system:aws-node"] }
  }
  tags = var.tags
}

module "ebs_csi_irsa" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version = "5.60.0"

  role_name             = "${var.name}-ebs-csi"
  attach_ebs_csi_policy = true

  oidc_providers = {
    main = { provider_arn = local.oidc, namespace_service_accounts = ["kube-system:ebs-csi-controller-sa"] }
  }
  tags = var.tags
}

module "cluster_autoscaler_irsa" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version = "5.60.0"

  role_name                        = "${var.name}-cluster-autoscaler"
  attach_cluster_autoscaler_policy = true
  cluster_autoscaler_cluster_names = [module.eks.cluster_name]

  oidc_providers = {
    main = { provider_arn = local.oidc, namespace_service_accounts = ["kube-system:cluster-autoscaler"] }
  }
  tags = var.tags
}

module "load_balancer_controller_irsa" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version = "5.60.0"

  role_name                              = "${var.name}-aws-load-balancer-controller"
  attach_load_balancer_controller_policy = true

  oidc_providers = {
    main = { provider_arn = local.oidc, namespace_service_accounts = ["kube-system:aws-load-balancer-controller"] }
  }
  tags = var.tags
}

module "external_secrets_irsa" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version = "5.60.0"

  role_name                             = "${var.name}-external-secrets"
  attach_external_secrets_policy        = true
  external_secrets_secrets_manager_arns = var.external_secrets_secret_arns
  external_secrets_ssm_parameter_arns   = var.external_secrets_ssm_parameter_arns
  external_secrets_kms_key_arns         = var.external_secrets_kms_key_arns

  oidc_providers = {
    main = { provider_arn = local.oidc, namespace_service_accounts = ["external-secrets:external-secrets"] }
  }
  tags = var.tags
}

# Thanos, Loki and Tempo read and write their own bucket, nothing else.
data "aws_iam_policy_document" "object_store" {
  for_each = {
    thanos = var.thanos_bucket_arn
    loki   = var.loki_bucket_arn
    tempo  = var.tempo_bucket_arn
  }

  statement {
    sid       = "ListBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [each.value]
  }

  statement {
    sid       = "ReadWriteObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = ["${each.value}/*"]
  }

  statement {
    sid       = "UseBucketKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.observability_kms_key_arn]
  }
}

module "object_store_policy" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  for_each = data.aws_iam_policy_document.object_store
  source   = "terraform-aws-modules/iam/aws//modules/iam-policy"
  version  = "5.60.0"

  name        = "${var.name}-${each.key}-object-store"
  description = "Read and write the ${each.key} bucket of ${var.name}"
  policy      = each.value.json
  tags        = var.tags
}

module "thanos_irsa" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version = "5.60.0"

  role_name        = "${var.name}-thanos"
  role_policy_arns = { object_store = module.object_store_policy["thanos"].arn }

  oidc_providers = {
    main = { provider_arn = local.oidc, namespace_service_accounts = var.thanos_service_accounts }
  }
  tags = var.tags
}

module "loki_irsa" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version = "5.60.0"

  role_name        = "${var.name}-loki"
  role_policy_arns = { object_store = module.object_store_policy["loki"].arn }

  oidc_providers = {
    main = { provider_arn = local.oidc, namespace_service_accounts = var.loki_service_accounts }
  }
  tags = var.tags
}

module "tempo_irsa" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version = "5.60.0"

  role_name        = "${var.name}-tempo"
  role_policy_arns = { object_store = module.object_store_policy["tempo"].arn }

  oidc_providers = {
    main = { provider_arn = local.oidc, namespace_service_accounts = var.tempo_service_accounts }
  }
  tags = var.tags
}

# external-dns writes the records of the Istio Gateway hosts (the API origin) into the zone.
module "external_dns_irsa" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version = "5.60.0"

  role_name                     = "${var.name}-external-dns"
  attach_external_dns_policy    = true
  external_dns_hosted_zone_arns = var.route53_zone_arns

  oidc_providers = {
    main = { provider_arn = local.oidc, namespace_service_accounts = ["external-dns:external-dns"] }
  }
  tags = var.tags
}

# cert-manager answers Let's Encrypt DNS-01 challenges in the zone (TXT records only).
module "cert_manager_irsa" {
  #checkov:skip=CKV_TF_1:Registry module pinned to an exact version; the registry does not serve commit hashes
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version = "5.60.0"

  role_name                     = "${var.name}-cert-manager"
  attach_cert_manager_policy    = true
  cert_manager_hosted_zone_arns = var.route53_zone_arns

  oidc_providers = {
    main = { provider_arn = local.oidc, namespace_service_accounts = ["cert-manager:cert-manager"] }
  }
  tags = var.tags
}
