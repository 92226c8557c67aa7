"""Load every Terraform root and module under infra/terraform into plain Python structures.

python-hcl2 (8.x) keeps the quotes of string literals and block labels and marks blocks with
``__is_block__``; ``clean`` strips both so the tests read values as Terraform would print them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import hcl2

INFRA = Path(__file__).resolve().parents[1]
TERRAFORM = INFRA / "terraform"

HCL2_MARKERS = {"__is_block__", "__comments__", "__inline_comments__"}
META_ARGS = {"source", "version", "providers", "count", "for_each", "depends_on"}


def clean(value):
    if isinstance(value, dict):
        return {clean_key(k): clean(v) for k, v in value.items() if k not in HCL2_MARKERS}
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def clean_key(key: str) -> str:
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == '"' else key


def labelled(blocks) -> dict:
    """[{label: body}, ...] -> {label: body}."""
    out = {}
    for block in blocks or []:
        for label, body in block.items():
            out[label] = body
    return out


@dataclass
class Stack:
    """One directory of .tf files: a root (env, global, bootstrap) or a reusable module."""

    path: Path
    text: str = ""
    variables: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    modules: dict = field(default_factory=dict)
    resources: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    locals: dict = field(default_factory=dict)
    terraform: list = field(default_factory=list)
    providers: list = field(default_factory=list)

    @property
    def rel(self) -> str:
        return str(self.path.relative_to(INFRA.parent))

    @property
    def required_variables(self) -> set:
        return {name for name, body in self.variables.items() if "default" not in body}

    def required_providers(self) -> dict:
        out = {}
        for block in self.terraform:
            for rp in block.get("required_providers", []):
                out.update(rp)
        return out

    def backends(self) -> dict:
        out = {}
        for block in self.terraform:
            for backend in block.get("backend", []):
                out.update(backend)
        return out

    def required_version(self):
        for block in self.terraform:
            if "required_version" in block:
                return block["required_version"]
        return None


def parse_file(path: Path) -> dict:
    with path.open() as fh:
        return clean(hcl2.load(fh))


def load_stack(path: Path) -> Stack:
    stack = Stack(path=path)
    for tf in sorted(path.glob("*.tf")):
        doc = parse_file(tf)
        stack.text += tf.read_text() + "\n"
        stack.variables.update(labelled(doc.get("variable")))
        stack.outputs.update(labelled(doc.get("output")))
        stack.modules.update(labelled(doc.get("module")))
        for kind in doc.get("resource", []):
            for rtype, named in kind.items():
                for name, body in named.items():
                    stack.resources[f"{rtype}.{name}"] = body
        for kind in doc.get("data", []):
            for dtype, named in kind.items():
                for name, body in named.items():
                    stack.data[f"{dtype}.{name}"] = body
        for block in doc.get("locals", []):
            stack.locals.update(block)
        stack.terraform.extend(doc.get("terraform", []))
        stack.providers.extend(doc.get("provider", []))
    return stack


def all_tf_files() -> list[Path]:
    return sorted(p for p in TERRAFORM.rglob("*.tf") if ".terraform" not in p.parts)


def module_dirs() -> list[Path]:
    return sorted(p for p in (TERRAFORM / "modules").iterdir() if p.is_dir())


def root_dirs() -> list[Path]:
    roots = [TERRAFORM / "bootstrap", TERRAFORM / "global"]
    # envs/shared is the composition the environments link to, not a root of its own.
    roots += sorted(p for p in (TERRAFORM / "envs").iterdir() if p.is_dir() and p.name != "shared")
    return roots


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"(?m)(^|\s)(#|//).*$", r"\1", text)


def references(text: str, kind: str) -> set:
    """Names after `var.`, `local.` ... in the code (comments stripped)."""
    return set(re.findall(rf"(?<![\w.]){kind}\.([A-Za-z_][\w-]*)", strip_comments(text)))


def module_output_refs(text: str) -> set:
    """(module_name, output_name) pairs of every module.<name>[...].<output> reference."""
    pattern = r"(?<![\w.])module\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?\.([A-Za-z_][\w-]*)"
    return set(re.findall(pattern, strip_comments(text)))


def is_local_source(source: str) -> bool:
    return source.startswith("./") or source.startswith("../")
