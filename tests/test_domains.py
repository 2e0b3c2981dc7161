"""One wiring place: the API, the worker and piccolo take what they run from backend.domains.DOMAINS.

Each check compares what a part actually wires with what the domains declare, so a domain
added to the list is picked up everywhere, and a list kept on the side (or an import that
hides a missing module) fails here.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from litestar import Litestar

from backend import apps, worker
from backend.app import create_app
from backend.delivery import kinds
from backend.domains import CORE_PICCOLO_APP, DOMAINS
from backend.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
WIRING = ["backend/app.py", "backend/worker.py", "backend/apps.py", "backend/domains.py", "piccolo_conf.py"]


def test_domains_are_listed_once_with_their_own_names() -> None:
    names = [d.name for d in DOMAINS]
    assert len(names) == len(set(names)), names
    for domain in DOMAINS:
        module = sys.modules[type(domain).__module__]  # the dataclass; the DOMAIN lives in <domain>/domain.py
        assert module.__name__ == "backend.lib.domain"
        assert (ROOT / "backend" / domain.name / "domain.py").is_file(), domain.name


def _routes_of(app: Litestar) -> set[tuple[str, str]]:
    return {(route.path, method) for route in app.routes for method in getattr(route, "methods", ())}


def test_the_api_serves_every_route_the_domains_declare(fx_settings: Settings, fx_engine: Any) -> None:
    served = _routes_of(create_app(fx_settings, engine=fx_engine))  # the session's engine stays bound
    for domain in DOMAINS:
        declared = _routes_of(Litestar(route_handlers=list(domain.routes), openapi_config=None))
        assert declared, f"{domain.name} declares no route"  # every domain has an API today
        assert declared <= served, f"{domain.name}: not served {sorted(declared - served)}"


def test_the_worker_runs_every_declared_job_and_periodic_task() -> None:
    functions = worker.job_functions()
    periodic = [fn for _, fn in worker.periodic_tasks()]
    for domain in DOMAINS:
        for queue, declared in domain.job_functions.items():
            assert set(declared) <= set(functions[queue]), (domain.name, queue)
        for _, fn in domain.periodic:
            assert fn in periodic, (domain.name, fn)


def test_every_notification_kind_is_declared_once_and_reaches_the_fan_out() -> None:
    declared = [k for d in DOMAINS for k in [*d.notification_kinds, *d.outbox_tasks]]
    twice = [k for k, n in Counter(declared).items() if n > 1]
    assert not twice, f"kinds declared by two domains (one would silently win): {twice}"
    worker.install_notification_kinds()
    for domain in DOMAINS:
        for kind, handler in domain.notification_kinds.items():
            assert kinds.KINDS[kind] is handler
        for kind, task in domain.outbox_tasks.items():
            assert kinds.TASKS[kind] is task


def test_piccolo_reads_the_apps_of_the_domains() -> None:
    import piccolo_conf  # lazy: the piccolo CLI's entry point builds an engine from settings when imported

    expected = [CORE_PICCOLO_APP, *(d.piccolo_app for d in DOMAINS if d.piccolo_app)]
    assert apps.app_modules() == expected
    assert piccolo_conf.APP_REGISTRY.apps == expected
    names = [c.app_name for c in apps.app_configs()]
    assert names[0] == "vigie" and len(names) == len(set(names)) == len(expected)


def test_no_wiring_module_hides_a_missing_domain() -> None:
    """No `except ModuleNotFoundError`/`ImportError`, no importlib, no list of module names."""
    for rel in WIRING:
        tree = ast.parse((ROOT / rel).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                caught = ast.unparse(node.type)
                assert "ModuleNotFoundError" not in caught and "ImportError" not in caught, f"{rel}: except {caught}"
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not any(m == "importlib" or m.startswith("importlib.") for m in modules), rel
            if isinstance(node, ast.Call) and ast.unparse(node.func) in ("__import__", "import_module"):
                raise AssertionError(f"{rel}: dynamic import {ast.unparse(node)}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("backend."):
                assert rel == "backend/domains.py" and node.value == CORE_PICCOLO_APP, f"{rel}: module name {node.value!r}"
