#!/usr/bin/env bash
# The main job: start the lab (a Lync 2010 Group Chat pool beside a Lync 2013 Persistent Chat pool),
# then run the migration playbook against it and say where its report is.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$PWD/ansible.cfg"

topology=${PCHAT_LAB_TOPOLOGY:-lync2010}
dataset=${PCHAT_LAB_DATASET:-standard}
pchat-lab up --topology "$topology" --dataset "$dataset" --state-dir .lab-state
ansible-playbook -i inventories/lab playbooks/migrate.yml "$@"
echo
echo "Report: $PWD/reports/lab/report.html (and report.json beside it)"
