"""The cmd.exe dialect of WinRS command lines: what pytest-testinfra and pywinrm send, and what real
Windows answers (engineering-notes §2.3)."""
from __future__ import annotations

import base64

import pytest

from pchat_lab.lab import Lab, load_topology
from pchat_lab.sink import OutputSink
from pchat_lab.windows import cmd as cmd_module
from pchat_lab.windows.cmd import PS_BAD_COMMAND_LINE, split_operators, split_redirects
from pchat_lab.windows.console import split_argv


@pytest.fixture
def win_lab(tmp_path):
    lab = Lab(load_topology("lync2010"), tmp_path, dataset="small")
    yield lab
    for backend in lab.backends.values():
        getattr(backend, "stop", lambda: None)()


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err


def run(lab, line, host="FE01", user="CONTOSO\\lyncadmin", codepage=437, stdin=None) -> Result:
    sink = OutputSink()
    sink.user = user
    sink.codepage = codepage
    if stdin is not None:
        sink.send_stdin(stdin, end=True)
    rc = lab.execute(lab.host(host), line, sink)
    out, err, _ = sink.take(0)
    return Result(rc, out.decode("cp437"), err.decode("cp437"))


@pytest.fixture
def scripts(monkeypatch):
    """Record what powershell.exe would hand the engine (the engine is tested on its own)."""
    seen = []

    def fake_run_script(lab, host, script, sink, automatic=None, noninteractive=True):
        seen.append(script)
        sink.stdout(b"ran\r\n")
        return 7

    import types
    import sys
    module = types.ModuleType("pchat_lab.powershell.engine")
    module.run_script = fake_run_script
    monkeypatch.setitem(sys.modules, "pchat_lab.powershell.engine", module)
    return seen


# --- testinfra's probes ------------------------------------------------------------------------------
def test_uname_is_not_recognized_so_testinfra_detects_windows(win_lab):
    result = run(win_lab, "uname -s")
    assert result.rc == 1 and result.out == ""
    assert result.err == ("'uname' is not recognized as an internal or external command,\r\n"
                          "operable program or batch file.\r\n")


def test_a_bare_cmdlet_line_is_not_a_cmd_command(win_lab):
    result = run(win_lab, "Get-Service -Name WinRM -ErrorAction SilentlyContinue")
    assert result.rc == 1 and "'Get-Service' is not recognized" in result.err


def test_systeminfo_piped_to_findstr(win_lab):
    result = run(win_lab, 'systeminfo | findstr /B /C:"OS"', host="GC01")
    lines = result.out.split("\r\n")
    assert result.rc == 0
    assert lines[0] == "OS Name:                   Microsoft Windows Server 2008 R2 Enterprise"
    assert lines[1] == "OS Version:                6.1.7601 Service Pack 1 Build 7601"
    assert all(line.startswith("OS") for line in lines if line)
    assert run(win_lab, 'systeminfo | findstr /B /C:"Nothing like this"').rc == 1


def test_systeminfo_names_the_host(win_lab):
    result = run(win_lab, "systeminfo", host="SQL01")
    assert "\r\nHost Name:                 SQL01\r\n" in result.out
    assert "OS Version:                6.3.9600 N/A Build 9600" in result.out
    assert "Domain:                    contoso.local" in result.out


@pytest.mark.parametrize("line, expected", [
    ("echo %PROCESSOR_ARCHITECTURE%", "AMD64\r\n"),
    ("echo %username%", "lyncadmin\r\n"),
    ("echo %COMPUTERNAME% %UserDomain%", "FE01 CONTOSO\r\n"),
    ("echo %NOT_DEFINED% stays", "%NOT_DEFINED% stays\r\n"),
    ("echo 100%", "100%\r\n"),
    ("echo.", "\r\n"),
    ("echo", "ECHO is on.\r\n"),
    ('echo "quoted" ^& more', '"quoted" & more\r\n'),
])
def test_echo_and_variable_expansion(win_lab, line, expected):
    result = run(win_lab, line)
    assert (result.rc, result.out) == (0, expected)


def test_whoami_hostname_ver_set(win_lab):
    assert run(win_lab, "whoami", user="lyncadmin@contoso.local").out == "contoso\\lyncadmin\r\n"
    assert run(win_lab, "hostname", host="pc01").out == "PC01\r\n"
    assert run(win_lab, "ver", host="GC01").out == "\r\nMicrosoft Windows [Version 6.1.7601]\r\n"
    result = run(win_lab, "set USERN")
    assert result.out == "USERNAME=lyncadmin\r\n"
    missing = run(win_lab, "set NOPE_NOPE")
    assert missing.rc == 1 and missing.err == "Environment variable NOPE_NOPE not defined\r\n"
    assert run(win_lab, "set X=1 & echo %X%").out == "%X%\r\n"   # expanded before the line runs, as in cmd


def test_net_user_from_lab_accounts(win_lab):
    result = run(win_lab, "net user lyncadmin", host="FE01")
    assert result.rc == 0
    assert "User name                    lyncadmin\r\n" in result.out
    assert "Full Name                    Lync Administrator\r\n" in result.out
    assert "Local Group Memberships      *Administrators       *RTC Local Administrators" in result.out
    assert "Global Group memberships     *Domain Admins" in result.out
    assert result.out.endswith("The command completed successfully.\r\n\r\n")
    readonly = run(win_lab, "net user readonly", host="GC01")
    assert "Local Group Memberships\r\n" in readonly.out
    assert "Global Group memberships     *Domain Users" in readonly.out
    # FE01 lets readonly use WinRM through Remote Management Users.
    readonly = run(win_lab, "net user readonly", host="FE01")
    assert "Local Group Memberships      *Remote Management Users" in readonly.out


def test_net_user_for_an_unknown_user(win_lab):
    result = run(win_lab, "net user nosuchuser")
    assert result.rc == 2 and result.out == ""
    assert result.err.startswith("The user name could not be found.\r\n")


def test_net_user_piped_to_findstr_as_testinfra_reads_groups(win_lab):
    result = run(win_lab, 'net user lyncadmin | findstr /B /C:"Local Group Memberships"', host="PC01")
    assert result.rc == 0
    assert result.out.split()[3:] == ["*Administrators", "*RTC", "Local", "Administrators"]


def test_findstr_switches(win_lab):
    assert run(win_lab, 'ver | findstr /I "microsoft"').rc == 0
    assert run(win_lab, 'ver | findstr "microsoft"').rc == 1
    assert run(win_lab, 'systeminfo | findstr /B /C:"Host Name" /V').out.count("Host Name") == 0
    assert run(win_lab, "echo abc | findstr /R /C:\"^a.c\"").out == "abc \r\n"
    assert run(win_lab, "echo abc | findstr").rc == 2
    assert run(win_lab, 'echo a | find /B "a"').rc == 2     # find has no /B (testinfra's gecos uses it)


def test_type_dir_and_redirection(win_lab):
    assert run(win_lab, "echo hello> C:\\Windows\\Temp\\a.txt").rc == 0
    assert run(win_lab, "type C:\\Windows\\Temp\\a.txt").out == "hello\r\n"
    assert run(win_lab, "echo again>>C:\\Windows\\Temp\\a.txt & type c:\\windows\\temp\\A.TXT").out == \
        "hello\r\nagain \r\n"     # the blank before & is part of the echoed text, as in cmd
    missing = run(win_lab, "type C:\\Windows\\Temp\\none.txt")
    assert missing.rc == 1 and missing.err == "The system cannot find the file specified.\r\n"
    assert run(win_lab, "type C:\\No\\none.txt").err == "The system cannot find the path specified.\r\n"
    listing = run(win_lab, "dir C:\\Windows\\Temp")
    assert " Directory of C:\\Windows\\Temp\r\n" in listing.out and " a.txt\r\n" in listing.out
    assert run(win_lab, "dir /b C:\\Users").out == "Default\r\nlyncadmin\r\nPublic\r\nreadonly\r\n"
    assert run(win_lab, "dir C:\\Windows\\Temp\\*.none").rc == 1
    assert run(win_lab, "uname -s 2>nul").err == ""
    merged = run(win_lab, "uname -s 2>&1")
    assert merged.err == "" and "'uname' is not recognized" in merged.out


def test_exit_codes_and_chaining(win_lab):
    assert run(win_lab, "exit /b 5").rc == 5
    assert run(win_lab, "cmd /c exit 3").rc == 3
    assert run(win_lab, "uname && echo no").out == ""
    assert run(win_lab, "uname || echo yes").out == "yes\r\n"
    assert run(win_lab, 'cmd /c "echo a && echo b"').out == "a \r\nb\r\n"   # cmd keeps the blank before &&
    assert run(win_lab, "exit /b 4 & echo never").out == ""


def test_a_real_builtin_the_lab_does_not_simulate_says_so(win_lab):
    result = run(win_lab, "mklink x y")
    assert result.rc == 1 and "not simulated by the lab" in result.err


# --- powershell.exe's command line ---------------------------------------------------------------------
def _encoded(script: str) -> str:
    return base64.b64encode(script.encode("utf-16-le")).decode()


@pytest.mark.parametrize("line", [
    "powershell -EncodedCommand {b64}",
    "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand {b64}",
    "powershell.exe -enc {b64}",
    "powershell -ec {b64}",
    "powershell -e {b64}",
    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -nop -noni -ep bypass -e {b64}",
    "powershell -InputFormat Text -OutputFormat Text -NoLogo -encodedcommand {b64}",
    "powershell /EncodedCommand {b64}",
])
def test_encoded_command_reaches_the_engine(win_lab, scripts, line):
    result = run(win_lab, line.format(b64=_encoded("Get-Service 'WinRM' | % { $_.Name }")))
    assert scripts == ["Get-Service 'WinRM' | % { $_.Name }"]
    assert result.rc == 7 and result.out == "ran\r\n"


@pytest.mark.parametrize("line, script", [
    ('powershell -command "Test-Path \'C:\\Users\'"', "Test-Path 'C:\\Users'"),
    ("powershell -Command Get-Item C:\\  -Force", "Get-Item C:\\ -Force"),       # args joined by one space
    ('powershell -c "echo \\"hi there\\""', 'echo "hi there"'),
    # testinfra's WindowsFile sends \" around the script: C runtime rules turn them into literal quotes.
    ('powershell -command \\"Test-Path \'C:/Users\'\\"', '"Test-Path \'C:/Users\'"'),
    ("powershell Get-Date", "Get-Date"),                                            # no switch: the command
    ("powershell -NoProfile -UnknownSwitch x", "-UnknownSwitch x"),                 # first unknown starts it
])
def test_command_text_is_rebuilt_as_powershell_exe_does(win_lab, scripts, line, script):
    run(win_lab, line)
    assert scripts == [script]


def test_command_dash_reads_the_commands_from_stdin_and_exit_ends_it(win_lab):
    result = run(win_lab, "powershell -NoProfile -Command -",
                 stdin=b"$a = 'one'\r\nWrite-Output $a\r\nexit 3\r\nWrite-Output 'two'\r\n")
    assert (result.out, result.rc) == ("one\r\n", 3), result.err


@pytest.mark.parametrize("line, message", [
    ("powershell -EncodedCommand not!base64", "is not properly encoded. The value must be Base64 encoded."),
    ("powershell -EncodedCommand QQ==", "is not properly encoded"),                  # odd byte count
    ("powershell -EncodedCommand", "A command must follow -Command."),
    ("powershell -Command - extra", "no other arguments to -Command are permitted."),
    ("powershell -OutputFormat Json -Command x", "Valid values are: Text, XML."),
])
def test_bad_powershell_command_lines(win_lab, scripts, line, message):
    result = run(win_lab, line)
    assert result.rc == PS_BAD_COMMAND_LINE and message in result.err
    assert scripts == []


def test_file_runs_a_lab_script(win_lab, scripts):
    host = win_lab.host("FE01")
    (host.drives["C"].root / "Windows" / "Temp" / "s.ps1").write_bytes(b"\xef\xbb\xbfGet-Date")
    assert run(win_lab, "powershell -File C:\\Windows\\Temp\\s.ps1").rc == 7
    assert scripts == ["Get-Date"]
    missing = run(win_lab, "powershell -File C:\\nope.ps1")
    assert missing.rc == PS_BAD_COMMAND_LINE and "does not exist" in missing.err


# --- lexing ---------------------------------------------------------------------------------------------
def test_split_argv_follows_the_c_runtime():
    assert split_argv(r'a "b c" d\"e "f\\" g\\h') == ["a", "b c", 'd"e', "f\\", "g\\\\h"]
    assert split_argv('"a ""b"" c"') == ['a "b" c']
    assert split_argv('  ') == []
    assert split_argv('""') == [""]


def test_operators_inside_quotes_are_text():
    assert split_operators('powershell -c "a | b & c" | findstr x') == [
        ('powershell -c "a | b & c" ', "|"), (" findstr x", "")]
    command, redirects = split_redirects('echo a > "C:\\x y.txt" 2>&1')
    assert command.strip() == "echo a" and redirects == [("1>", "C:\\x y.txt"), ("2>&1", "")]


def test_output_uses_the_shell_code_page(win_lab):
    host = win_lab.host("FE01")
    (host.drives["C"].root / "Windows" / "Temp" / "u.txt").write_bytes("café ✓".encode("utf-8"))
    (host.drives["C"].root / "Windows" / "Temp" / "é").mkdir()
    # NTFS orders names by their upper-case form: 'U' (0x55) before 'É' (0xC9).
    assert run(win_lab, "dir /b C:\\Windows\\Temp\\*").out.encode("cp437") == "u.txt\r\né\r\n".encode("cp437")
    sink = OutputSink()
    sink.user, sink.codepage = "lyncadmin", 65001
    win_lab.execute(host, "echo ✓", sink)
    assert sink.take(0)[0] == "✓\r\n".encode("utf-8")
    sink = OutputSink()
    sink.user, sink.codepage = "lyncadmin", 437
    win_lab.execute(host, "echo ✓", sink)
    assert sink.take(0)[0] == b"?\r\n"


def test_module_entry_point_is_what_lab_execute_calls(win_lab):
    sink = OutputSink()
    sink.user, sink.codepage = "lyncadmin", 437
    assert cmd_module.run_command_line(win_lab, win_lab.host("FE01"), "exit /b 9", sink) == 9
    assert sink.exit_code is None          # finishing the sink is the WinRM layer's job


def test_net_user_domain_and_localgroup(win_lab):
    domain = run(win_lab, "net user lyncadmin /domain")
    assert domain.out.startswith("The request will be processed at a domain controller for domain contoso.local.")
    assert "Local Group Memberships\r\n" in domain.out
    assert "*RTC Local Administrators" in domain.out           # a domain group of the account, shown as global
    listing = run(win_lab, "net user")
    assert "User accounts for \\\\FE01" in listing.out and "lyncadmin" in listing.out
    group = run(win_lab, "net localgroup \"RTC Local Administrators\"")
    assert group.rc == 0 and "CONTOSO\\lyncadmin\r\n" in group.out
    assert run(win_lab, "net localgroup NoSuchGroup").rc == 2
    assert run(win_lab, "net bogus").rc == 1 and "The syntax of this command is:" in run(win_lab, "net bogus").err
