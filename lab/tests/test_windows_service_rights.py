"""Changing a service needs local Administrators membership of the WinRM user on that host, as the SCM
grants SERVICE_START / SERVICE_STOP / SERVICE_CHANGE_CONFIG to administrators only. Everyone may
read a service's status. The errors are Windows PowerShell 5.1's."""
from __future__ import annotations

import base64
import json

import pytest

from pchat_lab.lab import Lab, load_topology
from pchat_lab.sink import OutputSink

from test_windows_cmdlets import Result

READONLY = "CONTOSO\\readonly"      # a Remote Management User on FE01, not an administrator
ADMIN = "CONTOSO\\lyncadmin"        # an administrator through Domain Admins


@pytest.fixture
def win_lab(tmp_path):
    lab = Lab(load_topology("lync2010"), tmp_path, dataset="small")
    yield lab
    for backend in lab.backends.values():
        getattr(backend, "stop", lambda: None)()


def ps(lab, script: str, user: str, host: str = "FE01") -> Result:
    sink = OutputSink()
    sink.user, sink.codepage = user, 65001
    encoded = base64.b64encode(script.encode("utf-16-le")).decode()
    rc = lab.execute(lab.host(host), "powershell -NoProfile -NonInteractive -EncodedCommand " + encoded, sink)
    out, err, _ = sink.take(0)
    return Result(rc, out.decode("utf-8"), err.decode("utf-8"))


def status(lab, name: str = "W3SVC") -> str:
    return lab.host("FE01").services.get(name).status


def test_a_non_administrator_cannot_stop_a_service(win_lab):
    result = ps(win_lab, "Stop-Service -Name W3SVC", READONLY)
    assert result.rc == 1
    assert ("Service 'World Wide Web Publishing Service (W3SVC)' cannot be stopped due to the following error: "
            "Cannot open W3SVC service on computer '.'.") in result.errors
    assert "CloseError: (System.ServiceProcess.ServiceController:ServiceController) [Stop-Service], " \
           "ServiceCommandException" in result.errors
    assert "CouldNotStopService,Microsoft.PowerShell.Commands.StopServiceCommand" in result.errors
    assert status(win_lab) == "Running"
    piped = ps(win_lab, "Get-Service -Name W3SVC | Stop-Service", READONLY)
    assert "CouldNotStopService" in piped.errors and status(win_lab) == "Running"


def test_a_non_administrator_cannot_start_restart_or_configure(win_lab):
    ps(win_lab, "Stop-Service -Name W3SVC", ADMIN)
    started = ps(win_lab, "Start-Service -Name W3SVC", READONLY)
    assert "cannot be started due to the following error: Cannot open W3SVC service on computer '.'." \
        in started.errors
    assert "OpenError" in started.errors and "CouldNotStartService" in started.errors
    assert status(win_lab) == "Stopped"
    restarted = ps(win_lab, "Restart-Service -Name WinRM", READONLY)
    assert "CouldNotStopService,Microsoft.PowerShell.Commands.RestartServiceCommand" in restarted.errors
    configured = ps(win_lab, "Set-Service -Name W3SVC -StartupType Disabled", READONLY)
    assert ("Service 'World Wide Web Publishing Service (W3SVC)' cannot be configured due to the following "
            "error: Access is denied") in configured.errors
    assert "PermissionDenied" in configured.errors and "CouldNotSetService" in configured.errors
    assert win_lab.host("FE01").services.get("W3SVC").start_type == "Automatic"


def test_reading_and_no_op_requests_need_no_rights(win_lab):
    listed = ps(win_lab, "Get-Service -Name W3SVC | Select-Object Name,Status | ConvertTo-Json -Compress", READONLY)
    assert json.loads(listed.out) == {"Name": "W3SVC", "Status": 4}
    # Already running: nothing to open, no error (the collection's idempotent re-runs).
    assert ps(win_lab, "Start-Service -Name W3SVC", READONLY).errors == ""
    assert "What if:" in ps(win_lab, "Stop-Service -Name W3SVC -WhatIf", READONLY).out


def test_administrators_through_a_domain_group_may_change_services(win_lab):
    assert ps(win_lab, "Stop-Service -Name W3SVC", ADMIN).errors == ""
    assert status(win_lab) == "Stopped"
    fe01 = win_lab.host("FE01")
    fe01.local_groups["Administrators"] = fe01.local_groups["Administrators"] + ["CONTOSO\\Domain Users"]
    assert ps(win_lab, "Start-Service -Name W3SVC", READONLY).errors == ""
    assert status(win_lab) == "Running"
