"""The molecule verifiers' checks (molecule/shared/lab_checks.py) reach the lab's hosts as the inventory says,
Kerberos with a forwarded TGT from the lab's KDC, and not over the NTLM that testinfra's winrm backend is
fixed to: the lab's request log, which records how each WinRM session logged on, shows it, and a check
that crosses a second hop (which the lab refuses to NTLM) passes."""
from __future__ import annotations

import subprocess
import sys

from conftest import REPO, _env

CHECKS = REPO / "molecule" / "shared"


def run_check(lab, tmp_path, expression: str) -> subprocess.CompletedProcess:
    """``expression`` evaluated with lab_checks imported, in a process of its own as molecule's verifier runs it."""
    env = _env()
    env.update(PCHAT_LAB_STATE_DIR=str(lab.state_dir), PCHAT_REPORT_DIR=str(tmp_path))
    env.pop("MOLECULE_INVENTORY_FILE", None)          # outside molecule: inventories/lab
    return subprocess.run([sys.executable, "-c", "import lab_checks; print(%s)" % expression], cwd=CHECKS,
                          env=env, capture_output=True, text=True, timeout=300, check=False)


def test_a_check_logs_on_with_kerberos_and_delegation_and_crosses_the_second_hop(lab, tmp_path):
    # From the file server to the legacy server's share: what the cutover's file copy does.
    script = "Test-Path -LiteralPath '\\\\gc01.contoso.local\\GroupChatFiles'"
    start = lab.log_length()
    done = run_check(lab, tmp_path, "lab_checks.powershell('fs01', %r)" % script)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "['True']"
    entries = lab.log(start)
    commands = [e for e in entries if e["action"] == "Command" and e["script"] == script]
    assert [(e["host"].lower(), e["user"], e["logon"], e["delegated"]) for e in commands] == \
        [("fs01", "CONTOSO\\lyncadmin", "Kerberos", True)]
    hops = [(e["user"], e["status"]) for e in entries if e["action"] == "SecondHop"]
    assert hops == [("CONTOSO\\lyncadmin", 200)]
    assert {e["logon"] for e in entries if e["logon"]} == {"Kerberos"}
