#!/usr/bin/env bash
# The whole test suite, as CI runs it: set up (idempotent), then the lab's own tests, the collection's
# unit tests (on the newest ansible-core and on the oldest meta/runtime.yml claims), ansible-test sanity,
# the documentation and changelog lints, ansible-lint, and the integration tests against one running lab
# (they also build, install and run the collection's tarball, check the execution environment with
# ansible-builder, and run a lab playbook on the oldest ansible-core).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$PWD/ansible.cfg"

# Every step runs even when an earlier one failed, so one CI run shows every problem; the exit code
# says whether all passed.
failed=()
step() {
  local name=$1; shift
  printf '\n=== %s ===\n' "$name"
  local started=$SECONDS
  if "$@"; then
    printf '=== %s: passed in %ss ===\n' "$name" $((SECONDS - started))
  else
    printf '=== %s: FAILED after %ss ===\n' "$name" $((SECONDS - started))
    failed+=("$name")
  fi
}

# Whole files to a worker (--dist loadfile): a module's lab fixtures (the Kerberos realm and its KDC) start
# once, and a module's tests run in order in one process as they do without xdist.
step "lab tests (lab/tests)" pytest -q -p no:cacheprovider -n 2 --dist loadfile lab/tests

# Unit tests on both cores (pytest-xdist): they share no state but their tmp_path.
step "collection unit tests (tests/unit)" pytest -q -p no:cacheprovider -n 2 tests/unit

step "oldest claimed ansible-core in .venv-oldest (scripts/setup-oldest.sh)" ./scripts/setup-oldest.sh

step "collection unit tests on the oldest ansible-core (.venv-oldest)" \
  .venv-oldest/bin/python -m pytest -q -p no:cacheprovider -n 2 tests/unit

step "ansible-test sanity (no ignore files)" tests/sanity/run.sh

step "plugin documentation lint (antsibull-docs)" antsibull-docs lint-collection-docs --plugin-docs .

step "changelog fragments lint (antsibull-changelog)" antsibull-changelog lint

if [ -d roles ] && [ -n "$(ls -A roles playbooks 2>/dev/null)" ]; then
  step "ansible-lint (production profile)" ansible-lint --profile production
fi

# Integration tests in parallel (pytest-xdist): each worker has a session lab of its own (conftest.py), whole
# test files go to one worker in the order conftest.py puts them (slowest first), so a module's tests keep
# their order and shared state. PCHAT_TEST_WORKERS changes the number of workers (1: no xdist).
workers=${PCHAT_TEST_WORKERS:-2}
parallel=(-n "$workers" --dist loadfile --no-loadscope-reorder)
[ "$workers" = 1 ] && parallel=()
step "integration tests against the lab (tests/integration)" \
  pytest -q -p no:cacheprovider "${parallel[@]}" --durations=30 tests/integration

if [ ${#failed[@]} -gt 0 ]; then
  printf '\nFAILED: %s\n' "${failed[*]}"
  exit 1
fi
printf '\nAll test steps passed.\n'
