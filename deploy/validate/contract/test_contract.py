"""Cross-stack contract (issue 13): Terraform (infra/terraform), the Wayfare chart
(deploy/helm/wayfare) and the Argo CD roots (deploy/argocd) read side by side. Each test names the
mismatch it keeps from coming back."""
from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path

import pytest
import yaml

import cluster_render
import render
import tfmodel

REPO = tfmodel.REPO
CHART = REPO / "deploy" / "helm" / "wayfare"
ARGO = REPO / "deploy" / "argocd"
ENVS = tfmodel.ENVS
ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"
ENV_SETS = {"dev": ["dev", "dev-all-services"],
            "prod": ["prod", "prod-all-services", "prod-bluegreen-blue", "prod-bluegreen-green"]}
ENV_OF_SET = {s: env for env, sets in ENV_SETS.items() for s in sets}


def kinds(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def by_name(docs, kind):
    return {d["metadata"]["name"]: d for d in kinds(docs, kind)}


def role_name(arn: str) -> str:
    m = re.fullmatch(r"arn:aws:iam::(\d{12}):role/(.+)", arn)
    assert m, f"not an IAM role ARN: {arn}"
    return m.group(2)


def generated_values(env: str) -> dict:
    return yaml.safe_load((CHART / f"values-{env}-terraform.yaml").read_text())


def chart_values() -> dict:
    return yaml.safe_load((CHART / "values.yaml").read_text())


def namespace_of(value_set: str) -> str:
    return render.VALUE_SETS[value_set][0]


# ---------------------------------------------------------------------------------- one contract

@pytest.mark.parametrize("env", ENVS)
def test_one_naming_rule_for_cluster_namespace_and_destination(env):
    """Terraform's namespace and cluster name are the chart's namespace and Argo CD's destination."""
    ns = tfmodel.local(env, "namespace")
    cluster = tfmodel.local(env, "name")
    assert ns == f"wayfare-{env}" and cluster == f"wayfare-{env}"
    for value_set in ENV_SETS[env]:
        assert namespace_of(value_set) == ns
    app = cluster_render.application(env, f"wayfare-{env}")
    assert app["spec"]["destination"] == {"name": cluster, "namespace": ns}


def test_services_are_one_list_on_each_side():
    """Adding a service is one entry in Terraform's list and one under the chart's services."""
    assert tfmodel.local("dev", "services") == list(chart_values()["services"])
    assert tfmodel.local("dev", "services") == tfmodel.local("prod", "services")


@pytest.mark.parametrize("value_set", [s for sets in ENV_SETS.values() for s in sets])
def test_every_chart_service_account_is_trusted_by_the_role_it_names(rendered, value_set):
    """IRSA: the role in the annotation exists in Terraform and trusts exactly this namespace:account."""
    env, ns = ENV_OF_SET[value_set], namespace_of(value_set)
    roles = tfmodel.irsa_roles(env)
    accounts = by_name(rendered[value_set], "ServiceAccount")
    annotated = {n: sa for n, sa in accounts.items() if ROLE_ANNOTATION in sa["metadata"].get("annotations", {})}
    assert annotated, "no IRSA service accounts rendered"
    for name, sa in annotated.items():
        role = role_name(sa["metadata"]["annotations"][ROLE_ANNOTATION])
        assert role in roles, f"{name}: role {role} is not made by Terraform ({env})"
        assert f"{ns}:{name}" in roles[role], f"{role} trusts {sorted(roles[role])}, not {ns}:{name}"
    # External Secrets authenticates as the service's own account: it must be one of those.
    for store in kinds(rendered[value_set], "SecretStore"):
        sa = store["spec"]["provider"]["aws"]["auth"]["jwt"]["serviceAccountRef"]["name"]
        assert sa in annotated, f"SecretStore {store['metadata']['name']} uses {sa}, which has no IRSA role"
        secret_key = kinds(rendered[value_set], "ExternalSecret")
        keys = {e["spec"]["secretStoreRef"]["name"]: e["spec"]["dataFrom"][0]["extract"]["key"] for e in secret_key}
        assert keys[store["metadata"]["name"]] == f"wayfare/{env}/{sa}"


def platform_service_accounts(env: str):
    """(app, namespace, service account, role ARN) for every IRSA annotation in the platform values."""
    found = []

    def walk(node, app, ns):
        if isinstance(node, dict):
            ann = node.get("annotations")
            if isinstance(ann, dict) and ROLE_ANNOTATION in ann:
                found.append((app["metadata"]["name"], ns, node.get("name") or app["spec"]["source"]["helm"]["releaseName"],
                              ann[ROLE_ANNOTATION]))
            for value in node.values():
                walk(value, app, ns)
        elif isinstance(node, list):
            for value in node:
                walk(value, app, ns)

    for app in kinds(cluster_render.cluster(env), "Application"):
        helm = app["spec"].get("source", {}).get("helm", {})
        walk(helm.get("valuesObject", {}), app, app["spec"]["destination"]["namespace"])
    return found


# What reads and writes the observability buckets, as the platform Applications name it:
# (Application, namespace, service account, the role's workload).
OBSERVABILITY_ACCOUNTS = {
    ("kube-prometheus-stack", "monitoring", "kube-prometheus-stack-prometheus", "thanos"),  # Thanos sidecar
    ("thanos", "monitoring", "thanos-storegateway", "thanos"),
    ("thanos", "monitoring", "thanos-compactor", "thanos"),
    ("loki", "logging", "loki", "loki"),
    ("tempo", "observability", "tempo", "tempo"),
}


@pytest.mark.parametrize("env", ENVS)
def test_every_platform_chart_service_account_is_trusted_by_its_role(env):
    roles = tfmodel.irsa_roles(env)
    found = platform_service_accounts(env)
    apps = {f[0] for f in found}
    assert {"aws-load-balancer-controller", "cluster-autoscaler", "external-dns", "cert-manager",
            "external-secrets", "kube-prometheus-stack", "thanos", "loki", "tempo"} <= apps
    for app, ns, sa, arn in found:
        role = role_name(arn)
        assert role in roles, f"{app}: role {role} is not made by Terraform ({env})"
        assert f"{ns}:{sa}" in roles[role], f"{app}: {role} trusts {sorted(roles[role])}, not {ns}:{sa}"
    # ... and a role trusts exactly the accounts that carry it: no trust left for an account that
    # no longer exists or was renamed (anyone who creates it in that namespace would get the role).
    carried: dict[str, set[str]] = {}
    for app, ns, sa, arn in found:
        carried.setdefault(role_name(arn), set()).add(f"{ns}:{sa}")
    for role, accounts in carried.items():
        assert roles[role] == accounts, f"{role} trusts {sorted(roles[role])}; annotated on {sorted(accounts)}"


def base_application(name: str) -> dict:
    return yaml.safe_load((ARGO / "apps" / "platform" / f"{name}.yaml").read_text())


@pytest.mark.parametrize("env", ENVS)
def test_observability_accounts_have_their_own_bucket_roles(env):
    """Prometheus (Thanos sidecar), the store gateway, the compactor, Loki and Tempo each run under
    the ServiceAccount their Application creates, annotated with wayfare-<env>-<workload>, a role
    Terraform makes for exactly those accounts; the annotation is in the generated patch, not by hand."""
    roles = tfmodel.irsa_roles(env)
    cluster = tfmodel.local(env, "name")
    found = {(app, ns, sa): role_name(arn) for app, ns, sa, arn in platform_service_accounts(env)}
    for app, ns, sa, workload in OBSERVABILITY_ACCOUNTS:
        dest = cluster_render.application(env, app)["spec"]["destination"]["namespace"]
        assert dest == ns, f"{app} is deployed to {dest}, not {ns}"
        assert (app, ns, sa) in found, f"{app}: ServiceAccount {ns}/{sa} has no IRSA annotation"
        assert found[(app, ns, sa)] == f"{cluster}-{workload}", f"{app}: {sa} assumes {found[(app, ns, sa)]}"
        assert roles[f"{cluster}-{workload}"] == {f"{n}:{s}" for _, n, s, w in OBSERVABILITY_ACCOUNTS if w == workload}
    # The account names the patch sets are the ones the base Applications create.
    base = {
        "kube-prometheus-stack-prometheus": base_application("kube-prometheus-stack")["spec"]["source"]["helm"]["valuesObject"]["prometheus"]["serviceAccount"],
        "thanos-storegateway": base_application("thanos")["spec"]["source"]["helm"]["valuesObject"]["storegateway"]["serviceAccount"],
        "thanos-compactor": base_application("thanos")["spec"]["source"]["helm"]["valuesObject"]["compactor"]["serviceAccount"],
        "loki": base_application("loki")["spec"]["source"]["helm"]["valuesObject"]["serviceAccount"],
        "tempo": base_application("tempo")["spec"]["source"]["helm"]["valuesObject"]["serviceAccount"],
    }
    for name, sa in base.items():
        assert sa == {"create": True, "name": name}, f"base Application's ServiceAccount {sa} (annotations come from Terraform)"
    patch = [d for d in yaml.safe_load_all(tfmodel.Path(str(tfmodel.PATCH_FILE).format(env=env)).read_text()) if d]
    patched = {d["metadata"]["name"] for d in patch}
    assert {app for app, *_ in OBSERVABILITY_ACCOUNTS} <= patched


@pytest.mark.parametrize("env", ENVS)
def test_metrics_and_logs_carry_their_cluster(env):
    """Thanos Query sees every cluster's blocks: the `cluster` external label is the EKS cluster's
    name, and Alloy labels the cluster's log streams with the same value."""
    cluster = tfmodel.local(env, "name")
    spec = cluster_render.application(env, "kube-prometheus-stack")["spec"]["source"]["helm"]["valuesObject"]["prometheus"]["prometheusSpec"]
    assert spec["externalLabels"] == {"cluster": cluster}
    assert "cluster" not in base_application("kube-prometheus-stack")["spec"]["source"]["helm"]["valuesObject"]["prometheus"]["prometheusSpec"].get("externalLabels", {})
    alloy = cluster_render.application(env, "alloy")["spec"]["source"]["helm"]["valuesObject"]["alloy"]
    assert 'cluster = sys.env("WAYFARE_CLUSTER")' in alloy["configMap"]["content"]
    assert {"name": "WAYFARE_CLUSTER", "value": cluster} in alloy["extraEnv"]


@pytest.mark.parametrize("env", ENVS)
def test_generated_files_are_what_terraform_outputs(env):
    """values-<env>-terraform.yaml and terraform-patch.yaml equal modules/gitops_values' output for
    this environment (IDs and endpoints Terraform learns at apply time may differ; names may not)."""
    if not tfmodel.terraform_binary():
        pytest.skip("no terraform binary: the committed files are still checked by the other tests")
    chart, patch = tfmodel.gitops_values(env)
    expected_values = yaml.safe_load(chart)
    expected_patch = [d for d in yaml.safe_load_all(patch) if d]
    committed_patch = [d for d in yaml.safe_load_all(tfmodel.Path(str(tfmodel.PATCH_FILE).format(env=env)).read_text()) if d]
    account = generated_values(env)["aws"]["accountId"]
    assert_same(expected_values, generated_values(env), account, f"values-{env}-terraform.yaml")
    assert_same(expected_patch, committed_patch, account, f"clusters/{env}/terraform-patch.yaml")


OPAQUE = re.compile(r"c0ffee|0123456789abcdef0|123456789012|rds!db-0000")


def assert_same(expected, actual, account, where, path="$"):
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) == set(expected), f"{where} {path}: keys {sorted(actual)} != {sorted(expected)}"
        for k in expected:
            assert_same(expected[k], actual[k], account, where, f"{path}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where} {path}: {actual} != {expected}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            assert_same(e, a, account, where, f"{path}[{i}]")
    elif isinstance(expected, str) and OPAQUE.search(expected):
        assert isinstance(actual, str) and actual, f"{where} {path}: missing"
    elif isinstance(expected, str) and tfmodel.PLACEHOLDER_ACCOUNT in expected:
        assert actual == expected.replace(tfmodel.PLACEHOLDER_ACCOUNT, account), f"{where} {path}: {actual} != {expected}"
    else:
        assert actual == expected, f"{where} {path}: {actual!r} != {expected!r}"


@pytest.mark.parametrize("env", ENVS)
def test_terraform_values_pass_the_chart_schema(env, tmp_path):
    """What Terraform writes is accepted by values.schema.json and renders, layered as Argo CD does."""
    if not tfmodel.terraform_binary():
        pytest.skip("no terraform binary")
    import helm_python as helm

    chart, _ = tfmodel.gitops_values(env)
    values = render.values_for([f"values-{env}.yaml"])
    values = render.merge(values, yaml.safe_load(chart))
    with helm.Chart.load(str(CHART)) as c:
        c.validate_schema(values)
        manifests = c.render(values, name=render.RELEASE, namespace=f"wayfare-{env}", is_install=True)
    assert any("kind: Deployment" in m for m in manifests.values())


@pytest.mark.parametrize("env", ENVS)
def test_argo_cd_layers_the_files_ci_renders(env):
    app = cluster_render.application(env, f"wayfare-{env}")
    assert app["spec"]["source"]["helm"]["valueFiles"] == render.VALUE_SETS[env][1]
    assert app["spec"]["source"]["helm"]["valueFiles"][-1] == f"values-{env}-terraform.yaml"


# ---------------------------------------------------------------------------------- mesh egress and network policy

def hosts_of(docs, port):
    out = set()
    for se in kinds(docs, "ServiceEntry"):
        if any(p["number"] == port for p in se["spec"]["ports"]):
            out |= set(se["spec"]["hosts"])
    return out


@pytest.mark.parametrize("value_set", [s for sets in ENV_SETS.values() for s in sets])
def test_every_external_dependency_has_a_service_entry(rendered, value_set):
    docs = rendered[value_set]
    sidecar = by_name(docs, "Sidecar")["default"]
    assert sidecar["spec"]["outboundTrafficPolicy"]["mode"] == "REGISTRY_ONLY"
    stores = generated_values(ENV_OF_SET[value_set])["mesh"]["dataStores"]
    assert set(stores["mysql"]["hosts"]) <= hosts_of(docs, 3306), "RDS has no ServiceEntry"
    assert set(stores["redis"]["hosts"]) <= hosts_of(docs, 6379), "ElastiCache has no ServiceEntry"
    for se in kinds(docs, "ServiceEntry"):
        assert se["spec"]["location"] == "MESH_EXTERNAL" and "." in se["spec"]["exportTo"]
    # Every external HTTPS dependency a service declares is registered too.
    values = render.values_for(render.VALUE_SETS[value_set][1])
    for key in chart_values()["mesh"]["externalServices"]:
        assert key in by_name(docs, "ServiceEntry")


def covered(subnet: str, blocks: list[str]) -> bool:
    net = ipaddress.ip_network(subnet)
    return any(net.subnet_of(ipaddress.ip_network(b)) for b in blocks)


@pytest.mark.parametrize("value_set", [s for sets in ENV_SETS.values() for s in sets])
def test_network_policy_cidrs_cover_terraform_database_subnets(rendered, value_set):
    env = ENV_OF_SET[value_set]
    subnets = tfmodel.database_subnet_cidrs(env)
    vpc = ipaddress.ip_network(tfmodel.tfvars(env)["vpc_cidr"])
    checked = 0
    for np in kinds(rendered[value_set], "NetworkPolicy"):
        for rule in np["spec"].get("egress", []):
            ports = {p["port"] for p in rule.get("ports", [])}
            if not ports & {3306, 6379}:
                continue
            blocks = [t["ipBlock"]["cidr"] for t in rule["to"] if "ipBlock" in t]
            for subnet in subnets:
                assert covered(subnet, blocks), f"{np['metadata']['name']}: {subnet} not in {blocks}"
            for block in blocks:
                assert ipaddress.ip_network(block).subnet_of(vpc), f"{block} is outside the VPC {vpc}"
            checked += 1
    assert checked >= 3


def test_the_vpc_cni_enforces_network_policies():
    eks = tfmodel.stack(str(tfmodel.TERRAFORM / "modules" / "eks")).modules["eks"]
    vpc_cni = eks["cluster_addons"]["vpc-cni"]
    assert re.search(r'enableNetworkPolicy\s*=\s*"true"', vpc_cni["configuration_values"])


# ---------------------------------------------------------------------------------- clusters

def test_no_two_environments_share_a_destination_cluster():
    seen = {}
    for env in ENVS:
        cluster = tfmodel.local(env, "name")
        docs = cluster_render.cluster(env)
        apps = kinds(docs, "Application")
        for app in apps:
            dest = app["spec"]["destination"]
            assert "server" not in dest and dest["name"] == cluster, f"{env}: {app['metadata']['name']} -> {dest}"
        wayfare_apps = {a["metadata"]["name"] for a in apps if a["spec"]["project"] == "wayfare"}
        assert wayfare_apps == {f"wayfare-{env}"}
        root = yaml.safe_load((ARGO / "clusters" / env / "root.yaml").read_text())
        assert root["spec"]["destination"]["name"] == cluster
        assert root["spec"]["source"]["path"] == f"deploy/argocd/clusters/{env}"
        # The cluster's Argo CD registers its own cluster under that name, and no other.
        creds = cluster_render.application(env, "argo-cd")["spec"]["source"]["helm"]["valuesObject"]["configs"]["clusterCredentials"]
        assert list(creds) == [cluster] and creds[cluster]["server"] == "https://kubernetes.default.svc"
        project = by_name(docs, "AppProject")["wayfare"]
        assert project["spec"]["destinations"] == [{"name": cluster, "namespace": f"wayfare-{env}"}]
        assert cluster not in seen.values(), f"{env} and {list(seen)} share cluster {cluster}"
        seen[env] = cluster


def test_every_platform_application_is_in_every_cluster():
    listed = yaml.safe_load((ARGO / "apps" / "platform" / "kustomization.yaml").read_text())["resources"]
    files = sorted(p.name for p in (ARGO / "apps" / "platform").glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(listed) == files, "a platform Application file is not listed in apps/platform/kustomization.yaml"
    for env in ENVS:
        names = {a["metadata"]["name"] for a in kinds(cluster_render.cluster(env), "Application")}
        assert {yaml.safe_load((ARGO / "apps" / "platform" / f).read_text())["metadata"]["name"] for f in files} <= names


@pytest.mark.parametrize("env", ENVS)
def test_cluster_add_ons_are_installed_and_pinned(env):
    apps = by_name(cluster_render.cluster(env), "Application")
    for name in ["argo-cd", "aws-load-balancer-controller", "cluster-autoscaler", "metrics-server",
                 "cert-manager", "external-dns", "cluster-config"]:
        src = apps[name]["spec"]["source"]
        if "chart" in src:
            assert re.fullmatch(r"v?\d+\.\d+\.\d+", src["targetRevision"]), name
    lbc = apps["aws-load-balancer-controller"]["spec"]["source"]["helm"]["valuesObject"]
    assert lbc["clusterName"] == tfmodel.local(env, "name")
    ca = apps["cluster-autoscaler"]["spec"]["source"]["helm"]["valuesObject"]
    assert ca["autoDiscovery"]["clusterName"] == tfmodel.local(env, "name")
    # The node groups carry the tags the autoscaler discovers them by.
    eks = tfmodel.stack(str(tfmodel.TERRAFORM / "modules" / "eks"))
    assert "k8s.io/cluster-autoscaler/${var.name}" in eks.text and "k8s.io/cluster-autoscaler/enabled" in eks.text


# ---------------------------------------------------------------------------------- ingress, TLS, edge

def ingress_values(env):
    return cluster_render.application(env, "istio-ingressgateway")["spec"]["source"]["helm"]["valuesObject"]


@pytest.mark.parametrize("value_set", [s for sets in ENV_SETS.values() for s in sets])
def test_gateway_trusts_exactly_the_proxies_in_front_of_it(rendered, value_set):
    """CloudFront appends the viewer, the ingress Envoy appends CloudFront: hops = numTrustedProxies + 1."""
    env = ENV_OF_SET[value_set]
    proxy_config = json.loads(ingress_values(env)["podAnnotations"]["proxy.istio.io/config"])
    trusted = proxy_config["gatewayTopology"]["numTrustedProxies"]
    for dep in kinds(rendered[value_set], "Deployment"):
        env_vars = {e["name"]: e.get("value") for e in dep["spec"]["template"]["spec"]["containers"][0]["env"]}
        if dep["metadata"]["labels"]["app.kubernetes.io/name"] == "gateway":
            assert env_vars["WAYFARE_TRUSTED_PROXY_HOPS"] == str(trusted + 1)
        else:
            assert "WAYFARE_TRUSTED_PROXY_HOPS" not in env_vars


@pytest.mark.parametrize("value_set", ["dev", "prod"])
def test_tls_certificate_host_and_records_agree(rendered, value_set):
    env = ENV_OF_SET[value_set]
    gateway = by_name(rendered[value_set], "Gateway")["wayfare-public"]
    https = next(s for s in gateway["spec"]["servers"] if s["port"]["protocol"] == "HTTPS")
    cert = next(d for d in cluster_render.cluster_config(env) if d["kind"] == "Certificate")
    assert https["hosts"] == cert["spec"]["dnsNames"]
    assert https["tls"]["credentialName"] == cert["spec"]["secretName"]
    assert cert["metadata"]["namespace"] == chart_values()["ingress"]["gatewayNamespace"]
    # The host is Terraform's API origin (CloudFront forwards /api/* there) and external-dns may
    # write its record (domain filter), in the zone Terraform names.
    assert https["hosts"] == [tfmodel.local(env, "api_origin_domain")]
    dns = cluster_render.application(env, "external-dns")["spec"]["source"]["helm"]["valuesObject"]
    assert any(https["hosts"][0].endswith(d) for d in dns["domainFilters"])
    zone = tfmodel.tfvars(env)["route53_zone_id"]
    assert f"--aws-zone-id-filter={zone}" in dns["extraArgs"]
    assert "istio-gateway" in dns["sources"]


@pytest.mark.parametrize("env", ENVS)
def test_ingress_nlb_checks_readiness_drains_and_admits_cloudfront_only(env):
    values = ingress_values(env)
    ann = values["service"]["annotations"]
    assert ann["service.beta.kubernetes.io/aws-load-balancer-healthcheck-port"] == "15021"
    assert ann["service.beta.kubernetes.io/aws-load-balancer-healthcheck-path"] == "/healthz/ready"
    assert "deregistration_delay.timeout_seconds=30" in ann["service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"]
    assert ann["service.beta.kubernetes.io/aws-load-balancer-security-groups"].startswith("sg-")
    assert values["podDisruptionBudget"]["minAvailable"] >= 1
    assert values["autoscaling"]["minReplicas"] >= 2
    assert {c["topologyKey"] for c in values["topologySpreadConstraints"]} >= {"topology.kubernetes.io/zone"}
    assert int(values["env"]["TERMINATION_DRAIN_DURATION_SECONDS"]) > 30
    assert values["terminationGracePeriodSeconds"] > int(values["env"]["TERMINATION_DRAIN_DURATION_SECONDS"])


def edge():
    return tfmodel.stack(str(tfmodel.TERRAFORM / "modules" / "edge"))


def test_cloudfront_sends_the_api_uncached_and_never_turns_api_errors_into_the_web_page():
    cdn = edge().modules["cdn"]
    assert "custom_error_response" not in cdn, "a distribution-wide 403/404 -> index.html mapping swallows API errors"
    assert "spa_fallback" in cdn["default_cache_behavior"]["function_association"]["viewer-request"]["function_arn"]
    behaviour = cdn["ordered_cache_behavior"]
    assert "cache_policy.disabled" in behaviour and "all_viewer_except_host" in behaviour
    assert re.search(r'"POST".*"DELETE"', behaviour)
    variables = edge().variables
    assert "/api/*" in variables["api_path_patterns"]["default"]
    assert "api" in cdn["origin"] and cdn["origin"]["api"]["custom_origin_config"]["origin_protocol_policy"] == "https-only"
    assert "aws_wafv2_web_acl.cloudfront" in cdn["web_acl_id"]
    for env in ENVS:
        assert tfmodel.tfvars(env)["enable_waf"] is True, f"{env}: no WAF in front of the API"


def test_every_public_host_has_a_route53_record():
    record = edge().resources["aws_route53_record.web"]
    assert record["name"] == "${var.web_domain}" and "cloudfront_distribution_domain_name" in record["alias"][0]["name"]
    # The API origin's record is external-dns's (tested above with the Gateway host); ACM
    # validation records are the acm module's.
    assert edge().modules["acm"]["validation_method"] == "DNS"


# ---------------------------------------------------------------------------------- blue/green

def deployments(docs):
    return by_name(docs, "Deployment")


def floor(docs, name):
    hpas = by_name(docs, "HorizontalPodAutoscaler")
    return hpas[name]["spec"]["minReplicas"] if name in hpas else deployments(docs)[name]["spec"]["replicas"]


def test_blue_green_is_on_in_prod(rendered):
    docs = rendered["prod"]
    names = set(deployments(docs))
    for svc in ["gateway", "auth", "catalog", "order", "payment"]:
        assert {f"{svc}-blue", f"{svc}-green"} <= names


@pytest.mark.parametrize("value_set,live,idle", [("prod-bluegreen-blue", "blue", "green"),
                                                  ("prod-bluegreen-green", "green", "blue")])
def test_blue_green_migrates_with_the_candidate_and_prescales_the_idle_colour(rendered, value_set, live, idle):
    docs = rendered[value_set]
    deps = deployments(docs)
    for job in kinds(docs, "Job"):
        if not job["metadata"]["name"].endswith("-migrate"):
            continue
        svc = job["metadata"]["name"].removesuffix("-migrate")
        image = job["spec"]["template"]["spec"]["containers"][0]["image"]
        assert image == deps[f"{svc}-{idle}"]["spec"]["template"]["spec"]["containers"][0]["image"], svc
        if value_set == "prod-bluegreen-blue":
            assert image.endswith(":1.5.0"), f"{svc} migrates with {image}, not the candidate"
    for svc in {d.rsplit("-", 1)[0] for d in deps}:
        assert floor(docs, f"{svc}-{idle}") >= floor(docs, f"{svc}-{live}")
    # The preflight hook scales the colour that goes live to the live replicas and smoke-tests it
    # through the ingress, before the routes change (PreSync).
    job = by_name(docs, "Job")["bluegreen-preflight"]
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
    env = {e["name"]: e["value"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["NEW_COLOR"] == live
    script = job["spec"]["template"]["spec"]["containers"][0]["args"][0]
    assert "kubectl" in script and "scale deployment" in script and "rollout status" in script
    assert "curl" in script and '"$HEADER: $NEW_COLOR"' in script


@pytest.mark.parametrize("value_set,idle", [("prod-bluegreen-blue", "green"), ("prod-bluegreen-green", "blue")])
def test_the_idle_colour_is_reachable_by_header_before_the_flip(rendered, value_set, idle):
    docs = rendered[value_set]
    header = chart_values()["ingress"]["colorHeader"]
    public = by_name(docs, "VirtualService")["wayfare-public"]
    first = public["spec"]["http"][0]
    assert first["match"][0]["headers"] == {header: {"exact": idle}}
    assert [r["destination"]["subset"] for r in first["route"]] == [idle]
    # ... and the idle colour's pods call the idle colour of their callees.
    for vs in kinds(docs, "VirtualService"):
        if vs["metadata"]["name"] == "wayfare-public":
            continue
        affinity = vs["spec"]["http"][0]
        assert affinity["match"][0]["sourceLabels"] == {"version": idle}
        assert [r["destination"]["subset"] for r in affinity["route"]] == [idle]


# ---------------------------------------------------------------------------------- ops port, backup

@pytest.mark.parametrize("value_set", ["dev", "prod"])
def test_probes_and_prometheus_use_the_ops_port(rendered, value_set):
    docs = rendered[value_set]
    port = chart_values()["ops"]["port"]
    for dep in kinds(docs, "Deployment"):
        c = dep["spec"]["template"]["spec"]["containers"][0]
        assert {"name": "ops", "containerPort": port, "protocol": "TCP"} in c["ports"]
        env = {e["name"]: e.get("value") for e in c["env"]}
        assert env["WAYFARE_OPS_LISTEN"] == f"0.0.0.0:{port}"
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert c[probe]["httpGet"]["port"] == "ops"
    for svc in kinds(docs, "Service"):
        assert any(p["name"] == "ops" and p["port"] == port for p in svc["spec"]["ports"])


@pytest.mark.parametrize("value_set", ["dev", "prod"])
def test_the_backup_runs_as_the_identity_terraform_federates(rendered, value_set):
    env = ENV_OF_SET[value_set]
    docs = rendered[value_set]
    sa = by_name(docs, "ServiceAccount")["backup"]
    role = role_name(sa["metadata"]["annotations"][ROLE_ANNOTATION])
    assert f"wayfare-{env}:backup" in tfmodel.irsa_roles(env)[role]
    # Google's provider admits only that role (attribute_condition) and it may impersonate the SA.
    gcp = tfmodel.stack(str(tfmodel.TERRAFORM / "modules" / "gcp_backup"))
    assert "module.backup_irsa.iam_role_name" in gcp.resources["google_iam_workload_identity_pool_provider.aws"]["attribute_condition"]
    cron = by_name(docs, "CronJob")["backup"]
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    env_of = {c["name"]: {e["name"]: e.get("value") for e in c.get("env", [])} for c in pod["initContainers"] + pod["containers"]}
    generated = generated_values(env)["backup"]
    assert env_of["upload"]["BUCKET"] == generated["bucket"]
    assert env_of["upload"]["WIF_PROVIDER"] == generated["workloadIdentityProvider"]
    assert env_of["credentials"]["MASTER_SECRET_ID"] == generated["masterSecretId"]
    dump = pod["initContainers"][1]["args"][0]
    with_db = [d.removesuffix("-migrate") for d in by_name(docs, "Job") if d.endswith("-migrate")]
    for svc in with_db:
        assert f"wayfare_{svc}" in dump, f"the backup does not dump {svc}'s database"
    script = by_name(docs, "ConfigMap")["backup-script"]["data"]["backup.sh"]
    assert script == (CHART / "files" / "backup.sh").read_text()


@pytest.mark.parametrize("env", ENVS)
def test_the_chart_names_the_ingress_gateway_and_prometheus_the_platform_runs(rendered, env):
    """The Wayfare chart admits the ingress gateway and Prometheus by identity and labels; those must
    be the identities the platform Applications actually create."""
    values = chart_values()
    ingress = cluster_render.application(env, "istio-ingressgateway")
    release = ingress["spec"]["source"]["helm"]["releaseName"]
    assert ingress["spec"]["destination"]["namespace"] == values["ingress"]["gatewayNamespace"]
    # The gateway chart names its ServiceAccount after the release and labels pods istio=<release minus "istio-">.
    assert release == values["ingress"]["gatewayServiceAccount"]
    assert values["ingress"]["gatewaySelector"] == {"istio": release.removeprefix("istio-")}
    assert values["blueGreen"]["preflight"]["ingressService"].startswith(f"{release}.{values['ingress']['gatewayNamespace']}.svc")
    prom = cluster_render.application(env, "kube-prometheus-stack")
    assert prom["spec"]["destination"]["namespace"] == values["monitoring"]["prometheus"]["namespace"]
    assert values["monitoring"]["prometheus"]["serviceAccount"] == f"{prom['spec']['source']['helm']['releaseName']}-prometheus"


# ---------------------------------------------------------------------------------- the registry

# The binary's module registry (app/src/lib.rs, ARCHITECTURE.md §3) is the list of services; the
# chart, Terraform and the mesh follow it. registry.py reads it from the Rust sources.
import registry  # noqa: E402


def test_the_chart_and_terraform_run_exactly_the_registry_modules(rendered):
    names = {m.name for m in registry.modules()}
    assert set(chart_values()["services"]) == names, "chart services != app/src/lib.rs MODULES"
    assert set(tfmodel.local("dev", "services")) == names, "Terraform local.services != app/src/lib.rs MODULES"
    for value_set in ["default", "dev", "prod"]:
        deps = kinds(rendered[value_set], "Deployment")
        targets = {d["spec"]["template"]["spec"]["containers"][0]["args"][-1] for d in deps}
        assert targets == names, f"{value_set}: `serve --target` of the Deployments {sorted(targets)} != {sorted(names)}"
        migrated = {j["metadata"]["name"].removesuffix("-migrate") for j in kinds(rendered[value_set], "Job")
                    if j["metadata"]["name"].endswith("-migrate")}
        assert migrated == {m.name for m in registry.modules() if m.has_database}, f"{value_set}: migration Jobs"


def test_the_chart_call_graph_is_the_registry_s(rendered):
    """calls: (WAYFARE_<NAME>_URL, AuthorizationPolicy, NetworkPolicy) = depends_on, the token issuer
    for a service with public routes, and every routed module for the edge (Registry::check)."""
    services = chart_values()["services"]
    for module in registry.modules():
        assert set(services[module.name].get("calls", [])) == registry.calls(module), module.name
    for value_set in ["dev", "prod"]:
        for dep in kinds(rendered[value_set], "Deployment"):
            svc = dep["metadata"]["labels"]["app.kubernetes.io/name"]
            env = {e["name"] for e in dep["spec"]["template"]["spec"]["containers"][0]["env"]}
            urls = {e for e in env if re.fullmatch(r"WAYFARE_[A-Z]+_URL", e)} - {"WAYFARE_DATABASE_URL", "WAYFARE_REDIS_URL"}
            assert urls == {f"WAYFARE_{c.upper()}_URL" for c in registry.calls(registry.by_name()[svc])}, svc


def istio_path_match(pattern: str, path: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return path.endswith(pattern[1:])
    return path == pattern


def mesh_admits(docs, callee: str, caller: str, path: str) -> bool:
    """Whether the AuthorizationPolicy of `callee` lets `caller`'s identity send `path` to port 8080."""
    ns = docs[0]["metadata"].get("namespace") or kinds(docs, "Deployment")[0]["metadata"]["namespace"]
    principal = f"cluster.local/ns/{ns}/sa/{caller}"
    (pol,) = [p for p in kinds(docs, "AuthorizationPolicy")
              if p["spec"].get("selector", {}).get("matchLabels", {}).get("app.kubernetes.io/name") == callee]
    for rule in pol["spec"]["rules"]:
        if not any(principal in s["source"].get("principals", []) for s in rule["from"]):
            continue
        for to in rule.get("to", []):
            op = to["operation"]
            if "ports" in op and "8080" not in op["ports"]:
                continue
            if "paths" in op and not any(istio_path_match(p, path) for p in op["paths"]):
                continue
            if any(istio_path_match(p, path) for p in op.get("notPaths", [])):
                continue
            return True
    return False


def concrete(route: str) -> str:
    return re.sub(r"\{\*?\w+\}", "x1", route)


@pytest.mark.parametrize("value_set", ["dev", "prod", "prod-bluegreen-green"])
def test_the_mesh_admits_the_internal_callers_each_service_accepts(rendered, value_set):
    """Every caller a service accepts on its /internal API (internal_callers) and that calls it is
    let through by the mesh; the back office's endpoints (/internal/admin/**) are open to admin's
    identity alone, whatever the service accepts itself."""
    docs = rendered[value_set]
    mods = registry.by_name()
    admin = chart_values()["mesh"]["adminApi"]
    assert admin["caller"] in mods, f"mesh.adminApi.caller {admin['caller']} is not a registry module"
    for module in mods.values():
        if module.edge:
            continue  # the gateway serves /internal/** only to refuse it
        for route in module.internal_routes:
            path = concrete(route)
            admitted = {c for c in mods if mesh_admits(docs, module.name, c, path)}
            back_office = any(istio_path_match(p, path) for p in admin["paths"])
            if back_office:
                assert admitted <= {admin["caller"]}, f"{module.name} {route}: admitted {sorted(admitted)}"
            callers = {c for c in module.internal_callers if c in mods and module.name in registry.calls(mods[c])}
            # The back office reaches its endpoints only; what else it uses is checked against its
            # source below (internal_callers is per service, wider than what admin needs).
            callers = callers & {admin["caller"]} if back_office else callers - {admin["caller"]}
            assert callers <= admitted, f"{module.name} {route}: accepts {sorted(callers)} but the mesh admits {sorted(admitted)}"


@pytest.mark.parametrize("value_set", ["dev", "prod"])
def test_every_internal_path_the_back_office_calls_is_open_to_it_and_accepts_it(rendered, value_set):
    """The /internal paths in admin's source, on each service that serves them: admin calls that
    service (WAYFARE_<NAME>_URL), the service accepts admin (internal_callers) and the mesh lets
    admin's identity through. Paths no service serves yet are skipped (the services add them)."""
    docs = rendered[value_set]
    mods = registry.by_name()
    caller = chart_values()["mesh"]["adminApi"]["caller"]
    paths = registry.admin_internal_paths(caller)
    assert paths, "no /internal paths found in admin's source: the reader no longer understands it"
    checked = 0
    for path in paths:
        concrete_path = path.replace("/X", "/x1")
        for module in mods.values():
            if module.edge or not any(registry.route_regex(r).match(concrete_path) for r in module.internal_routes):
                continue
            checked += 1
            assert module.name in registry.calls(mods[caller]), f"{caller} calls {path} on {module.name}, not a dependency"
            assert caller in module.internal_callers, f"{module.name} serves {path} but does not accept {caller}"
            assert mesh_admits(docs, module.name, caller, concrete_path), f"the mesh stops {caller} -> {module.name} {path}"
    assert checked, "none of admin's /internal paths is served by any service"
