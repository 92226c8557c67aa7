"""The binary's service registry (app/src/lib.rs MODULES, ARCHITECTURE.md §3), read from the Rust
sources: each listed module's name, dependencies, public routes, whether it is the edge, who may
call its /internal API, and the /internal routes it serves. Only the literal shapes the registry
uses are understood (`&["a", "b"]`, `&[]`, a path to a `pub const X: &[&str] = &[...]` in the same
crate, `NAME`); anything else raises, so a change of shape fails the contract instead of passing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
APP = REPO / "app" / "src" / "lib.rs"
SERVICES = REPO / "services"


class Unreadable(Exception):
    pass


@dataclass
class Module:
    name: str
    crate_dir: Path
    depends_on: list[str]
    edge: bool
    routes: list[str]
    internal_callers: list[str]
    has_database: bool = True
    internal_routes: list[str] = field(default_factory=list)


def _strings(list_literal: str) -> list[str]:
    return re.findall(r'"([^"]*)"', list_literal)


def _crate_dir(crate: str) -> Path:
    """wayfare_auth -> services/auth (the directory whose Cargo.toml names the package)."""
    package = crate.replace("_", "-")
    for manifest in sorted(SERVICES.glob("*/Cargo.toml")):
        if re.search(rf'^name\s*=\s*"{re.escape(package)}"\s*$', manifest.read_text(), re.M):
            return manifest.parent
    raise Unreadable(f"no services/*/Cargo.toml names package {package}")


def _const_list(crate_dir: Path, path: str) -> list[str]:
    """`routes::admin::ALLOWED_CALLERS` -> the list literal of that const in src/routes/admin.rs."""
    *mods, const = path.split("::")
    candidates = [crate_dir / "src" / ("lib.rs" if not mods else f"{'/'.join(mods)}.rs")]
    if mods:
        candidates.append(crate_dir / "src" / "/".join(mods) / "mod.rs")
    for file in candidates:
        if file.exists():
            m = re.search(rf"pub const {const}: &\[&str\] = (&\[[^\]]*\]);", file.read_text())
            if m:
                return _strings(m.group(1))
    raise Unreadable(f"{crate_dir.name}: cannot find const {path}")


def _field(body: str, name: str) -> str:
    """The expression of a struct field, up to the comma that ends it (lists may span lines)."""
    m = re.search(rf"^\s*{name}:\s*", body, re.M)
    if not m:
        raise Unreadable(f"module field {name} not found")
    depth, out = 0, ""
    for ch in body[m.end():]:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            break
        out += ch
    return re.sub(r"\s+", " ", out).strip().replace("[ ", "[").replace(", ]", "]").replace(" ]", "]")


def _list_field(crate_dir: Path, body: str, name: str) -> list[str]:
    raw = _field(body, name)
    if raw.startswith("&["):
        return _strings(raw)
    if re.fullmatch(r"[A-Za-z_][\w:]*", raw):
        return _const_list(crate_dir, raw)
    raise Unreadable(f"{crate_dir.name}: {name}: cannot read {raw!r}")


def _internal_routes(crate_dir: Path) -> list[str]:
    routes = set()
    for rs in (crate_dir / "src").rglob("*.rs"):
        if rs.name == "tests.rs" or "tests" in rs.parts:
            continue
        routes |= set(re.findall(r'\.route\(\s*"(/internal/[^"]*)"', rs.read_text()))
    return sorted(routes)


@lru_cache(maxsize=None)
def modules() -> tuple[Module, ...]:
    text = APP.read_text()
    m = re.search(r"pub static MODULES: &\[&Module\] = &\[(.*?)\];", text, re.S)
    if not m:
        raise Unreadable("app/src/lib.rs: MODULES not found")
    out = []
    for crate in re.findall(r"&(\w+)::MODULE", m.group(1)):
        crate_dir = _crate_dir(crate)
        lib = (crate_dir / "src" / "lib.rs").read_text()
        body_m = re.search(r"pub const MODULE: Module = Module \{(.*?)\n\};", lib, re.S)
        if not body_m:
            raise Unreadable(f"{crate_dir.name}: MODULE not found")
        body = body_m.group(1)
        name = _field(body, "name")
        if name == "NAME":
            nm = re.search(r'pub const NAME: &str = "([^"]+)";', lib)
            if not nm:
                raise Unreadable(f"{crate_dir.name}: NAME not found")
            name = nm.group(1)
        else:
            name = name.strip('"')
        out.append(Module(
            name=name,
            crate_dir=crate_dir,
            depends_on=_list_field(crate_dir, body, "depends_on"),
            edge=_field(body, "edge") == "true",
            routes=_list_field(crate_dir, body, "routes"),
            internal_callers=_list_field(crate_dir, body, "internal_callers"),
            has_database=_field(body, "migrations") != "&[]",
            internal_routes=_internal_routes(crate_dir),
        ))
    return tuple(out)


def by_name() -> dict[str, Module]:
    return {m.name: m for m in modules()}


def token_issuer() -> str:
    """The module whose routes serve the signing keys (auth)."""
    (issuer,) = [m.name for m in modules() if "/.well-known/jwks.json" in m.routes]
    return issuer


def calls(module: Module) -> set[str]:
    """Whom a module calls over the network, as the registry derives it (Registry::check): its
    dependencies, the token issuer for a non-edge service with public routes, and for the edge
    every module with public routes."""
    out = set(module.depends_on)
    if module.edge:
        out |= {m.name for m in modules() if m.routes and not m.edge}
    elif module.routes and module.name != token_issuer():
        out.add(token_issuer())
    return out


def route_regex(route: str) -> re.Pattern:
    """axum route -> regex (`{id}` one segment, `{*rest}` the rest)."""
    parts = re.split(r"(\{\*?\w+\})", route)
    rx = "".join("[^/]+" if p.startswith("{") and not p.startswith("{*") else ".+" if p.startswith("{*") else re.escape(p)
                 for p in parts)
    return re.compile(rf"^{rx}$")


def admin_internal_paths(service: str = "admin") -> list[str]:
    """The /internal paths the back office's source sends requests to, with `X` for path values:
    string literals ("/internal/…", format! placeholders and query strings dropped) and
    `path(&["internal", …, &id, …])` segment lists."""
    found = set()
    for rs in (by_name()[service].crate_dir / "src").rglob("*.rs"):
        text = rs.read_text()
        text = re.sub(r"(?m)^\s*//.*$", "", text)
        for lit in re.findall(r'"(/internal/[^"?{]*)', text):
            found.add(lit.rstrip("/"))
        for seg in re.findall(r'path\(&\[\s*"internal"\s*,([^\]]*)\]\)', text):
            parts = ["internal"]
            for item in seg.split(","):
                item = item.strip()
                if not item:
                    continue
                parts.append(item.strip('"') if item.startswith('"') else "X")
            found.add("/" + "/".join(parts))
    return sorted(found)
