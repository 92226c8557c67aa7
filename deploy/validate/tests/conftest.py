"""Rendered chart output shared by the tests: one list of objects per CI value set.

verify.sh renders once and points WAYFARE_RENDER_DIR at the result; run alone, the tests render
the chart themselves (helm_python must be importable).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> dict[str, list[dict]]:
    out = os.environ.get("WAYFARE_RENDER_DIR")
    if out:
        out_dir = Path(out)
    else:
        import render

        out_dir = tmp_path_factory.mktemp("render")
        for value_set in render.VALUE_SETS:
            _, text = render.render(value_set)
            (out_dir / f"{value_set}.yaml").write_text(text)
    sets = {}
    for f in sorted(out_dir.glob("*.yaml")):
        sets[f.stem] = [d for d in yaml.safe_load_all(f.read_text()) if d]
    assert {"default", "dev", "prod", "prod-bluegreen-green", "prod-all-services"} <= set(sets)
    return sets


@pytest.fixture(scope="session")
def raw_rendered(rendered) -> dict[str, str]:
    return {name: yaml.safe_dump_all(docs) for name, docs in rendered.items()}
