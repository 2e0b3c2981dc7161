#!/usr/bin/env bash
# The whole suite on SQLite, then again on a throwaway PostgreSQL cluster when its server
# binaries are installed (Debian: apt-get install postgresql).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest -q "$@"
if .venv/bin/python -c 'from tests.fixtures.postgres import ThrowawayPostgres as P; raise SystemExit(0 if P.available() else 1)'; then
  echo "== same suite on PostgreSQL =="
  .venv/bin/python -m pytest -q --db=postgres "$@"
else
  echo "PostgreSQL server binaries not found: suite run on SQLite only"
fi
