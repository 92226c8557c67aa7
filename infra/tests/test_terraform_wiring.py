"""Wiring checks over the parsed HCL - what `terraform validate` would catch, offline.

No provider or registry module can be downloaded where these run, so the checks rely only on
the text: every variable used is declared, every local module call matches the module's
interface, every module output referenced exists, and every version is pinned.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hcl import (
    META_ARGS,
    TERRAFORM,
    all_tf_files,
    is_local_source,
    load_stack,
    module_dirs,
    module_output_refs,
    parse_file,
    references,
    root_dirs,
)

SERVICES = ["gateway", "auth", "catalog", "order", "payment", "flight", "booking", "admin"]
EXPECTED_MODULES = {
    "network", "eks", "data", "edge", "registry", "secrets", "observability", "gcp_backup", "github_oidc",
    "gitops_values",
}
EXACT_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
# A root pins each provider to one major at least (~> X.Y, = X.Y.Z, or >= X, < X+1).
ROOT_PROVIDER_PIN = re.compile(r"^(~>\s*\d+\.\d+(\.\d+)?|=?\s*\d+\.\d+\.\d+|>=\s*[\d.]+,\s*<\s*[\d.]+)$")

STACKS = {p: load_stack(p) for p in module_dirs() + root_dirs()}
MODULES = {p.name: STACKS[p] for p in module_dirs()}
ROOTS = [STACKS[p] for p in root_dirs()]
ALL = list(STACKS.values())


def ids(stacks):
    return [s.rel for s in stacks]


@pytest.mark.parametrize("path", all_tf_files(), ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_every_tf_file_parses(path: Path):
    parse_file(path)


def test_all_issue_modules_exist():
    assert EXPECTED_MODULES <= set(MODULES), EXPECTED_MODULES - set(MODULES)


@pytest.mark.parametrize("stack", ALL, ids=ids(ALL))
def test_every_variable_used_is_declared(stack):
    missing = references(stack.text, "var") - set(stack.variables)
    assert not missing, f"{stack.rel}: undeclared variables {sorted(missing)}"


@pytest.mark.parametrize("stack", ALL, ids=ids(ALL))
def test_every_local_used_is_declared(stack):
    missing = references(stack.text, "local") - set(stack.locals)
    assert not missing, f"{stack.rel}: undeclared locals {sorted(missing)}"


@pytest.mark.parametrize("stack", ALL, ids=ids(ALL))
def test_variables_have_type_and_description(stack):
    bad = [n for n, b in stack.variables.items() if "type" not in b or not b.get("description")]
    assert not bad, f"{stack.rel}: variables without type/description {bad}"


@pytest.mark.parametrize("stack", ALL, ids=ids(ALL))
def test_outputs_have_description(stack):
    bad = [n for n, b in stack.outputs.items() if not b.get("description")]
    assert not bad, f"{stack.rel}: outputs without description {bad}"


@pytest.mark.parametrize("stack", ALL, ids=ids(ALL))
def test_module_calls_match_local_module_interfaces(stack):
    problems = []
    for name, call in stack.modules.items():
        source = call["source"]
        if not is_local_source(source):
            continue
        target = (stack.path / source).resolve()
        assert target in STACKS, f"{stack.rel}: module {name} points at unknown {source}"
        callee = STACKS[target]
        passed = set(call) - META_ARGS
        unknown = passed - set(callee.variables)
        missing = callee.required_variables - passed
        if unknown:
            problems.append(f"module.{name}: passes undeclared {sorted(unknown)}")
        if missing:
            problems.append(f"module.{name}: misses required {sorted(missing)}")
        if "version" in call:
            problems.append(f"module.{name}: local modules take no version")
    assert not problems, f"{stack.rel}: " + "; ".join(problems)


@pytest.mark.parametrize("stack", ALL, ids=ids(ALL))
def test_registry_modules_are_pinned_to_exact_versions(stack):
    problems = []
    for name, call in stack.modules.items():
        if is_local_source(call["source"]):
            continue
        if not call["source"].startswith("terraform-aws-modules/"):
            problems.append(f"module.{name}: {call['source']} is not a terraform-aws-modules module")
        if not EXACT_SEMVER.match(str(call.get("version", ""))):
            problems.append(f"module.{name}: version {call.get('version')!r} is not an exact X.Y.Z pin")
    assert not problems, f"{stack.rel}: " + "; ".join(problems)


@pytest.mark.parametrize("stack", ALL, ids=ids(ALL))
def test_every_referenced_module_output_exists(stack):
    problems = []
    for mod, out in module_output_refs(stack.text):
        if mod not in stack.modules:
            problems.append(f"module.{mod} is not declared")
            continue
        source = stack.modules[mod]["source"]
        if is_local_source(source):
            callee = STACKS[(stack.path / source).resolve()]
            if out not in callee.outputs:
                problems.append(f"module.{mod}.{out} is not an output of {source}")
    assert not problems, f"{stack.rel}: " + "; ".join(problems)


@pytest.mark.parametrize("stack", ALL, ids=ids(ALL))
def test_providers_are_declared_with_versions(stack):
    required = stack.required_providers()
    used = {t.split("_", 1)[0] for t in list(stack.resources) + list(stack.data)}
    used |= {next(iter(p)) for p in stack.providers}
    used.discard("terraform")
    for prov in used:
        assert prov in required, f"{stack.rel}: provider {prov} used but not in required_providers"
    for prov, spec in required.items():
        assert spec.get("source", "").startswith("hashicorp/"), f"{stack.rel}: {prov} has no source"
        assert spec.get("version"), f"{stack.rel}: provider {prov} has no version constraint"
    assert stack.required_version(), f"{stack.rel}: no required_version"


@pytest.mark.parametrize("stack", ROOTS, ids=ids(ROOTS))
def test_roots_pin_providers_and_terraform(stack):
    for prov, spec in stack.required_providers().items():
        assert ROOT_PROVIDER_PIN.match(spec["version"]), f"{stack.rel}: {prov} {spec['version']!r} not pinned"
    assert stack.required_version().startswith("~>"), f"{stack.rel}: terraform version not pinned"


@pytest.mark.parametrize("stack", [s for s in ROOTS if s.path.name != "bootstrap"], ids=ids([s for s in ROOTS if s.path.name != "bootstrap"]))
def test_roots_use_s3_state_with_dynamodb_locking(stack):
    backends = stack.backends()
    assert "s3" in backends, f"{stack.rel}: no s3 backend"
    s3 = backends["s3"]
    assert s3.get("dynamodb_table") and s3.get("encrypt") is True, f"{stack.rel}: {s3}"
    rel = stack.path.relative_to(TERRAFORM)
    assert s3["key"] == f"{rel}/terraform.tfstate", f"{stack.rel}: state key {s3['key']}"


def test_state_keys_are_unique():
    keys = [s.backends()["s3"]["key"] for s in ROOTS if "s3" in s.backends()]
    assert len(keys) == len(set(keys))


def test_envs_share_one_composition():
    shared = TERRAFORM / "envs" / "shared"
    for env in ["dev", "prod"]:
        for name in ["main.tf", "variables.tf", "outputs.tf", "providers.tf", "versions.tf"]:
            path = TERRAFORM / "envs" / env / name
            assert path.is_symlink() and path.resolve() == (shared / name).resolve(), f"{env}/{name} must link to shared/{name}"
        assert not (TERRAFORM / "envs" / env / "backend.tf").is_symlink(), "each env keeps its own state key"


def _tfvars(env: str) -> dict:
    return parse_file(TERRAFORM / "envs" / env / "terraform.tfvars")


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_tfvars_set_every_required_variable_and_nothing_else(env):
    stack = STACKS[TERRAFORM / "envs" / env]
    values = _tfvars(env)
    assert values["env"] == env
    assert not set(values) - set(stack.variables), set(values) - set(stack.variables)
    assert not stack.required_variables - set(values), stack.required_variables - set(values)


def test_prod_is_bigger_and_safer_than_dev():
    dev, prod = _tfvars("dev"), _tfvars("prod")
    assert dev["single_nat_gateway"] is True and prod["single_nat_gateway"] is False
    assert prod["db_multi_az"] is True and prod["deletion_protection"] is True
    assert prod["redis_num_cache_clusters"] >= 2
    assert prod["node_min_size_per_az"] > dev["node_min_size_per_az"]
    assert prod["db_backup_retention_days"] > dev["db_backup_retention_days"]
    assert dev["vpc_cidr"] != prod["vpc_cidr"]


def test_envs_cover_every_service():
    dev = STACKS[TERRAFORM / "envs" / "dev"]
    assert dev.locals["services"] == SERVICES


@pytest.mark.parametrize("output", [
    "image_repository", "service_role_arns", "service_secret_names", "platform_role_arns",
    "mysql_address", "redis_primary_endpoint", "thanos_bucket", "loki_bucket", "web_bucket",
    "cloudfront_distribution_id", "cluster_name", "helm_values", "chart_values_yaml", "argocd_patch_yaml",
    "database_subnet_cidrs", "ingress_nlb_security_group_id", "api_origin_domain",
    "web_deploy_role_arn", "web_bucket_parameter", "web_distribution_parameter",
])
def test_envs_output_what_the_helm_values_need(output):
    for env in ["dev", "prod"]:
        assert output in STACKS[TERRAFORM / "envs" / env].outputs


def test_secret_and_role_names_follow_the_contract():
    # The naming rule (infra/README.md "Names"): namespace wayfare-<env>, service account <service>,
    # secret wayfare/<env>/<service>, role wayfare-<env>-<service>. The cross-stack suite
    # (deploy/validate/contract) checks the chart and Argo CD against the same rule.
    secrets = MODULES["secrets"].text
    assert '"wayfare/${var.env}/${each.key}"' in secrets
    assert '"wayfare-${var.env}-${each.key}"' in secrets
    assert '"${var.namespace}:${each.key}"' in secrets
    env = STACKS[TERRAFORM / "envs" / "dev"]
    assert env.locals["namespace"] == "wayfare-${var.env}"
    assert env.modules["secrets"]["namespace"] == "${local.namespace}"
    assert env.modules["gcp_backup"]["backup_service_account"] == "${local.namespace}:backup"


def test_no_secret_values_in_code():
    # Services' secrets are never written by Terraform; only the Redis AUTH token is (documented).
    versions = [r for r in MODULES["secrets"].resources if r.startswith("aws_secretsmanager_secret_version")]
    assert not versions
    for stack in ALL:
        assert not re.search(r'(?i)(password|secret_key|token)\s*=\s*"[^"$]{6,}"', stack.text), stack.rel


def _satisfies_pessimistic(version: str, constraint: str) -> bool:
    m = re.fullmatch(r"~>\s*(\d+)\.(\d+)(?:\.(\d+))?", constraint.strip())
    assert m, f"unexpected constraint {constraint}"
    have = tuple(int(x) for x in version.split("."))
    want = tuple(int(x) for x in m.groups() if x is not None)
    return have[: len(want) - 1] == want[:-1] and have >= want


@pytest.mark.parametrize("stack", ROOTS, ids=ids(ROOTS))
def test_roots_commit_a_lock_file_that_pins_every_provider(stack):
    """Supply chain: every root has .terraform.lock.hcl with a checksum-pinned version per provider
    that satisfies the root's constraint (terraform init verifies the download against it)."""
    lock = stack.path / ".terraform.lock.hcl"
    assert lock.exists(), f"{stack.rel}: no .terraform.lock.hcl"
    locked = {}
    for block in parse_file(lock).get("provider", []):
        for source, body in block.items():
            locked[source] = body
    for name, spec in stack.required_providers().items():
        source = f"registry.terraform.io/{spec['source']}"
        assert source in locked, f"{stack.rel}: {source} not locked"
        entry = locked[source]
        assert entry["constraints"] == spec["version"], f"{stack.rel}: {name} lock constraint differs from versions.tf"
        assert _satisfies_pessimistic(entry["version"], spec["version"]), f"{stack.rel}: {name} {entry['version']}"
        assert any(h.startswith("zh:") for h in entry["hashes"]), f"{stack.rel}: {name} has no checksums"
