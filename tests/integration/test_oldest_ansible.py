"""The oldest ansible-core meta/runtime.yml claims runs the collection: the preflight stage playbook and an ad
hoc module against the session's lab with .venv-oldest's ansible (scripts/setup-oldest.sh builds it with the
ansible-core constraints-oldest.txt pins; scripts/test.sh runs the unit tests with it too)."""
from __future__ import annotations

import json
import re
import subprocess

import yaml

from conftest import INVENTORY, REPO, _env

OLDEST_BIN = REPO / ".venv-oldest" / "bin"


def oldest(*argv, **kwargs):
    assert (OLDEST_BIN / argv[0]).exists(), "no %s: run scripts/setup-oldest.sh" % (OLDEST_BIN / argv[0])
    env = _env()
    env["PATH"] = "%s:%s" % (OLDEST_BIN, env["PATH"])
    return subprocess.run([str(OLDEST_BIN / argv[0]), *argv[1:]], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=900, check=False, **kwargs)


def test_the_oldest_venv_has_the_ansible_core_requires_ansible_claims():
    claimed = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())["requires_ansible"]
    pinned = re.search(r"^ansible-core==(\S+)$", (REPO / "constraints-oldest.txt").read_text(), re.M).group(1)
    assert claimed == ">=%s.0" % ".".join(pinned.split(".")[:2])
    version = oldest("ansible-playbook", "--version")
    assert version.returncode == 0 and "[core %s]" % pinned in version.stdout, version.stdout + version.stderr


def test_an_ad_hoc_module_runs_on_the_oldest_ansible_core(lab):
    done = oldest("ansible", "-i", str(INVENTORY), "pchat_frontend", "-o", "-m", "lync.persistent_chat.pool_info",
                  "-e", "pchat_lab_state_dir=%s" % lab.state_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    status, payload = done.stdout.split(" | ", 1)[1].split(" => ", 1)
    assert status == "SUCCESS" and json.loads(payload)["pools"]


def test_the_preflight_playbook_runs_on_the_oldest_ansible_core(lab, tmp_path):
    done = oldest("ansible-playbook", "-i", str(INVENTORY), str(REPO / "playbooks" / "preflight.yml"),
                  "-e", "pchat_lab_state_dir=%s" % lab.state_dir, "-e", "pchat_ledger_dir=%s" % tmp_path,
                  "-e", "pchat_report_dir=%s" % (tmp_path / "report"))
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert json.loads((tmp_path / "lab.json").read_text())["stages"]["preflight"]["status"] == "done"
