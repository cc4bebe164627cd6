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
# The lab refuses the second hop as a domain does, so the migration logs on with Kerberos and delegation
# (inventories/lab): the lab's own KDC must run, and ansible needs its KRB5_CONFIG.
pchat-lab up --topology "$topology" --dataset "$dataset" --state-dir .lab-state --kerberos on
lab_env=$(pchat-lab env --state-dir .lab-state)
eval "$lab_env"
export PCHAT_LAB_STATE_DIR="$PWD/.lab-state"
ansible-playbook -i inventories/lab playbooks/migrate.yml "$@"
echo
echo "Report: $PWD/reports/lab/report.html (and report.json beside it)"
