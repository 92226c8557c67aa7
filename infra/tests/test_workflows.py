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
