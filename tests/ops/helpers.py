"""Shared steps of the operations tests: fresh databases in the session's PostgreSQL cluster,
`vigie` subcommands as real processes."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from typing import Any

import asyncpg
import pytest

from backend.db import is_postgres_url
from backend.lib.supervisor import terminate
from backend.settings import ROOT

_names = itertools.count(1)


def postgres_only(url: str) -> None:
    """Skip, saying why, unless the suite runs on PostgreSQL (`pytest --db=postgres`)."""
    if not is_postgres_url(url):
        pytest.skip("several instances share one database only on PostgreSQL: run with --db=postgres")


async def fresh_postgres_database(cluster_url: str, prefix: str = "vigie_ops") -> str:
    """CREATE DATABASE <prefix>_<n>_<pid> in the cluster of `cluster_url`; its URL."""
    name = f"{prefix}_{next(_names)}_{os.getpid()}"
    conn = await asyncpg.connect(cluster_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return cluster_url.rsplit("/", 1)[0] + "/" + name


def vigie_env(**values: Any) -> dict[str, str]:
    """The environment of a `vigie` process: ours without any VIGIE_*, plus VIGIE_<KEY>=value."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIE_")}
    env.update({"VIGIE_ENV": "test", "VIGIE_LOG_LEVEL": "WARNING"})
    env.update({f"VIGIE_{k.upper()}": str(v) for k, v in values.items()})
    return env


def vigie(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `vigie <args>` to the end; its output."""
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def vigie_process(*args: str, env: dict[str, str], log: Any = subprocess.DEVNULL) -> subprocess.Popen[str]:
    """Start `vigie <args>` in its own process group."""
    return subprocess.Popen([sys.executable, "-m", "backend.cli", *args], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def stop(proc: subprocess.Popen[Any], timeout: float = 15) -> None:
    """SIGTERM, then SIGKILL if it has not ended within `timeout` s (a stuck process must not
    outlive the test)."""
    terminate(proc, timeout)
