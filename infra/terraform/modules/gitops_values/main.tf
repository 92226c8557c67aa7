# What Argo CD needs from Terraform, in the shapes the consumers accept:
#   chart_values  -> deploy/helm/wayfare/values-<env>-terraform.yaml (layered last by wayfare-<env>)
#   argocd_patch  -> deploy/argocd/clusters/<env>/terraform-patch.yaml (kustomize patches of the
#                    platform Applications: IRSA roles, cluster name, VPC, zone, NLB security group,
#                    the observability stack's roles and Prometheus' `cluster` external label)
# infra/scripts/write-gitops-values.sh writes both files from `terraform output`; commit them.
# deploy/validate/contract checks the files, this module and the chart against each other.

locals {
  # CloudFront appends the viewer to X-Forwarded-For, then the ingress gateway appends CloudFront:
  # the gateway pod sees "<client>, <cloudfront>", so the client is the 2nd entry from the right.
  ingress_trusted_proxies = 1 # CloudFront, in front of the ingress gateway's Envoy
  gateway_proxy_hops      = local.ingress_trusted_proxies + 1

  tls_secret = "wayfare-${var.env}-tls"

  chart_values = {
    environment = var.env
    image       = { repository = var.image_repository }
    aws         = { accountId = var.account_id, region = var.region }
    ingress = {
      host              = var.api_origin_domain
      tlsCredentialName = local.tls_secret
      trustedProxyHops  = local.gateway_proxy_hops
    }
    mesh = {
      dataStores = {
        mysql = { hosts = [var.mysql_host], port = var.mysql_port, protocol = "TCP" }
        redis = { hosts = var.redis_hosts, port = var.redis_port, protocol = "TLS" }
      }
    }
    networkPolicy = {
      kubeApi  = { cidrs = var.private_subnet_cidrs, port = 443 }
      database = { cidrs = var.database_subnet_cidrs, port = var.mysql_port }
      redis    = { cidrs = var.database_subnet_cidrs, port = var.redis_port }
    }
    services = {
      for svc, arn in var.service_role_arns : svc => { serviceAccount = { roleArn = arn } }
    }
    backup = {
      enabled                  = true
      masterSecretId           = var.mysql_master_secret_arn
      roleArn                  = var.backup.role_arn
      bucket                   = var.backup.bucket
      gcpServiceAccount        = var.backup.gcp_service_account
      workloadIdentityProvider = var.backup.workload_identity_provider
    }
  }

  irsa = { for k, arn in var.platform_role_arns : k => { "eks.amazonaws.com/role-arn" = arn } }

  # Partial Applications (kustomize strategic-merge patches; maps merge, lists replace).
  argocd_patches = [
    {
      apiVersion = "argoproj.io/v1alpha1"
      kind       = "Application"
      metadata   = { name = "aws-load-balancer-controller", namespace = "argocd" }
      spec = { source = { helm = { valuesObject = {
        clusterName    = var.cluster_name
        region         = var.region
        vpcId          = var.vpc_id
        serviceAccount = { name = "aws-load-balancer-controller", annotations = local.irsa["aws_load_balancer_controller"] }
      } } } }
    },
    {
      apiVersion = "argoproj.io/v1alpha1"
      kind       = "Application"
      metadata   = { name = "cluster-autoscaler", namespace = "argocd" }
      spec = { source = { helm = { valuesObject = {
        awsRegion     = var.region
        autoDiscovery = { clusterName = var.cluster_name }
        rbac          = { serviceAccount = { name = "cluster-autoscaler", annotations = local.irsa["cluster_autoscaler"] } }
      } } } }
    },
    {
      apiVersion = "argoproj.io/v1alpha1"
      kind       = "Application"
      metadata   = { name = "external-dns", namespace = "argocd" }
      spec = { source = { helm = { valuesObject = {
        txtOwnerId     = var.cluster_name
        domainFilters  = [var.web_domain]
        extraArgs      = ["--aws-zone-id-filter=${var.route53_zone_id}"]
        env            = [{ name = "AWS_DEFAULT_REGION", value = var.region }]
        serviceAccount = { name = "external-dns", annotations = local.irsa["external_dns"] }
      } } } }
    },
    {
      apiVersion = "argoproj.io/v1alpha1"
      kind       = "Application"
      metadata   = { name = "cert-manager", namespace = "argocd" }
      spec = { source = { helm = { valuesObject = {
        serviceAccount = { name = "cert-manager", annotations = local.irsa["cert_manager"] }
      } } } }
    },
    {
      apiVersion = "argoproj.io/v1alpha1"
      kind       = "Application"
      metadata   = { name = "external-secrets", namespace = "argocd" }
      spec = { source = { helm = { valuesObject = {
        serviceAccount = { name = "external-secrets", annotations = local.irsa["external_secrets"] }
      } } } }
    },
    {
      apiVersion = "argoproj.io/v1alpha1"
      kind       = "Application"
      metadata   = { name = "istio-ingressgateway", namespace = "argocd" }
      spec = { source = { helm = { valuesObject = {
        service = { annotations = {
          "service.beta.kubernetes.io/aws-load-balancer-security-groups"                     = var.ingress_nlb_security_group_id
          "service.beta.kubernetes.io/aws-load-balancer-manage-backend-security-group-rules" = "true"
        } }
        podAnnotations = {
          "proxy.istio.io/config" = jsonencode({ gatewayTopology = { numTrustedProxies = local.ingress_trusted_proxies } })
        }
      } } } }
    },
    {
      apiVersion = "argoproj.io/v1alpha1"
      kind       = "Application"
      metadata   = { name = "cluster-config", namespace = "argocd" }
      spec = { source = { helm = { valuesObject = {
        environment = var.env
        region      = var.region
        acme        = { email = var.acme_email, hostedZoneId = var.route53_zone_id }
        ingress     = { host = var.api_origin_domain, tlsSecretName = local.tls_secret }
      } } } }
    },
    # Observability (deploy/argocd/apps/platform): the `cluster` label on every series Prometheus
    # ships and on every log stream Alloy ships, and the IRSA roles of what reads and writes the buckets: the Thanos sidecar
    # (runs as Prometheus' account), store gateway and compactor (role thanos), Loki, Tempo.
    {
      apiVersion = "argoproj.io/v1alpha1"
      kind       = "Application"
      metadata   = { name = "kube-prometheus-stack", namespace = "argocd" }
      spec = { source = { helm = { valuesObject = {
        prometheus = {
          serviceAccount = { name = "kube-prometheus-stack-prometheus", annotations = local.irsa["thanos"] }
          prometheusSpec = { externalLabels = { cluster = var.cluster_name } }
        }
      } } } }
    },
    {
      apiVersion = "argoproj.io/v1alpha1"
      kind       = "Application"
      metadata   = { name = "alloy", namespace = "argocd" }
      spec = { source = { helm = { valuesObject = {
        alloy = { extraEnv = [{ name = "WAYFARE_CLUSTER", value = var.cluster_name }] }
      } } } }
    },
    {
      apiVersion = "argoproj.io/v1alpha1"
      kind       = "Application"
      metadata   = { name = "thanos", namespace = "argocd" }
      spec = { source = { helm = { valuesObject = {
        storegateway = { serviceAccount = { name = "thanos-storegateway", annotations = local.irsa["thanos"] } }
        compactor    = { serviceAccount = { name = "thanos-compactor", annotations = local.irsa["thanos"] } }
      } } } }
    },
    {
      apiVersion = "argoproj.io/v1alpha1"
      kind       = "Application"
      metadata   = { name = "loki", namespace = "argocd" }
      spec = { source = { helm = { valuesObject = {
        serviceAccount = { name = "loki", annotations = local.irsa["loki"] }
      } } } }
    },
    {
      apiVersion = "argoproj.io/v1alpha1"
      kind       = "Application"
      metadata   = { name = "tempo", namespace = "argocd" }
      spec = { source = { helm = { valuesObject = {
        serviceAccount = { name = "tempo", annotations = local.irsa["tempo"] }
      } } } }
    },
    {
      apiVersion = "argoproj.io/v1alpha1"
      kind       = "Application"
      metadata   = { name = "argo-cd", namespace = "argocd" }
      spec = { source = { helm = { valuesObject = {
        configs = { clusterCredentials = { (var.cluster_name) = {
          server = "https://kubernetes.default.svc"
          config = { tlsClientConfig = { insecure = false } }
        } } }
      } } } }
    },
  ]

  header = "# Generated from Terraform (infra/terraform/envs/${var.env}) by infra/scripts/write-gitops-values.sh.\n# Do not edit: change Terraform, apply, and run the script again.\n"
}
