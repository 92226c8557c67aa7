"""Web app release (issue 12): .github/workflows/release.yml (job `web`) x Terraform (modules/edge,
the environments' tfvars, global). The workflow assumes wayfare-<env>-web-deploy, reads the bucket
and the distribution from Terraform's SSM parameters, uploads web/dist and invalidates CloudFront;
these tests fail when the names it uses, the refs it runs from, or what the role may do disagree
with what Terraform makes."""
from __future__ import annotations

import re

import pytest
import yaml

import tfmodel

REPO = tfmodel.REPO
RELEASE = REPO / ".github" / "workflows" / "release.yml"
ENVS = tfmodel.ENVS


def workflow() -> dict:
    return yaml.safe_load(RELEASE.read_text())


def web_job() -> dict:
    jobs = [j for j in workflow()["jobs"].values()
            if any("aws s3" in s.get("run", "") for s in j.get("steps", []))]
    assert len(jobs) == 1, "exactly one release job uploads to S3"
    return jobs[0]


def run_script(job) -> str:
    return "\n".join(s.get("run", "") for s in job["steps"])


def env_for_ref(ref: str) -> str:
    """Evaluate the job's WEB_ENV expression for a pushed ref (main or a release tag)."""
    expr = web_job()["env"]["WEB_ENV"]
    m = re.fullmatch(r"\$\{\{\s*startsWith\(github\.ref, '([^']+)'\) && '(\w+)' \|\| '(\w+)'\s*\}\}", expr)
    assert m, f"WEB_ENV changed shape: {expr}"
    prefix, if_match, otherwise = m.groups()
    return if_match if ref.startswith(prefix) else otherwise


def substitute(text: str, env: str) -> str:
    return (text.replace("${{ env.WEB_ENV }}", env).replace("${WEB_ENV}", env).replace("$WEB_ENV", env))


def edge(env: str):
    return tfmodel.module_scopes(env)["edge"]


def pushed_refs() -> dict[str, str]:
    """A ref per trigger of the workflow: the branch(es) and a tag matching its tag pattern."""
    on = workflow().get("on", workflow().get(True))
    push = on["push"]
    refs = {}
    for branch in push.get("branches", []):
        refs[f"refs/heads/{branch}"] = "branch"
    for pattern in push.get("tags", []):
        refs["refs/tags/" + pattern.replace("*", "1")] = "tag"
    assert refs, "release.yml is not triggered by pushes"
    return refs


def subject_match(subject: str, sub_claim: str) -> bool:
    """IAM StringLike on token.actions.githubusercontent.com:sub (`*` any run, `?` one char)."""
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in subject)
    return re.fullmatch(rx, sub_claim) is not None


def role_subjects(env: str) -> list[str]:
    """The deploy role's subjects as the composition passes them (`for ref in var.web_deploy_refs`)."""
    expr = tfmodel.composition(env).stack.modules["edge"]["web_deploy_subjects"]
    assert expr == '${[for ref in var.web_deploy_refs : "${var.github_repository}:ref:${ref}"]}', expr
    tfvars = tfmodel.tfvars(env)
    return [f"{tfvars['github_repository']}:ref:{ref}" for ref in tfvars["web_deploy_refs"]]


# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("env", ENVS)
def test_the_workflow_assumes_the_role_terraform_makes_for_the_environment(env):
    job = web_job()
    assert job["permissions"].get("id-token") == "write" and job["needs"] == "ci"
    creds = next(s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@"))
    arn = substitute(creds["with"]["role-to-assume"], env)
    m = re.fullmatch(r"arn:aws:iam::\$\{\{ vars\.AWS_ACCOUNT_ID \}\}:role/([\w+=,.@-]+)", arn)
    assert m, f"role-to-assume {arn!r}: not arn:aws:iam::<AWS_ACCOUNT_ID>:role/<name>"
    e = edge(env)
    role = e.stack.modules["web_deploy_role"]
    assert role["source"] == "terraform-aws-modules/iam/aws//modules/iam-github-oidc-role"
    assert m.group(1) == e.eval(role["name"]), f"workflow assumes {m.group(1)}, Terraform makes {e.eval(role['name'])}"
    # The job's region is the environment's (the SSM parameters live there).
    region = re.search(r"AWS_REGION: \$\{\{ vars\.AWS_REGION \|\| '([\w-]+)' \}\}", RELEASE.read_text())
    assert region and region.group(1) == tfmodel.tfvars(env)["region"]


@pytest.mark.parametrize("env", ENVS)
def test_the_role_trusts_exactly_the_refs_that_deploy_its_environment(env):
    subjects = role_subjects(env)
    assert subjects, f"{env}: the web deploy role trusts no ref (no role is made)"
    global_repo = tfmodel.hcl.parse_file(tfmodel.TERRAFORM / "global" / "terraform.tfvars")["github_repository"]
    assert tfmodel.tfvars(env)["github_repository"] == global_repo, "another repository than the image release role's"
    for ref in pushed_refs():
        claim = f"repo:{global_repo}:ref:{ref}"
        trusted = any(subject_match("repo:" + s, claim) for s in subjects)
        assert trusted == (env_for_ref(ref) == env), f"{env} role {'trusts' if trusted else 'refuses'} {ref}, which deploys {env_for_ref(ref)}"
    assert not any(s.endswith(":*") or ":pull_request" in s for s in subjects), subjects


@pytest.mark.parametrize("env", ENVS)
def test_the_workflow_reads_the_parameters_terraform_writes_with_the_bucket_and_distribution(env):
    script = substitute(run_script(web_job()), env)
    e = edge(env)
    params = {}
    for key, value_ref in (("web_bucket", "${module.web_bucket.s3_bucket_id}"),
                           ("web_distribution_id", "${module.cdn.cloudfront_distribution_id}")):
        res = e.stack.resources[f"aws_ssm_parameter.{key}"]
        assert res["value"] == value_ref, f"aws_ssm_parameter.{key} holds {res['value']}, not {value_ref}"
        params[key] = e.eval(res["name"])
    bucket = re.search(r'bucket="\$\(aws ssm get-parameter --name "([^"]+)"', script)
    dist = re.search(r'distribution="\$\(aws ssm get-parameter --name "([^"]+)"', script)
    assert bucket and bucket.group(1) == params["web_bucket"], f"workflow reads {bucket and bucket.group(1)}, Terraform writes {params['web_bucket']}"
    assert dist and dist.group(1) == params["web_distribution_id"], f"workflow reads {dist and dist.group(1)}, Terraform writes {params['web_distribution_id']}"
    # ... and uses exactly those: every upload goes to s3://${bucket}, the invalidation to $distribution.
    targets = re.findall(r'"s3://([^"/]*)', script)
    assert targets and set(targets) == {"${bucket}"}, targets
    assert re.search(r'create-invalidation --distribution-id "\$distribution"', script)
    # The bucket in the parameter is the one CloudFront reads the web app from.
    assert e.stack.modules["web_bucket"]["bucket"] == "${local.web_bucket}"
    assert e.stack.locals["web_origin"].startswith("${local.web_bucket}.s3.")
    cdn = e.stack.modules["cdn"]
    assert cdn["origin"]["web"]["domain_name"] == "${local.web_origin}"
    assert cdn["default_cache_behavior"]["target_origin_id"] == "web"


def statements(env):
    e = edge(env)
    role = e.stack.modules["web_deploy_role"]
    assert role["policies"] == {"web_deploy": "${module.web_deploy_policy.arn}"}, "the role carries other policies"
    policy = e.stack.modules["web_deploy_policy"]
    assert policy["policy"] == "${data.aws_iam_policy_document.web_deploy.json}"
    return e.stack.data["aws_iam_policy_document.web_deploy"]["statement"]


@pytest.mark.parametrize("env", ENVS)
def test_the_role_may_upload_to_that_bucket_and_invalidate_that_distribution_only(env):
    granted: dict[str, set[str]] = {}
    for st in statements(env):
        assert st.get("effect", "Allow") == "Allow" and "condition" not in st
        for action in st["actions"]:
            assert "*" not in action, action
            granted.setdefault(action, set()).update(st["resources"])
    assert granted == {
        "s3:PutObject": {"${module.web_bucket.s3_bucket_arn}/*"},
        "s3:ListBucket": {"${module.web_bucket.s3_bucket_arn}"},
        "cloudfront:CreateInvalidation": {"${module.cdn.cloudfront_distribution_arn}"},
        "cloudfront:GetInvalidation": {"${module.cdn.cloudfront_distribution_arn}"},
        "ssm:GetParameter": {"${aws_ssm_parameter.web_bucket.arn}", "${aws_ssm_parameter.web_distribution_id.arn}"},
    }, granted
    # What the workflow runs needs nothing more (and nothing the role lacks).
    script = run_script(web_job())
    used = set()
    if "aws ssm get-parameter" in script:
        used.add("ssm:GetParameter")
    if re.search(r"aws s3 (sync|cp) ", script):
        used |= {"s3:PutObject"}
    if "aws s3 sync" in script:
        used.add("s3:ListBucket")
    if "create-invalidation" in script:
        used.add("cloudfront:CreateInvalidation")
    if "wait invalidation-completed" in script:
        used.add("cloudfront:GetInvalidation")
    assert used == set(granted), f"workflow uses {sorted(used)}, the role grants {sorted(granted)}"
    assert not re.search(r"aws s3 (rm|sync[^\n]*--delete)", script), "the role may not delete: old assets stay"


def test_hashed_assets_are_immutable_and_index_html_is_not_cached():
    script = run_script(web_job())
    assets = re.search(r'aws s3 sync web/dist/assets "s3://\$\{bucket\}/assets"[^\n]*\\\n\s*--cache-control "([^"]+)"', script)
    assert assets and assets.group(1) == "public, max-age=31536000, immutable"
    index = re.search(r'aws s3 cp web/dist/index.html "s3://\$\{bucket\}/index.html"[^\n]*\\\n\s*--cache-control "([^"]+)"', script)
    assert index and index.group(1) == "no-cache"
    # index.html goes up after the assets it references, and the invalidation after both.
    assert script.index("web/dist/assets") < script.index("web/dist/index.html") < script.index("create-invalidation")
    build = next(s for s in web_job()["steps"] if "npm run build" in s.get("run", ""))
    assert build["working-directory"] == "web" and "npm ci" in build["run"]


def test_the_image_carries_the_same_web_build():
    image = workflow()["jobs"]["image"]
    names = [s.get("name") or s.get("uses") for s in image["steps"]]
    build_web = next(i for i, s in enumerate(image["steps"]) if "npm run build" in s.get("run", ""))
    build_image = next(i for i, s in enumerate(image["steps"]) if s.get("uses", "").startswith("docker/build-push-action@"))
    assert build_web < build_image, names
    assert "WEB_REQUIRED=true" in image["steps"][build_image]["with"]["build-args"]
    dockerfile = (REPO / "deploy" / "docker" / "Dockerfile").read_text()
    assert "WAYFARE_WEB_DIR=/usr/share/wayfare/web" in dockerfile
    assert "cp -a web/dist/. /out/usr/share/wayfare/web/" in dockerfile and "ARG WEB_REQUIRED" in dockerfile
