"""Supply chain of the image: base images pinned by digest (the tag stays for readers)."""
from __future__ import annotations

import re
from pathlib import Path

DOCKERFILE = Path(__file__).resolve().parents[2] / "docker" / "Dockerfile"


def test_base_images_are_pinned_by_digest():
    args = dict(re.findall(r"^ARG (BUILDER_IMAGE|RUNTIME_IMAGE)=(\S+)$", DOCKERFILE.read_text(), re.M))
    assert set(args) == {"BUILDER_IMAGE", "RUNTIME_IMAGE"}
    for name, ref in args.items():
        assert re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", ref), f"{name}={ref} is not pinned by digest"
    # Every FROM goes through those arguments or an earlier stage.
    stages = set()
    for line in DOCKERFILE.read_text().splitlines():
        m = re.match(r"FROM (\S+)(?: AS (\S+))?", line)
        if m:
            assert m.group(1) in {"${BUILDER_IMAGE}", "${RUNTIME_IMAGE}"} | stages, line
            if m.group(2):
                stages.add(m.group(2))
