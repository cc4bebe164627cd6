"""Win32_Share through plain pywinrm, from each host's ``shares:`` in the topology plus the administrative
shares every Windows server has (ADMIN$, one <letter>$ per fixed drive, IPC$), for Get-WmiObject and
Get-CimInstance alike."""
from __future__ import annotations

import json

import pytest
import winrm

from conftest import LAB_PASSWORD, LAB_USER, requires_powershell

pytestmark = requires_powershell


def run_json(endpoints, host, script):
    session = winrm.Session(endpoints[host]["http"], auth=(LAB_USER, LAB_PASSWORD), transport="ntlm")
    result = session.run_ps(script + " | ConvertTo-Json -Compress")
    assert result.status_code == 0, result.std_err
    text = result.std_out.decode("utf-8").strip()
    return json.loads(text) if text else None


@pytest.mark.parametrize("cmdlet", ["Get-WmiObject -Class", "Get-CimInstance -ClassName"])
def test_a_topology_share_answers_by_name(endpoints, cmdlet):
    share = run_json(endpoints, "FS01", "%s Win32_Share -Filter \"Name='LyncShare'\" | "
                                        "Select-Object Name, Path, Description, Type" % cmdlet)
    assert share == {"Name": "LyncShare", "Path": "D:\\LyncShare", "Description": "", "Type": 0}


def test_every_host_lists_its_administrative_shares_then_its_own(endpoints):
    shares = run_json(endpoints, "GC01", "Get-CimInstance -ClassName Win32_Share | Select-Object Name, Path, Type")
    assert shares == [
        {"Name": "ADMIN$", "Path": "C:\\Windows", "Type": 2147483648},
        {"Name": "C$", "Path": "C:\\", "Type": 2147483648},
        {"Name": "E$", "Path": "E:\\", "Type": 2147483648},
        {"Name": "IPC$", "Path": "", "Type": 2147483651},
        {"Name": "GroupChatFiles", "Path": "E:\\GroupChat\\FileRepository", "Type": 0},
    ]


def test_a_drive_admin_share_is_a_default_share(endpoints):
    share = run_json(endpoints, "FS01", "Get-WmiObject -Class Win32_Share -Filter \"Name='D$'\" | "
                                        "Select-Object Name, Path, Description, Type, __CLASS")
    assert share == {"Name": "D$", "Path": "D:\\", "Description": "Default share", "Type": 2147483648,
                     "__CLASS": "Win32_Share"}


def test_a_host_without_shares_of_its_own_has_only_the_administrative_ones(endpoints):
    names = run_json(endpoints, "PC01", "Get-WmiObject -Class Win32_Share -Filter 'Type = 0' | "
                                        "Select-Object -ExpandProperty Name")
    assert names is None
    names = run_json(endpoints, "PC01", "Get-WmiObject -Query \"SELECT Name FROM Win32_Share WHERE Type <> 0\" | "
                                        "Select-Object -ExpandProperty Name")
    assert names == ["ADMIN$", "C$", "IPC$"]


def test_an_unknown_share_name_answers_nothing(endpoints):
    assert run_json(endpoints, "FS01", "Get-CimInstance -ClassName Win32_Share -Filter \"Name='Nope'\"") is None
