#!/usr/bin/env bash
# Install everything the collection, the lab and the tests need on a Debian machine. Idempotent: each
# step checks before it acts, so running it again is quick and changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# System packages: Python with venv, unixODBC and the SQLite3 ODBC driver (the lab's SQL instances),
# ShellCheck (ansible-test sanity), Chromium and a Korean font (the HTML report, CJK room names included, is
# checked in a headless browser).
# MIT Kerberos: the lab's KDC (krb5-kdc; kadmin.local from krb5-admin-server, whose kadmind is never
# run), kinit for clients (krb5-user), and libkrb5-dev to compile gssapi/krb5/pykerberos (pip, ~4 min).
# For a real SQL Server install Microsoft's msodbcsql18 or FreeTDS (tdsodbc) instead; see README.
packages=(python3 python3-venv python3-dev gcc unixodbc odbcinst libsqliteodbc git shellcheck chromium
          fonts-noto-cjk krb5-kdc krb5-admin-server krb5-user libkrb5-dev)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
odbcinst -q -d -n SQLite3 >/dev/null 2>&1 || { echo "setup: the SQLite3 ODBC driver is not registered in odbcinst.ini" >&2; exit 1; }

# A virtual environment with the Python requirements at the versions constraints.txt pins, the lab package
# and the collection.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(cat requirements.txt requirements-dev.txt constraints.txt lab/pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python requirements into .venv"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -c constraints.txt -r requirements-dev.txt
  .venv/bin/pip install -q -c constraints.txt -e lab
  echo "$want" > "$stamp"
fi

# The collection, where ansible-playbook finds it (ansible.cfg points collections_path here).
link=.collections/ansible_collections/lync/persistent_chat
if [ ! -L "$link" ]; then
  mkdir -p "$(dirname "$link")"
  ln -sfn "$root" "$link"
fi
