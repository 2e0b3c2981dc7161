#!/usr/bin/env bash
# Create .venv and install Vigie with what it needs (idempotent: reinstalls only when
# pyproject.toml changed). Used by `make run` and `make test`.
#   scripts/bootstrap.sh          runtime dependencies
#   scripts/bootstrap.sh test     + test dependencies and, as root, Debian's chromium
set -euo pipefail
cd "$(dirname "$0")/.."
want="${1:-run}"

as_root() { [ "$(id -u)" = 0 ]; }
apt_install() {
  if as_root && command -v apt-get >/dev/null; then
    echo "→ apt-get install $*"
    if [ ! -f /tmp/.vigie-apt-updated ]; then apt-get update -qq && touch /tmp/.vigie-apt-updated; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "Veuillez installer : $* (sudo apt-get install $*)" >&2
    return 1
  fi
}

PY=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    PY="$candidate"; break
  fi
done
[ -n "$PY" ] || { apt_install python3 python3-venv; PY=python3; }

if [ ! -x .venv/bin/python ]; then
  echo "→ creating .venv with $PY"
  if ! "$PY" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    apt_install python3-venv
    "$PY" -m venv .venv
  fi
fi

stamp=".venv/.installed-$want-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "→ installing Python packages ($want)"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  if [ "$want" = test ]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
  else
    .venv/bin/python -m pip install -q --disable-pip-version-check -e .
  fi
  rm -f .venv/.installed-"$want"-*
  touch "$stamp"
fi

if [ "$want" = test ] && ! command -v chromium >/dev/null; then
  apt_install chromium || echo "chromium absent : les tests navigateur seront ignorés" >&2
fi

# Activation letters are set in DejaVu (every name prints: « Œ », « ł », Arabic, Vietnamese).
if ! ls /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf >/dev/null 2>&1; then
  apt_install fonts-dejavu-core || echo "fonts-dejavu-core absent : les courriers d'activation n'imprimeront que les noms en Latin-1" >&2
fi
