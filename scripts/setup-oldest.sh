#!/usr/bin/env bash
# A second virtual environment, .venv-oldest, with the oldest ansible-core that meta/runtime.yml claims
# (constraints-oldest.txt), the collection's run-time requirements, pytest (with pytest-xdist) and the unit tests' own
# requirements (tests/unit/requirements.txt): scripts/test.sh runs the
# unit tests and a lab playbook with it. Idempotent: it installs only when the pins changed. Needs
# scripts/setup.sh first (system packages, the lab in .venv, the .collections link).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-oldest
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
stamp=$venv/.requirements.sha256
want=$(cat requirements.txt tests/unit/requirements.txt constraints.txt constraints-oldest.txt scripts/setup-oldest.sh | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup-oldest: installing $(grep '^ansible-core==' constraints-oldest.txt) and the requirements into $venv"
  # constraints.txt pins the newest ansible-core; every other pin applies here too.
  grep -v '^ansible-core==' constraints.txt > "$venv/constraints.txt"
  "$venv/bin/pip" install -q -c "$venv/constraints.txt" -c constraints-oldest.txt ansible-core pytest pytest-xdist \
    -r requirements.txt -r tests/unit/requirements.txt
  echo "$want" > "$stamp"
fi
