"""The Windows cmdlets end to end: a WinRS command line ``powershell -EncodedCommand ...`` through
``Lab.execute``, the engine and the cmdlets, as pywinrm's run_ps sends it."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re

import pytest

from pchat_lab.lab import Lab, load_topology
from pchat_lab.sink import OutputSink


@pytest.fixture
def win_lab(tmp_path):
    lab = Lab(load_topology("lync2010"), tmp_path, dataset="small")
    yield lab
    for backend in lab.backends.values():
        getattr(backend, "stop", lambda: None)()


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    @property
    def errors(self) -> str:
        """stderr's CLIXML error lines, joined, as pywinrm's run_ps would show them."""
        return "".join(re.findall(r'<S S="Error">(.*?)</S>', self.err)).replace("_x000D__x000A_", "\n")


def ps(lab, script: str, host: str = "FE01") -> Result:
    sink = OutputSink()
    sink.user, sink.codepage = "CONTOSO\\lyncadmin", 65001
    encoded = base64.b64encode(script.encode("utf-16-le")).decode()
    rc = lab.execute(lab.host(host), "powershell -NoProfile -NonInteractive -EncodedCommand " + encoded, sink)
    out, err, _ = sink.take(0)
    return Result(rc, out.decode("utf-8"), err.decode("utf-8"))


def lines(result: Result) -> list:
    return [line for line in result.out.split("\r\n") if line]


# --- items ------------------------------------------------------------------------------------------
def test_test_path(win_lab):
    assert lines(ps(win_lab, "Test-Path 'C:/Users'")) == ["True"]
    assert lines(ps(win_lab, "Test-Path 'C:\\nope'")) == ["False"]
    assert lines(ps(win_lab, "Test-Path 'C:\\Users' -PathType Leaf")) == ["False"]
    assert lines(ps(win_lab, "Test-Path 'C:\\Users' -PathType Container")) == ["True"]
    assert lines(ps(win_lab, "Test-Path 'Q:\\x'")) == ["False"]
    assert lines(ps(win_lab, "Test-Path '\\\\fs01\\LyncShare'")) == ["True"]
    assert lines(ps(win_lab, "Test-Path '\\\\nohost\\share'")) == ["False"]
    assert lines(ps(win_lab, "Test-Path 'C:\\..\\..\\..\\etc\\passwd'")) == ["False"]
    assert lines(ps(win_lab, "Test-Path 'C:\\Prog*'")) == ["True"]
    assert lines(ps(win_lab, "Test-Path -LiteralPath 'C:\\Prog*'")) == ["False"]


def test_get_item_types_for_the_is_operator(win_lab):
    assert lines(ps(win_lab, "(Get-Item 'C:/Users') -is [System.IO.DirectoryInfo]")) == ["True"]
    assert lines(ps(win_lab, "(Get-Item 'C:/Users') -is [System.IO.FileInfo]")) == ["False"]
    ps(win_lab, "Set-Content -Path C:\\Windows\\Temp\\f.txt -Value 'x'")
    assert lines(ps(win_lab, "(Get-Item 'C:\\Windows\\Temp\\f.txt') -is [System.IO.FileInfo]")) == ["True"]


def test_get_item_properties(win_lab):
    win_lab.host("FE01").drives["D"].root.joinpath("data.bin").write_bytes(b"12345")
    result = ps(win_lab, "$i = Get-Item d:\\DATA.BIN; $i.Name; $i.FullName; $i.Length; $i.Mode; $i.PSIsContainer")
    assert lines(result) == ["data.bin", "D:\\data.bin", "5", "-a----", "False"]
    folder = ps(win_lab, "$d = Get-Item C:\\Users; $d.Mode; $d.PSIsContainer; $d.FullName")
    assert lines(folder) == ["d-----", "True", "C:\\Users"]


def test_get_item_missing_path_is_powershells_error(win_lab):
    result = ps(win_lab, "Get-Item C:\\nope")
    assert result.rc == 1 and result.out == ""
    assert "Cannot find path 'C:\\nope' because it does not exist." in result.errors
    assert "PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand" in result.errors
    silent = ps(win_lab, "Get-Item C:\\nope -ErrorAction SilentlyContinue; 'after'")
    assert lines(silent) == ["after"] and silent.errors == ""


def test_get_item_on_an_unknown_drive(win_lab):
    result = ps(win_lab, "Get-Item Q:\\x")
    assert "Cannot find drive. A drive with the name 'Q' does not exist." in result.errors


def test_get_child_item(win_lab):
    root = win_lab.host("FE01").drives["D"].root
    (root / "tree" / "sub").mkdir(parents=True)
    (root / "tree" / "b.txt").write_text("b")
    (root / "tree" / "a.log").write_text("a")
    (root / "tree" / "sub" / "c.txt").write_text("c")
    listing = ps(win_lab, "Get-ChildItem -Path 'D:/tree' | Select-Object -ExpandProperty Name")
    assert lines(listing) == ["sub", "a.log", "b.txt"]          # folders first, then files
    recursive = ps(win_lab, "Get-ChildItem D:\\tree -Recurse -File | ForEach-Object { $_.FullName }")
    assert lines(recursive) == ["D:\\tree\\a.log", "D:\\tree\\b.txt", "D:\\tree\\sub\\c.txt"]
    filtered = ps(win_lab, "Get-ChildItem D:\\tree -Filter *.txt -Recurse -Name")
    assert lines(filtered) == ["b.txt", "sub\\c.txt"]
    assert lines(ps(win_lab, "Get-ChildItem D:\\tree -Directory | ForEach-Object { $_.Name }")) == ["sub"]
    assert "Cannot find path 'D:\\none' because it does not exist." in ps(win_lab, "Get-ChildItem D:\\none").errors
    # A wildcard path lists what it matches, folders themselves (documented example 5 of Get-ChildItem).
    matched = ps(win_lab, "Get-ChildItem D:\\tree\\* -Exclude a* | ForEach-Object { $_.Name }")
    assert lines(matched) == ["b.txt", "sub"]            # in name order, as the globber enumerates NTFS
    # With -Recurse a wildcard leaf filters from its folder down (documented example 3).
    deep = ps(win_lab, "Get-ChildItem -Path D:\\tree\\*.txt -Recurse | ForEach-Object { $_.FullName }")
    assert sorted(lines(deep)) == ["D:\\tree\\b.txt", "D:\\tree\\sub\\c.txt"]
    # -Include needs a wildcard path or -Recurse, else nothing (documented example 4).
    assert ps(win_lab, "Get-ChildItem -Path D:\\tree -Include *.txt").out == ""
    assert lines(ps(win_lab, "Get-ChildItem -Path D:\\tree\\* -Include *.txt | ForEach-Object { $_.Name }")) == \
        ["b.txt"]


def test_last_write_time_prints_as_testinfra_parses_it(win_lab):
    root = win_lab.host("FE01").drives["C"].root
    (root / "stamp.txt").write_text("x")
    os.utime(root / "stamp.txt", (1_600_000_000, 1_600_000_000))
    result = ps(win_lab, "Get-ChildItem -Path 'C:/stamp.txt' | Select-Object -ExpandProperty LastWriteTime")
    import datetime
    expected = datetime.datetime.fromtimestamp(1_600_000_000)
    assert datetime.datetime.strptime(lines(result)[0].strip(), "%A, %B %d, %Y %I:%M:%S %p") == expected


def test_new_item_set_get_add_content(win_lab):
    script = ("New-Item -ItemType Directory -Path C:\\Work\\deep | Out-Null; "
              "Set-Content -Path C:\\Work\\deep\\notes.txt -Value 'one','two'; "
              "Add-Content -Path C:\\Work\\deep\\notes.txt -Value 'three'; "
              "Get-Content C:\\Work\\deep\\notes.txt; (Get-Content C:\\Work\\deep\\notes.txt -Raw).Length")
    result = ps(win_lab, script)
    assert lines(result) == ["one", "two", "three", "17"]
    real = win_lab.host("FE01").drives["C"].root / "Work" / "deep" / "notes.txt"
    assert real.read_bytes() == b"one\r\ntwo\r\nthree\r\n"


def test_new_item_errors(win_lab):
    ps(win_lab, "New-Item -ItemType File -Path C:\\Windows\\Temp\\x.txt -Value 'v'")
    again = ps(win_lab, "New-Item -ItemType File -Path C:\\Windows\\Temp\\x.txt")
    assert "The file 'C:\\Windows\\Temp\\x.txt' already exists." in again.errors
    assert "NewItemIOError,Microsoft.PowerShell.Commands.NewItemCommand" in again.errors
    forced = ps(win_lab, "New-Item -ItemType File -Path C:\\Windows\\Temp\\x.txt -Value 'w' -Force | "
                         "Select-Object -ExpandProperty Length")
    assert lines(forced) == ["1"]
    deep = ps(win_lab, "New-Item -ItemType File -Path C:\\No\\Such\\f.txt")
    assert "Could not find a part of the path 'C:\\No\\Such\\f.txt'." in deep.errors
    folder = ps(win_lab, "New-Item -ItemType Directory -Path C:\\Users")
    assert "An item with the specified name C:\\Users already exists." in folder.errors
    bad = ps(win_lab, "New-Item -ItemType Gadget -Path C:\\g")
    assert "The type is not a known type for the file system." in bad.errors


def test_new_item_whatif_changes_nothing(win_lab):
    result = ps(win_lab, "New-Item -ItemType Directory -Path C:\\WhatIf -WhatIf")
    assert 'What if: Performing the operation "Create Directory" on target "Destination: C:\\WhatIf".' in result.out
    assert not (win_lab.host("FE01").drives["C"].root / "WhatIf").exists()


def test_remove_and_copy_item(win_lab):
    root = win_lab.host("FE01").drives["C"].root
    (root / "src" / "inner").mkdir(parents=True)
    (root / "src" / "inner" / "f.txt").write_text("f")
    ps(win_lab, "Copy-Item -Path C:\\src -Destination \\\\fs01\\LyncShare\\copy -Recurse")
    copied = win_lab.host("FS01").drives["D"].root / "LyncShare" / "copy" / "inner" / "f.txt"
    assert copied.read_text() == "f"
    ps(win_lab, "Copy-Item C:\\src\\inner\\f.txt C:\\Windows\\Temp")
    assert (root / "Windows" / "Temp" / "f.txt").exists()
    refused = ps(win_lab, "Remove-Item C:\\src")
    assert "NonInteractive mode" in refused.errors and (root / "src").exists()
    ps(win_lab, "Remove-Item C:\\src -Recurse -Force")
    assert not (root / "src").exists()
    assert "Cannot find path 'C:\\src' because it does not exist." in ps(win_lab, "Remove-Item C:\\src").errors


def test_get_file_hash(win_lab):
    root = win_lab.host("FE01").drives["C"].root
    (root / "h.bin").write_bytes(b"hash me")
    sha = ps(win_lab, "Get-FileHash C:\\h.bin | Select-Object -ExpandProperty Hash")
    assert lines(sha) == [hashlib.sha256(b"hash me").hexdigest().upper()]
    md5 = ps(win_lab, "(Get-FileHash -Path C:\\h.bin -Algorithm MD5).Hash")
    assert lines(md5) == [hashlib.md5(b"hash me").hexdigest().upper()]
    path = ps(win_lab, "(Get-FileHash -Path c:\\H.BIN).Path; (Get-FileHash -Path C:\\h.bin).Algorithm")
    assert lines(path) == ["C:\\h.bin", "SHA256"]
    bad = ps(win_lab, "Get-FileHash C:\\h.bin -Algorithm SHA3")
    assert "does not belong to the set" in bad.errors


def test_get_content_encodings(win_lab):
    root = win_lab.host("FE01").drives["C"].root
    (root / "u16.txt").write_bytes("\ufeffcafé\r\nline2".encode("utf-16-le"))
    (root / "ansi.txt").write_bytes("café".encode("cp1252"))
    (root / "utf8.txt").write_bytes("\ufeffcafé".encode("utf-8"))
    assert lines(ps(win_lab, "Get-Content C:\\u16.txt")) == ["café", "line2"]
    assert lines(ps(win_lab, "Get-Content C:\\ansi.txt")) == ["café"]
    assert lines(ps(win_lab, "Get-Content C:\\utf8.txt")) == ["café"]
    assert lines(ps(win_lab, "Get-Content C:\\utf8.txt -Encoding UTF8")) == ["café"]
    ps(win_lab, "Set-Content -Path C:\\out.txt -Value 'é' -Encoding UTF8")
    assert (root / "out.txt").read_bytes() == b"\xef\xbb\xbf\xc3\xa9\r\n"
    ps(win_lab, "Set-Content -Path C:\\out.txt -Value 'é'")
    assert (root / "out.txt").read_bytes() == b"\xe9\r\n"            # Windows PowerShell's ANSI default
    denied = ps(win_lab, "Get-Content C:\\Users")
    assert "Access to the path 'C:\\Users' is denied." in denied.errors


# --- services ---------------------------------------------------------------------------------------
def test_get_service_as_testinfra_asks(win_lab):
    assert "WinRM" in ps(win_lab, "Get-Service -Name WinRM -ErrorAction SilentlyContinue").out
    assert ps(win_lab, "Get-Service -Name NoSuchSvc -ErrorAction SilentlyContinue").out == ""
    assert lines(ps(win_lab, "Get-Service 'WinRM' | Select -ExpandProperty Status")) == ["Running"]
    assert lines(ps(win_lab, "Get-Service 'WinRM' | Select -ExpandProperty StartType")) == ["Automatic"]


def test_get_service_not_found_and_wildcards(win_lab):
    result = ps(win_lab, "Get-Service nope")
    assert "Cannot find any service with service name 'nope'." in result.errors
    assert "NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand" in result.errors
    assert "ObjectNotFound: (nope:String)" in result.errors
    names = ps(win_lab, "Get-Service -Name W* | ForEach-Object { $_.Name }")
    assert lines(names) == ["W3SVC", "WinRM"]
    display = ps(win_lab, "Get-Service -DisplayName 'World Wide*' | ForEach-Object { $_.Name }")
    assert lines(display) == ["W3SVC"]
    assert ps(win_lab, "Get-Service -Name Nothing*").errors == ""    # a wildcard may match nothing


def test_status_serialises_as_its_number(win_lab):
    result = ps(win_lab, "Get-Service WinRM | Select-Object 'Name', 'Status', 'StartType' | ConvertTo-Json")
    data = json.loads(result.out)
    assert data == {"Name": "WinRM", "Status": 4, "StartType": 2}


def test_stop_start_restart_with_dependents(win_lab):
    host = win_lab.host("FE01")
    host.add_service("DEPSVC", "Depends on W3SVC", "Running", "Automatic", depends_on=["W3SVC"])
    refused = ps(win_lab, "Stop-Service W3SVC")
    assert "Cannot stop service 'World Wide Web Publishing Service (W3SVC)' because it has dependent services." \
        in refused.errors
    assert host.services["W3SVC"].status == "Running"
    ps(win_lab, "Stop-Service W3SVC -Force")
    assert host.services["W3SVC"].status == "Stopped" and host.services["DEPSVC"].status == "Stopped"
    ps(win_lab, "Start-Service DEPSVC")                           # starts what it depends on first
    assert host.services["W3SVC"].status == "Running" and host.services["DEPSVC"].status == "Running"
    ps(win_lab, "Restart-Service W3SVC -Force")
    assert host.services["W3SVC"].status == "Running" and host.services["DEPSVC"].status == "Running"
    piped = ps(win_lab, "Get-Service DEPSVC | Stop-Service -PassThru | ForEach-Object { [string]$_.Status }")
    assert lines(piped) == ["Stopped"]


def test_whatif_and_disabled_services(win_lab):
    host = win_lab.host("FE01")
    result = ps(win_lab, "Stop-Service WinRM -WhatIf")
    assert 'What if: Performing the operation "Stop-Service" on target "Windows Remote Management ' \
           '(WS-Management) (WinRM)".' in result.out
    assert host.services["WinRM"].status == "Running"
    ps(win_lab, "Set-Service -Name W3SVC -StartupType Disabled -Status Stopped")
    assert host.services["W3SVC"].start_type == "Disabled" and host.services["W3SVC"].status == "Stopped"
    refused = ps(win_lab, "Start-Service W3SVC")
    assert "cannot be started due to the following error" in refused.errors
    assert "CouldNotStartService,Microsoft.PowerShell.Commands.StartServiceCommand" in refused.errors
    missing = ps(win_lab, "Set-Service -Name NoSuch -StartupType Manual")
    assert "Service 'NoSuch' was not found on computer '.'." in missing.errors
    invalid = ps(win_lab, "Set-Service -Name W3SVC -StartupType Sometimes")
    assert "Sometimes" in invalid.errors and host.services["W3SVC"].start_type == "Disabled"


# --- volumes, drives, CIM ---------------------------------------------------------------------------
def test_get_volume(win_lab):
    # Import-Module: the lab's engine does not autoload OS modules (Windows does, from PSModulePath).
    result = ps(win_lab, "Import-Module Storage; Get-Volume -DriveLetter D | Select-Object 'DriveLetter', "
                         "'FileSystem', 'Size', 'SizeRemaining' | ConvertTo-Json", host="FS01")
    assert json.loads(result.out) == {"DriveLetter": "D", "FileSystem": "NTFS", "Size": 1000 * 1024 ** 3,
                                      "SizeRemaining": 900 * 1024 ** 3}
    missing = ps(win_lab, "Import-Module Storage; Get-Volume -DriveLetter Q", host="FS01")
    assert "No MSFT_Volume objects found with property 'DriveLetter' equal to 'Q'." in missing.errors


def test_get_volume_does_not_exist_on_2008_r2(win_lab):
    result = ps(win_lab, "Get-Volume", host="GC01")
    assert "The term 'Get-Volume' is not recognized" in result.errors


def test_get_psdrive(win_lab):
    result = ps(win_lab, "Get-PSDrive -PSProvider FileSystem | ForEach-Object { $_.Name }", host="GC01")
    assert lines(result) == ["C", "E"]
    free = ps(win_lab, "(Get-PSDrive E).Free", host="GC01")
    assert int(lines(free)[0]) == win_lab.host("GC01").drives["E"].free
    assert "A drive with the name 'Q' does not exist." in ps(win_lab, "Get-PSDrive Q").errors


def test_get_cim_instance(win_lab):
    os_info = ps(win_lab, "$o = Get-CimInstance -ClassName Win32_OperatingSystem; $o.Caption; $o.Version; $o.CSName",
                 host="SQL01")
    assert lines(os_info) == ["Microsoft Windows Server 2012 R2 Standard", "6.3.9600", "SQL01"]
    legacy = ps(win_lab, "(Get-CimInstance Win32_OperatingSystem).Caption + '|'", host="GC01")
    assert lines(legacy) == ["Microsoft Windows Server 2008 R2 Enterprise |"]
    system = ps(win_lab, "$c = Get-CimInstance Win32_ComputerSystem; $c.Domain; $c.PartOfDomain")
    assert lines(system) == ["contoso.local", "True"]
    disk = ps(win_lab, "Get-CimInstance Win32_LogicalDisk -Filter \"DeviceID='E:'\" | ForEach-Object { $_.Size }",
              host="GC01")
    assert lines(disk) == [str(100 * 1024 ** 3)]
    product = ps(win_lab, "Get-WmiObject -Class Win32_Product | ForEach-Object { $_.Version }", host="GC01")
    assert lines(product) == ["4.0.7577.0"]


def test_cim_errors(win_lab):
    result = ps(win_lab, "Get-CimInstance -ClassName Win32_Nope")
    assert "Invalid class" in result.errors
    assert "HRESULT 0x80041010,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand" in result.errors
    query = ps(win_lab, "Get-CimInstance Win32_Service -Filter 'Name = = 1'")
    assert "Invalid query" in query.errors
    wmi = ps(win_lab, "Get-WmiObject Win32_Nope")
    assert 'Invalid class "Win32_Nope"' in wmi.errors
