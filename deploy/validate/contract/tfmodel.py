"""What Terraform (infra/terraform) promises the cluster, read statically with python-hcl2.

A small evaluator for the expressions the contract depends on: string templates over var.*,
local.* and each.key, module inputs resolved through the composition (envs/shared) and module
defaults, and the network module's cidrsubnet() layout. Anything it cannot evaluate raises, so a
change in shape shows up as a failing contract test rather than a silent pass.

`gitops_values(env)` evaluates infra/terraform/modules/gitops_values with the real terraform
binary (the module has no provider, so `terraform init/apply` runs offline) on inputs derived from
the HCL: the role ARNs of the roles Terraform makes, the subnets it carves, placeholder hosts.
"""
from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "infra" / "tests"))

import hcl  # noqa: E402  (infra/tests/hcl.py: load_stack, clean)

TERRAFORM = REPO / "infra" / "terraform"
ENVS = ["dev", "prod"]
IRSA_MODULE = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
# Placeholder account and opaque IDs used for the committed (pre-apply) generated files.
PLACEHOLDER_ACCOUNT = "111122223333"

_REF = re.compile(r"\$\{([^{}]+)\}")


class Unevaluable(Exception):
    pass


class Scope:
    """Variables and locals of one module instance (or the composition)."""

    def __init__(self, stack, variables: dict, parent: "Scope | None" = None, each_key=None):
        self.stack = stack
        self.variables = variables  # name -> raw expression (evaluated in parent) or value
        self.parent = parent
        self.each_key = each_key
        self._cache: dict = {}

    def var(self, name):
        if name in self._cache:
            return self._cache[name]
        if name in self.variables:
            raw = self.variables[name]
            value = self.parent.eval(raw) if self.parent else raw
        elif "default" in self.stack.variables.get(name, {}):
            value = self.stack.variables[name]["default"]
        else:
            raise Unevaluable(f"{self.stack.rel}: var.{name} has no value")
        self._cache[name] = value
        return value

    def ref(self, expr: str):
        expr = expr.strip()
        if expr == "each.key":
            if self.each_key is None:
                raise Unevaluable("each.key outside for_each")
            return self.each_key
        m = re.fullmatch(r"var\.([\w-]+)", expr)
        if m:
            return self.var(m.group(1))
        m = re.fullmatch(r"local\.([\w-]+)", expr)
        if m:
            return self.eval(self.stack.locals[m.group(1)])
        m = re.fullmatch(r"\[(.*)\]", expr, re.S)
        if m:
            return [self.ref(part) for part in split_top(m.group(1))]
        m = re.fullmatch(r"toset\((.*)\)", expr, re.S)
        if m:
            return sorted(set(self.ref(m.group(1))))
        m = re.fullmatch(r'"(.*)"', expr, re.S)
        if m:
            return self.eval(m.group(1))
        raise Unevaluable(f"{self.stack.rel}: cannot evaluate {expr!r}")

    def eval(self, raw):
        if isinstance(raw, list):
            return [self.eval(x) for x in raw]
        if isinstance(raw, dict):
            return {k: self.eval(v) for k, v in raw.items()}
        if not isinstance(raw, str):
            return raw
        whole = re.fullmatch(r"\$\{(.*)\}", raw, re.S)
        if whole and "${" not in whole.group(1):
            return self.ref(whole.group(1))
        return _REF.sub(lambda m: str(self.ref(m.group(1))), raw)


def split_top(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts]


@lru_cache(maxsize=None)
def stack(path: str):
    return hcl.load_stack(Path(path))


def tfvars(env: str) -> dict:
    return hcl.parse_file(TERRAFORM / "envs" / env / "terraform.tfvars")


def composition(env: str) -> Scope:
    return Scope(stack(str(TERRAFORM / "envs" / env)), tfvars(env))


def module_scopes(env: str) -> dict[str, Scope]:
    """Scope of every local module the composition calls: name -> Scope."""
    comp = composition(env)
    out = {}
    for name, call in comp.stack.modules.items():
        src = call["source"]
        if not src.startswith("../../modules/"):
            continue
        mod = stack(str((comp.stack.path / src).resolve()))
        args = {k: v for k, v in call.items() if k not in hcl.META_ARGS}
        out[name] = Scope(mod, args, parent=comp)
    return out


def local(env: str, name: str):
    comp = composition(env)
    return comp.eval(comp.stack.locals[name])


@lru_cache(maxsize=None)
def irsa_roles(env: str) -> dict[str, set[str]]:
    """IAM role name -> the `namespace:serviceaccount` pairs its trust policy admits."""
    roles: dict[str, set[str]] = {}
    for scope in module_scopes(env).values():
        for call in scope.stack.modules.values():
            if call.get("source") != IRSA_MODULE:
                continue
            keys = [None]
            if "for_each" in call:
                keys = scope.ref(call["for_each"][2:-1]) if call["for_each"].startswith("${") else call["for_each"]
            for key in keys:
                inst = Scope(scope.stack, {}, parent=None, each_key=key)
                inst.var = scope.var  # same module variables, own each.key
                role = inst.eval(call["role_name"])
                pairs = set()
                for provider in call["oidc_providers"].values():
                    value = inst.eval(provider["namespace_service_accounts"])
                    pairs |= set(value if isinstance(value, list) else [value])
                roles[role] = pairs
    return roles


def database_subnet_cidrs(env: str) -> list[str]:
    """The network module's database subnets for the env's VPC CIDR (cidrsubnet, evaluated here)."""
    return subnet_cidrs(env, "database_subnets")


def subnet_cidrs(env: str, which: str) -> list[str]:
    net = module_scopes(env)["network"]
    expr = net.stack.locals[which]
    m = re.fullmatch(r"\$\{\[for i, _ in var\.azs : cidrsubnet\(var\.cidr, (\d+), (?:(\d+) \+ )?i\)\]\}", expr)
    if not m:
        raise Unevaluable(f"network {which} changed shape: {expr}")
    newbits, base = int(m.group(1)), int(m.group(2) or 0)
    vpc = ipaddress.ip_network(net.var("cidr"))
    subnets = list(vpc.subnets(new_prefix=vpc.prefixlen + newbits))
    return [str(subnets[base + i]) for i, _ in enumerate(net.var("azs"))]


def role_arn(name: str, account: str = PLACEHOLDER_ACCOUNT) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def gitops_inputs(env: str, account: str = PLACEHOLDER_ACCOUNT) -> dict:
    """Inputs of modules/gitops_values as the composition passes them, with placeholder values
    only where Terraform learns them at apply time (IDs, endpoints)."""
    comp = composition(env)
    mods = module_scopes(env)
    name = comp.eval(comp.stack.locals["name"])
    services = comp.eval(comp.stack.locals["services"])
    region = comp.var("region")
    roles = irsa_roles(env)
    # The role the secrets module makes for each service (by the same template Terraform uses).
    secrets = mods["secrets"]
    svc_role = {}
    for svc in services:
        inst = Scope(secrets.stack, {}, each_key=svc)
        inst.var = secrets.var
        svc_role[svc] = inst.eval(secrets.stack.modules["service_irsa"]["role_name"])
    eks = mods["eks"]
    out_expr = eks.stack.outputs["irsa_role_arns"]["value"]
    platform = {}
    for key, ref in out_expr.items():
        m = re.fullmatch(r"\$\{module\.([\w-]+)\.iam_role_arn\}", ref)
        call = eks.stack.modules[m.group(1)]
        platform[key] = role_arn(eks.eval(call["role_name"]), account)
    backup = mods["gcp_backup"]
    backup_role = backup.eval(backup.stack.modules["backup_irsa"]["role_name"])
    assert backup_role in roles
    call = comp.stack.modules["gitops_values"]
    web_domain = comp.var("web_domain")
    return {
        "env": comp.var("env"),
        "namespace": comp.eval(call["namespace"]),
        "cluster_name": name,
        "region": region,
        "account_id": account,
        "vpc_id": "vpc-0123456789abcdef0",
        "image_repository": f"{account}.dkr.ecr.{region}.amazonaws.com/{comp.var('ecr_repository_name') if 'ecr_repository_name' in comp.variables else 'wayfare'}",
        "service_role_arns": {svc: role_arn(svc_role[svc], account) for svc in services},
        "platform_role_arns": platform,
        "database_subnet_cidrs": database_subnet_cidrs(env),
        "private_subnet_cidrs": subnet_cidrs(env, "private_subnets"),
        "mysql_master_secret_arn": f"arn:aws:secretsmanager:{region}:{account}:secret:rds!db-00000000-0000-0000-0000-000000000000-AbCdEf",
        "mysql_host": f"{name}-mysql.c0ffee000000.{region}.rds.amazonaws.com",
        "mysql_port": 3306,
        "redis_hosts": [f"master.{name}-redis.c0ffee.euw1.cache.amazonaws.com",
                        f"replica.{name}-redis.c0ffee.euw1.cache.amazonaws.com"],
        "web_domain": web_domain,
        "api_origin_domain": comp.eval(comp.stack.locals["api_origin_domain"]),
        "route53_zone_id": comp.var("route53_zone_id"),
        "ingress_nlb_security_group_id": "sg-0123456789abcdef0",
        "acme_email": comp.var("acme_email"),
        "backup": {
            "role_arn": role_arn(backup_role, account),
            "bucket": f"gs://{name}-backup-c0ffee",
            "gcp_service_account": f"{name}-backup@{comp.var('gcp_project_id')}.iam.gserviceaccount.com",
            "workload_identity_provider": f"projects/123456789012/locations/global/workloadIdentityPools/{name}-aws/providers/aws-{account}",
        },
    }


def terraform_binary() -> str | None:
    return shutil.which("terraform")


@lru_cache(maxsize=None)
def gitops_values(env: str) -> tuple[str, str]:
    """(chart values YAML, Argo CD patch YAML) as modules/gitops_values renders them for env."""
    tf = terraform_binary()
    if not tf:
        raise Unevaluable("no terraform binary")
    inputs = gitops_inputs(env)
    with tempfile.TemporaryDirectory(prefix="wf-gitops-") as tmp:
        root = Path(tmp)
        (root / "main.tf.json").write_text(json.dumps({
            "module": {"v": {"source": str(TERRAFORM / "modules" / "gitops_values"), **inputs}},
            "output": {"chart": {"value": "${module.v.chart_values_yaml}"},
                       "patch": {"value": "${module.v.argocd_patch_yaml}"}},
        }))
        env_vars = {**os.environ, "TF_CLI_CONFIG_FILE": "/dev/null", "TF_IN_AUTOMATION": "1",
                    "CHECKPOINT_DISABLE": "1", "TF_DATA_DIR": str(root / ".terraform")}
        for args in (["init", "-input=false", "-no-color", "-backend=false"],
                     ["apply", "-auto-approve", "-input=false", "-no-color", "-lock=false"]):
            run = subprocess.run([tf, f"-chdir={root}", *args], capture_output=True, text=True, env=env_vars)
            if run.returncode:
                raise RuntimeError(f"terraform {args[0]} failed:\n{run.stdout}\n{run.stderr}")
        outs = {}
        for key in ("chart", "patch"):
            run = subprocess.run([tf, f"-chdir={root}", "output", "-raw", key], capture_output=True,
                                 text=True, env=env_vars, check=True)
            outs[key] = run.stdout
    return outs["chart"], outs["patch"]


CHART_FILE = REPO / "deploy" / "helm" / "wayfare" / "values-{env}-terraform.yaml"
PATCH_FILE = REPO / "deploy" / "argocd" / "clusters" / "{env}" / "terraform-patch.yaml"


def write_placeholders() -> None:
    """Regenerate the committed pre-apply files (placeholder IDs) from Terraform."""
    for env in ENVS:
        chart, patch = gitops_values(env)
        Path(str(CHART_FILE).format(env=env)).write_text(chart)
        path = Path(str(PATCH_FILE).format(env=env))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(patch)
        print(f"wrote {env}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-placeholders"]:
        write_placeholders()
    else:
        for env in ENVS:
            print(env, json.dumps(irsa_roles(env) and {k: sorted(v) for k, v in irsa_roles(env).items()}, indent=1))
            print(env, database_subnet_cidrs(env))
