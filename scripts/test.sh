#!/usr/bin/env bash
# The whole suite on SQLite, then again on a throwaway PostgreSQL cluster when its server
# binaries are installed (Debian: apt-get install postgresql). The browser tests (tests/e2e)
# run once, on SQLite: they drive the same API, which the PostgreSQL pass tests directly; they
# took ~2.7 of the ~6.4 minutes of that pass. VIGIE_E2E_ON_POSTGRES=1 runs them there too.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest -q "$@"
if .venv/bin/python -c 'from tests.fixtures.postgres import ThrowawayPostgres as P; raise SystemExit(0 if P.available() else 1)'; then
  echo "== same suite on PostgreSQL =="
  skip_e2e=(--ignore=tests/e2e)
  [ "${VIGIE_E2E_ON_POSTGRES:-0}" = 1 ] && skip_e2e=()
  .venv/bin/python -m pytest -q --db=postgres "${skip_e2e[@]}" "$@"
else
  echo "PostgreSQL server binaries not found: suite run on SQLite only"
fi
