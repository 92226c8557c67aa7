"""Fixtures of the cross-stack contract suite: the chart rendered per environment exactly as Argo CD
layers it (render.py's value sets), each cluster's kustomized Argo CD root, and Terraform read
statically (tfmodel.py)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import render  # noqa: E402


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[dict]]:
    out = os.environ.get("WAYFARE_RENDER_DIR")
    sets = {}
    for value_set in render.VALUE_SETS:
        path = Path(out) / f"{value_set}.yaml" if out else None
        text = path.read_text() if path and path.exists() else render.render(value_set)[1]
        sets[value_set] = [d for d in yaml.safe_load_all(text) if d]
    return sets
