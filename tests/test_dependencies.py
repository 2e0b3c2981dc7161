"""Dependencies point one way (docs/architecture.md, « Dependency rule »): a test over `ast` of every
module of backend/.

Layers, lowest first; a module may import its own layer and the layers below, never above:

    foundation   settings, lib, db
    audit        audit             (anyone may call it; it reads only the users table above it, and
                                    its admin routes use auth's guards)
    auth         auth
    communities  communities
    engines      delivery, live, health, verification   (used by the features)
    features     alerts, gazette, directory, messages, checkins, mairie, register, partnership, open (the public figures read them)
    rights       privacy           (RGPD: reads every domain's declarations, handed in by the wiring)
    wiring       domains, app, worker, cli, apps, piccolo_app, demo, migrate, ops (the commands)

`devtools` (the embedded Valkey, the dev-only routes) sits beside the wiring: only the wiring's
`domains` and `cli` may import it, never a domain. Every import counts — at module level, inside a
function, under `if TYPE_CHECKING:` — and no two modules import each other, directly or through
others. A function-level import is allowed only as a deliberate lazy import (the wiring's command
line, heavy optional modules), with a comment that says « lazy » on its line or just above its
block of imports.

The checker is tested too, on small synthetic trees: a wrong import must fail it.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LAYERS: list[tuple[str, frozenset[str]]] = [
    ("foundation", frozenset({"settings", "lib", "db"})),
    ("audit", frozenset({"audit"})),
    ("auth", frozenset({"auth"})),
    ("communities", frozenset({"communities"})),
    ("engines", frozenset({"delivery", "live", "health", "verification"})),
    ("features", frozenset({"alerts", "gazette", "directory", "messages", "checkins", "mairie", "register", "partnership", "open"})),
    ("rights", frozenset({"privacy"})),
    ("wiring", frozenset({"__init__", "domains", "app", "worker", "cli", "apps", "piccolo_app", "demo", "migrate", "ops"})),
]
DEV_ONLY = "devtools"
DEV_IMPORTERS = frozenset({"domains", "cli"})
"""The only units that may import devtools: the list of domains (its dev routes guard themselves) and `vigie dev`."""
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("audit", "backend.auth.tables"): "the audit log keeps the actor's name, read from the users table",
    ("backend.audit.routes", "backend.auth.guards"): "the admins' view of the log is guarded like every route",
}
"""(unit or module, imported module) allowed against the layers, with the reason."""


@dataclass(frozen=True)
class Import:
    source: str  # module that imports, e.g. backend.alerts.routes
    target: str  # module imported (the longest module of the tree the name starts with)
    line: int
    in_function: bool
    comment: str  # the import's lines and the line above its block of imports, for the lazy-import rule


def comment_of(lines: list[str], node: ast.stmt) -> str:
    """The import's own lines, the imports just above it and the line above those (where a comment says why)."""
    top = node.lineno - 2
    while top >= 0 and lines[top].strip().startswith(("from ", "import ")):
        top -= 1
    return " ".join(lines[max(0, top):node.end_lineno or node.lineno])


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def imports_of(root: Path, package: str = "backend") -> list[Import]:
    """Every import of a module of `package` by a module of `package` under `root`, wherever it is written."""
    files = {module_name(root, p): p for p in sorted((root / package).rglob("*.py"))}
    found: list[Import] = []
    for source, path in files.items():
        text = path.read_text()
        lines = text.splitlines()
        tree = ast.parse(text)
        in_function: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                in_function.update(id(n) for n in ast.walk(node) if n is not node)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = source.split(".") if path.name == "__init__.py" else source.split(".")[:-1]
                    here = here[:len(here) - node.level + 1]
                    base = ".".join(here + ([base] if base else []))
                names = [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                target = name
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target and target != source:
                    found.append(Import(source, target, node.lineno, id(node) in in_function, comment_of(lines, node)))
    return sorted(set(found), key=lambda i: (i.source, i.line, i.target))


def unit_of(module: str) -> str:
    """backend.alerts.routes -> alerts; backend.app -> app; backend -> __init__."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def layer_of(unit: str) -> int | None:
    return next((i for i, (_, units) in enumerate(LAYERS) if unit in units), None)


def where(imp: Import) -> str:
    return f"{imp.source}:{imp.line}{' (in a function)' if imp.in_function else ''} imports {imp.target}"


def violations(imports: list[Import]) -> list[str]:
    """Imports against the layers (and of devtools outside its importers), each as one readable line."""
    out = []
    for imp in imports:
        source, target = unit_of(imp.source), unit_of(imp.target)
        if source == target or (source, imp.target) in EXCEPTIONS or (imp.source, imp.target) in EXCEPTIONS:
            continue
        if target == DEV_ONLY:
            if source not in DEV_IMPORTERS and source != DEV_ONLY:
                out.append(f"{where(imp)}: devtools is never imported by production code")
            continue
        low, high = layer_of(target), layer_of(source if source != DEV_ONLY else "domains")
        if low is None or high is None:
            out.append(f"{where(imp)}: {target if low is None else source} has no layer (tests/test_dependencies.py)")
        elif low > high:
            out.append(f"{where(imp)}: {LAYERS[high][0]} may not import {LAYERS[low][0]}")
    return out


def cycles(imports: list[Import]) -> list[list[str]]:
    """The import cycles between modules: each strongly connected group of two or more modules."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        graph.setdefault(imp.source, set()).add(imp.target)
        graph.setdefault(imp.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def unexplained_function_imports(imports: list[Import]) -> list[str]:
    """Function-level imports that are not a commented lazy import of the wiring (or of devtools)."""
    return [where(imp) for imp in imports if imp.in_function and not (
        "lazy" in imp.comment.lower() and layer_of(unit_of(imp.source)) in (len(LAYERS) - 1, None))]


# The backend ------------------------------------------------------------------------------------

def test_backend_dependencies_point_one_way():
    assert violations(imports_of(ROOT)) == []


def test_backend_has_no_import_cycle():
    assert cycles(imports_of(ROOT)) == []


def test_backend_has_no_function_level_import_to_dodge_a_cycle():
    assert unexplained_function_imports(imports_of(ROOT)) == []


def test_every_backend_package_has_a_layer():
    units = {unit_of(module_name(ROOT, p)) for p in (ROOT / "backend").rglob("*.py")}
    assert sorted(u for u in units if layer_of(u) is None and u != DEV_ONLY) == []


def test_every_function_level_import_says_it_is_lazy():
    """Heavy optional modules imported where used (uvicorn, aiosmtpd…) carry a comment saying so."""
    unexplained = []
    for path in sorted((ROOT / "backend").rglob("*.py")):
        text = path.read_text()
        lines = text.splitlines()
        for func in ast.walk(ast.parse(text)):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    if "lazy" not in comment_of(lines, node).lower():
                        unexplained.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert sorted(set(unexplained)) == []


# The checker itself, on synthetic trees ---------------------------------------------------------

def tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, body in {"backend/__init__.py": "", **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.parents:  # every folder a package
            if parent == tmp_path:
                break
            (parent / "__init__.py").touch()
        path.write_text(textwrap.dedent(body))
    return tmp_path


def test_checker_accepts_imports_that_point_down(tmp_path):
    root = tree(tmp_path, {
        "backend/lib/text.py": "import json\n",
        "backend/auth/service.py": "from backend.lib import text\nfrom backend.audit import service\n",
        "backend/audit/service.py": "from backend.auth.tables import User\nfrom backend.lib.text import fold\n",
        "backend/auth/tables.py": "",
        "backend/alerts/routes.py": "from backend.communities.service import x\nfrom backend.delivery import outbox\n",
        "backend/communities/service.py": "from ..auth import service\n",
        "backend/delivery/outbox.py": "",
        "backend/domains.py": "from backend.devtools.domain import DOMAIN\n",
        "backend/devtools/domain.py": "from backend.alerts import routes\n",
    })
    imports = imports_of(root)
    assert ("backend.communities.service", "backend.auth.service") in {(i.source, i.target) for i in imports}
    assert violations(imports) == [] and cycles(imports) == [] and unexplained_function_imports(imports) == []


def test_checker_fails_on_an_import_that_points_up(tmp_path):
    root = tree(tmp_path, {
        "backend/lib/deps.py": "from backend.auth.principal import Principal\n",
        "backend/auth/principal.py": "",
    })
    assert violations(imports_of(root)) == [
        "backend.lib.deps:1 imports backend.auth.principal: foundation may not import auth"]


def test_checker_sees_function_level_and_type_checking_imports(tmp_path):
    root = tree(tmp_path, {
        "backend/communities/service.py": """\
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from backend.verification.tables import Letter

            async def ensure():
                from backend.mairie import audit
                return audit
        """,
        "backend/verification/tables.py": "",
        "backend/mairie/audit.py": "",
    })
    imports = imports_of(root)
    assert violations(imports) == [
        "backend.communities.service:3 imports backend.verification.tables: communities may not import engines",
        "backend.communities.service:6 (in a function) imports backend.mairie.audit: "
        "communities may not import features",
    ]
    assert unexplained_function_imports(imports) == [
        "backend.communities.service:6 (in a function) imports backend.mairie.audit"]


def test_checker_fails_on_devtools_in_production_code(tmp_path):
    root = tree(tmp_path, {
        "backend/alerts/service.py": "from backend.devtools import embedded\n",
        "backend/devtools/embedded.py": "",
    })
    assert violations(imports_of(root)) == [
        "backend.alerts.service:1 imports backend.devtools.embedded: devtools is never imported by production code"]


def test_checker_fails_on_a_package_without_a_layer(tmp_path):
    root = tree(tmp_path, {"backend/alerts/routes.py": "from backend.moderation import queue\n",
                           "backend/moderation/queue.py": ""})
    assert violations(imports_of(root)) == [
        "backend.alerts.routes:1 imports backend.moderation.queue: moderation has no layer (tests/test_dependencies.py)"]


def test_checker_finds_import_cycles_inside_a_layer(tmp_path):
    root = tree(tmp_path, {
        "backend/alerts/routes.py": "from backend.alerts import sms_inbound\n",
        "backend/alerts/sms_inbound.py": "def routes():\n    from backend.alerts.routes import after_commit\n",
        "backend/mairie/notify.py": "from backend.mairie.broadcasts import x\n",
        "backend/mairie/broadcasts.py": "from backend.mairie.area import y\n",
        "backend/mairie/area.py": "import backend.mairie.notify\n",
    })
    imports = imports_of(root)
    assert violations(imports) == []
    assert cycles(imports) == [["backend.alerts.routes", "backend.alerts.sms_inbound"],
                               ["backend.mairie.area", "backend.mairie.broadcasts", "backend.mairie.notify"]]
    assert unexplained_function_imports(imports) == [
        "backend.alerts.sms_inbound:2 (in a function) imports backend.alerts.routes"]


def test_checker_accepts_a_commented_lazy_import_of_the_wiring_only(tmp_path):
    root = tree(tmp_path, {
        "backend/cli.py": "def run():\n    # lazy: `vigie --help` stays fast\n    from backend.app import create_app\n"
                          "    from backend.worker import Worker\n",
        "backend/app.py": "",
        "backend/worker.py": "",
        "backend/lib/sql.py": "def raw():\n    from backend.db import engine  # lazy\n",
        "backend/db.py": "",
    })
    assert unexplained_function_imports(imports_of(root)) == ["backend.lib.sql:2 (in a function) imports backend.db"]
