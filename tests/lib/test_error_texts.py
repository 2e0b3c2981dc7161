"""Every error code raised in backend/ has an English detail (backend/lib/error_texts.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from backend.lib.error_texts import ENGLISH

BACKEND = Path(__file__).resolve().parents[2] / "backend"
ERRORS = {"DomainError", "NotFound", "Forbidden", "Unauthorized", "Conflict", "TooManyRequests", "_error"}
# Codes that reach DomainError through data rather than an argument: perimeter refusals (a
# (code, detail) pair), the Gazette's limits table, the directory's f"invalid_{field}".
THROUGH_DATA = {"commune_mismatch", "outside_perimeter", "gazette_post_rate_limited",
                "gazette_comment_rate_limited", "invalid_bio", "invalid_help_note", "invalid_other_contact"}
DEFAULTS = {"invalid", "not_found", "forbidden", "not_authenticated", "rate_limited"}


def _name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _code_arg(call: ast.Call, position: int) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "code":
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def raised_codes() -> set[str]:
    """Constant codes given to an error (or to a helper whose parameter `code` reaches one)."""
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in BACKEND.rglob("*.py")]
    helpers: dict[str, int] = {}  # function name -> position of its `code` parameter
    for tree in trees:
        for node in ast.walk(tree):
            functions = [(node.name, node)] if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else []
            if isinstance(node, ast.ClassDef):  # a class is called through its __init__
                functions = [(node.name, f) for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"]
            for name, function in functions:
                names = [a.arg for a in function.args.args]
                if "code" in names and name not in ERRORS and name != "__init__":
                    offset = 1 if names[0] in ("self", "cls") else 0
                    helpers[name] = names.index("code") - offset
    codes: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node)
            if name in ERRORS:
                arg = _code_arg(node, 2 if name == "_error" else 1)
            elif name in helpers:
                arg = _code_arg(node, helpers[name])
            else:
                continue
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                codes.add(arg.value)
    return codes


def test_collector_sees_codes_raised_directly_and_through_helpers():
    codes = raised_codes()
    assert {"alert_not_found", "csrf_failed", "invalid_title", "invalid_from", "alert_rate_limited",
            "invalid_interests"} <= codes
    assert len(codes) > 150


def test_every_code_raised_in_backend_has_an_english_detail():
    source = "\n".join(p.read_text(encoding="utf-8") for p in BACKEND.rglob("*.py"))
    assert all(code.removeprefix("invalid_") in source for code in THROUGH_DATA), "a THROUGH_DATA code is stale"
    missing = sorted((raised_codes() | THROUGH_DATA | DEFAULTS) - ENGLISH.keys())
    assert not missing, f"codes without an English detail in backend/lib/error_texts.py: {missing}"


def test_english_details_are_english_sentences():
    for code, text in ENGLISH.items():
        assert text[:1].isupper() and text.rstrip("»").endswith((".", ")")), code
