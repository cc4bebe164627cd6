#!/usr/bin/env bash
# Run `ansible-test sanity` on the collection with no ignore files.
#
# ansible-test needs the collection at .../ansible_collections/<namespace>/<name>/ and lists files with
# git, so this copies the repository's tracked and new (not ignored) files, minus what is not part of
# the collection (the lab, virtualenvs), into a temporary tree, commits them to a throwaway git
# repository there, and runs ansible-test from it. --venv lets ansible-test install each sanity
# test's pinned tools into its own virtualenvs (from PyPI). The ShellCheck sanity test needs the
# ShellCheck program installed (apt-get install shellcheck); without it ansible-test only warns.
#
# Usage: tests/sanity/run.sh [--keep] [--units] [-- extra ansible-test arguments, e.g. --test pep8]
#   --units  run `ansible-test units` from the same snapshot instead of sanity
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-$repo/.venv/bin/python}
ansible_test=${ANSIBLE_TEST:-$repo/.venv/bin/ansible-test}
keep=0
command=sanity
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1; shift ;;
    --units) command=units; shift ;;
    --) shift; break ;;
    *) break ;;
  esac
done

# ansible-test bootstraps pip in each venv with a get-pip script from ci-files.testing.ansible.com.
# Where that host is unreachable (but PyPI is not), provide the script it would have cached: a shim
# that runs pip from the official pip wheel, downloaded once with pip itself.
bootstrap_pip() {
  local version cache shim wheel
  version=$("$python" -c 'import inspect, re
from ansible_test._internal import python_requirements as m
print(re.search(r"pip=.([0-9.]+).", inspect.getsource(m.get_venv_packages)).group(1))')
  cache="$HOME/.ansible/test/cache"
  shim="$cache/get_pip_${version//./_}.py"
  if [ -f "$shim" ]; then return 0; fi
  if "$python" -c "import urllib.request as u; u.urlopen('https://ci-files.testing.ansible.com/', timeout=10)" 2>/dev/null; then
    return 0  # reachable: ansible-test downloads the real script itself
  fi
  mkdir -p "$cache"
  "$python" -m pip download -q --no-deps --only-binary=:all: -d "$cache" "pip==$version"
  wheel=$(find "$cache" -maxdepth 1 -name "pip-$version-*.whl" -print -quit)
  cat > "$shim.tmp" <<PY
# Stand-in for get-pip.py $version (written by tests/sanity/run.sh): install pip from its wheel.
import sys
sys.path.insert(0, "$wheel")
from pip._internal.cli.main import main
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--no-cache-dir"] + args))
PY
  mv "$shim.tmp" "$shim"
}

cleanup() {
  if [ "$keep" -eq 0 ]; then
    rm -rf "$work"
  else
    echo "sanity tree kept at $work" >&2
  fi
}

bootstrap_pip

work=$(mktemp -d "${TMPDIR:-/tmp}/pchat-sanity.XXXXXX")
trap cleanup EXIT
dest="$work/ansible_collections/lync/persistent_chat"
mkdir -p "$dest"

# Tracked and new files as git sees them (.gitignore'd files stay out), minus non-collection trees and
# files deleted from the work tree but still in the index.
cd "$repo"
git ls-files -z --cached --others --exclude-standard \
  | grep -zvE '^(lab|\.venv|\.collections|\.lab-state|\.build|reports)/' \
  | while IFS= read -r -d '' path; do
      if [ -e "$path" ] || [ -L "$path" ]; then cp --parents -P "$path" "$dest"; fi
    done

cd "$dest"
git init -q
# ansible-test writes its own virtualenvs and results under tests/output; keep them out of its file list.
printf 'tests/output/\n' >> .git/info/exclude
git -c user.name=sanity -c user.email=sanity@localhost add -A
git -c user.name=sanity -c user.email=sanity@localhost commit -qm "sanity snapshot"

python_version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
"$ansible_test" "$command" --venv --python "$python_version" --color no "$@"
