"""Helpers shared by the migration-step integration tests (service, sql_backup, data_export,
data_import, filestore_sync, legacy_endpoint, trusted_application): ad hoc runs with JSON arguments,
the lab's state and request log, and counting round trips."""
from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from conftest import PORT_OFFSET, run_ansible, run_playbook

PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
# The lab inventory logs on with Kerberos, which names the user as user@REALM (the lab's KDC has a
# principal per lab account); JSON keeps -e from parsing the value.
READONLY = ("-e", json.dumps({"ansible_user": "readonly@CONTOSO.LOCAL", "ansible_password": "Read-0nly!"}))


def module(lab, host: str, name: str, args: dict, *extra: str):
    """Run one module ad hoc on one host with JSON arguments; (status, result, log entries of the run)."""
    before = lab.log_length()
    results = run_ansible(host, "-m", "lync.persistent_chat.%s" % name, "-a", json.dumps(args),
                          "-e", "pchat_lab_state_dir=%s" % lab.state_dir, *extra)
    process = results["_process"]
    assert host in results, process.stdout + process.stderr
    status, result = results[host]
    return status, result, lab.log(before)


def playbook(lab, name: str, *extra: str):
    process = run_playbook(PLAYBOOKS / ("%s.yml" % name), "--diff", "-e", "pchat_lab_state_dir=%s" % lab.state_dir,
                           *extra)
    assert process.returncode == 0, process.stdout[-6000:] + process.stderr[-3000:]
    return process


def state(lab) -> dict:
    return lab.call("GET", "/state")


def round_trips(entries: list) -> int:
    """Scripts the run sent (one Command per round trip)."""
    return sum(1 for entry in entries if entry["action"] == "Command")


def scripts(entries: list) -> list:
    """The script of each round trip. The client sends a fixed bootstrap on the command line and the script on
    stdin, base64 of its UTF-8 bytes: the lab logs the whole of it with the Send that closes stdin."""
    result = []
    for entry in entries:
        if entry["action"] == "Command":
            result.append(entry.get("script") or "")
        elif entry["action"] == "Send" and entry.get("script") and result:
            result[-1] = base64.b64decode(entry["script"]).decode("utf-8")
    return result


assert PORT_OFFSET == int(os.environ.get("PCHAT_LAB_PORT_OFFSET", "0") or 0)
