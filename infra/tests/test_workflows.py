"""Supply-chain checks on the GitHub workflows that actionlint does not make."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def steps(doc):
    for job in doc.get("jobs", {}).values():
        yield from job.get("steps", [])


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_third_party_actions_are_pinned_by_commit_sha(path):
    doc = yaml.safe_load(path.read_text())
    for step in steps(doc):
        uses = step.get("uses")
        if uses and not uses.startswith("./"):
            assert SHA_PIN.match(uses), f"{path.name}: {uses} is not pinned to a commit SHA"
    # The tag each SHA stands for is noted next to it.
    for line in path.read_text().splitlines():
        if re.search(r"uses:\s+\S+@[0-9a-f]{40}", line):
            assert re.search(r"#\s*v\d", line), f"{path.name}: no version comment on: {line.strip()}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_least_and_explicit(path):
    doc = yaml.safe_load(path.read_text())
    assert doc.get("permissions") in ({}, {"contents": "read"}), f"{path.name}: top-level permissions"
    for name, job in doc["jobs"].items():
        for scope, level in (job.get("permissions") or {}).items():
            assert level in ("read", "write", "none"), (name, scope, level)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_concurrency_is_set(path):
    doc = yaml.safe_load(path.read_text())
    assert "concurrency" in doc, path.name


def test_release_never_calls_kubectl_and_uses_oidc():
    text = (REPO / ".github" / "workflows" / "release.yml").read_text()
    assert "kubectl" not in text
    assert "aws-access-key-id" not in text
    assert "id-token: write" in text
    assert "deploy/docker/Dockerfile" in text


def test_atlantis_has_one_project_per_environment():
    doc = yaml.safe_load((REPO / "atlantis.yaml").read_text())
    dirs = {p["dir"] for p in doc["projects"]}
    assert {"infra/terraform/envs/dev", "infra/terraform/envs/prod", "infra/terraform/global"} <= dirs
    for project in doc["projects"]:
        assert project["autoplan"]["enabled"] is True
        assert "../../modules/**/*.tf" in project["autoplan"]["when_modified"] or project["dir"].endswith("global")
        assert {"approved", "mergeable"} <= set(project["apply_requirements"])


def release():
    return yaml.safe_load((REPO / ".github" / "workflows" / "release.yml").read_text())


def test_release_builds_only_what_ci_passed_scans_it_and_attests_it():
    jobs = release()["jobs"]
    assert jobs["image"]["needs"] == "ci"
    assert "gh run list" in jobs["ci"]["steps"][0]["run"] and "ci.yml" in jobs["ci"]["steps"][0]["run"]
    assert jobs["gitops"]["needs"] == "image"
    build = next(s for s in jobs["image"]["steps"] if s.get("uses", "").startswith("docker/build-push-action@"))
    assert build["with"]["sbom"] is True
    assert build["with"]["provenance"] == "mode=max"
    scan = next(s for s in jobs["image"]["steps"] if "trivy" in s.get("run", ""))
    assert re.search(r"trivy\S* image --exit-code 1 --severity CRITICAL", scan["run"])
    order = [s.get("name") or s.get("uses") for s in jobs["image"]["steps"]]
    assert order.index(scan["name"]) < order.index("Add the semver tag"), "scan before promotion"


def test_prod_promotion_is_two_steps_and_rollback_is_the_same_switch():
    jobs = release()["jobs"]
    prod = next(s for s in jobs["gitops"]["steps"] if "prod step 1" in s.get("name", ""))
    assert "blueGreen[strenv(IDLE)].tag" in prod["run"] and "activeColor" not in prod["run"].split("yq -i", 1)[1].split("\n")[0]
    switch = yaml.safe_load((REPO / ".github" / "workflows" / "switch.yml").read_text())
    triggers = switch.get("on", switch.get(True))  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"workflow_dispatch"} and not (triggers["workflow_dispatch"] or {}).get("inputs")
    run = switch["jobs"]["switch"]["steps"][-1]["run"]
    assert ".serviceDefaults.blueGreen.activeColor = strenv(NEXT)" in run and "gh pr create" in run
