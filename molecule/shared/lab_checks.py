"""What the molecule verifiers look at, the way a person checking real servers would: PowerShell on the
hosts through pytest-testinfra's ansible backend, which connects as the scenario's inventory says
(inventories/lab: WinRM with Kerberos and delegation from the lab's KDC, kinit by Ansible's winrm
connection) — testinfra's own winrm backend can only speak NTLM; the databases over ODBC; the ledger,
the report and the lab's request log on the controller. Nothing here imports the lab or the collection."""
from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pyodbc
import testinfra

REPO = Path(__file__).resolve().parents[2]
STATE_DIR = Path(os.environ["PCHAT_LAB_STATE_DIR"])
REPORT_DIR = Path(os.environ["PCHAT_REPORT_DIR"])
# The lab's control endpoint (request log, state): its base port shifted like the inventory's.
CONTROL = "http://127.0.0.1:%d" % (15980 + int(os.environ.get("PCHAT_LAB_PORT_OFFSET", "0") or 0))


def inventory() -> str:
    """The scenario's inventory (molecule's, which links inventories/lab), else inventories/lab."""
    molecule_inventory = os.environ.get("MOLECULE_INVENTORY_FILE")
    return str(Path(molecule_inventory).parent) if molecule_inventory else str(REPO / "inventories" / "lab")


def host(name: str):
    return testinfra.get_host("ansible://%s" % name, ansible_inventory=inventory())


def powershell(name: str, script: str) -> list[str]:
    """Run a script on a lab host; its output lines (fails on a non-zero exit). Ansible's raw module over
    winrm hands the script to powershell.exe as it is; testinfra's host.run() would use the shell module,
    which Windows hosts do not have."""
    result = host(name).ansible("raw", script, check=False)
    assert result.get("rc") == 0, (script, result)
    return [line for line in result["stdout"].splitlines() if line.strip()]


def services(name: str, display_pattern: str) -> dict:
    lines = powershell(name, "Get-Service -DisplayName '%s' | ForEach-Object { $_.Name + '=' + $_.Status }"
                       % display_pattern)
    return dict(line.strip().split("=", 1) for line in lines)


def file_count(name: str, folder: str) -> int:
    lines = powershell(name, "(Get-ChildItem -LiteralPath '%s' -Recurse -File | Measure-Object).Count" % folder)
    return int(lines[-1])


def database(name: str):
    path = {"legacy": STATE_DIR / "sql" / "sql01.groupchat" / "groupchat.db",
            "mgc": STATE_DIR / "sql" / "sql01.rtc" / "mgc.db"}[name]
    return pyodbc.connect("Driver=SQLite3;Database=%s;BigInt=1" % path, readonly=True)


def duplicated_messages(connection) -> int:
    """Messages that appear more than once in the same room with the same author, date and text."""
    row = connection.execute("SELECT COUNT(*) FROM (SELECT channelId, userId, chatDate, content, COUNT(*) AS n FROM tblChat "
                             "GROUP BY channelId, userId, chatDate, content HAVING COUNT(*) > 1)").fetchone()
    return int(row[0])


def ledger(migration: str = "lab") -> dict:
    info = json.loads((STATE_DIR / "lab.json").read_text())
    return json.loads((STATE_DIR / "ledger" / str(info["pid"]) / ("%s.json" % migration)).read_text())


def report() -> dict:
    return json.loads((REPORT_DIR / "report.json").read_text())


def request_log() -> list[dict]:
    """The lab's request log: every WinRM request with how its session logged on (``logon``, ``delegated``)."""
    with urllib.request.urlopen(CONTROL + "/log", timeout=60) as response:
        return json.loads(response.read())
