"""Apply the committed piccolo migrations to an engine."""

from __future__ import annotations

import contextlib
import io
import sys

from piccolo.engine.base import Engine

from backend.lib.sqlite_ids import never_reuse_ids
from backend.settings import ROOT


async def migrate(engine: Engine, quiet: bool = False) -> str:
    """Run every pending migration against `engine`; return piccolo's report."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import piccolo_conf

    piccolo_conf.DB = engine  # piccolo's migration machinery looks the engine up here
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.apps.migrations.tables import Migration

    # The table of applied migrations keeps the first engine it was used with: a second
    # call with another database would read the first one's record and apply nothing.
    Migration._meta.db = engine

    out = io.StringIO()
    with contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
        result = await run_forwards("all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}\n{out.getvalue()}")
    converted = await never_reuse_ids(engine)  # SQLite: AUTOINCREMENT ids (backend/lib/sqlite_ids.py)
    if converted:
        out.write(f"ids never reused (AUTOINCREMENT) in {len(converted)} tables: {', '.join(converted)}\n")
    return out.getvalue()
