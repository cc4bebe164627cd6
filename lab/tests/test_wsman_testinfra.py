"""pytest-testinfra's winrm backend against the lab, unmodified: it hard-codes NTLM (so message
encryption over http) and opens one shell per command. These run the real cmd.exe emulation."""
from __future__ import annotations

from urllib.parse import quote

import pytest
import testinfra

from conftest import LAB_PASSWORD, LAB_USER, requires_powershell, requires_windows

pytestmark = requires_windows


@pytest.fixture(scope="module")
def fe01(lab_server, endpoints):
    port = int(endpoints["FE01"]["http"].split(":")[2].split("/")[0])
    return testinfra.get_host("winrm://%s:%s@127.0.0.1:%d?no_ssl=true&no_verify_ssl=true"
                              % (LAB_USER, quote(LAB_PASSWORD, safe=""), port))


def test_hostname(fe01):
    result = fe01.run("hostname")
    assert result.rc == 0
    assert result.stdout.strip().upper() == "FE01"


def test_system_info_is_windows(fe01, endpoints):
    assert fe01.system_info.type == "windows"
    assert fe01.system_info.distribution == "Microsoft Windows Server 2012 R2 Standard"
    port = int(endpoints["GC01"]["https"].split(":")[2].split("/")[0])
    gc01 = testinfra.get_host("winrm://%s:%s@127.0.0.1:%d?no_verify_ssl=true"     # NTLM over https this time
                              % (LAB_USER, quote(LAB_PASSWORD, safe=""), port))
    assert gc01.system_info.release.startswith("6.1.7601")


@requires_powershell
def test_windows_folder_exists(fe01):
    assert "Windows" in fe01.check_output("dir /b C:\\").splitlines()
    assert fe01.check_output('powershell -command "Test-Path C:\\Windows"') == "True"
    assert fe01.check_output('powershell -command "Test-Path C:\\NoSuchFolder"') == "False"


def test_a_file_created_through_winrm(fe01):
    created = fe01.run("echo lab-file> C:\\Windows\\Temp\\testinfra.txt")
    assert created.rc == 0, created.stderr
    assert fe01.check_output("type C:\\Windows\\Temp\\testinfra.txt") == "lab-file"


def test_commands_are_logged_one_shell_each(fe01, lab):
    start = len(lab.log.dump())
    fe01.run("hostname")
    actions = [e["action"] for e in lab.log.dump(start) if e["host"] == "FE01" and e["status"] == 200]
    assert actions == ["Create", "Command", "Receive", "Signal", "Delete"]
