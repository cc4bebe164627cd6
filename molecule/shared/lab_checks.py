"""What the molecule verifiers look at, the way a person checking real servers would: WinRM with NTLM
through pytest-testinfra (cmd-level command lines and `powershell -EncodedCommand`, since testinfra's
host.file() quoting reaches the lab as literal text), the databases over ODBC, and the ledger and report
on the controller. Nothing here imports the lab or the collection."""
from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from urllib.parse import quote

import pyodbc
import testinfra

# Base ports of inventories/lab/hosts.yml, shifted like the inventory by PCHAT_LAB_PORT_OFFSET.
PORTS = {"fe01": 15985, "pc01": 15987, "gc01": 15989, "sql01": 15991, "fs01": 15993}
USER, PASSWORD = "CONTOSO\\lyncadmin", "Lab-Passw0rd!"
STATE_DIR = Path(os.environ["PCHAT_LAB_STATE_DIR"])
REPORT_DIR = Path(os.environ["PCHAT_REPORT_DIR"])


def host(name: str):
    port = PORTS[name] + int(os.environ.get("PCHAT_LAB_PORT_OFFSET", "0") or 0)
    return testinfra.get_host("winrm://%s:%s@127.0.0.1:%d?no_ssl=true" % (quote(USER, safe=""), quote(PASSWORD, safe=""), port))


def powershell(name: str, script: str) -> list[str]:
    """Run a script on a lab host; its output lines (fails on a non-zero exit)."""
    encoded = base64.b64encode(script.encode("utf-16-le")).decode()
    result = host(name).run("powershell -NoProfile -NonInteractive -EncodedCommand %s" % encoded)
    assert result.rc == 0, (script, result.stdout, result.stderr)
    return [line for line in result.stdout.splitlines() if line.strip()]


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
