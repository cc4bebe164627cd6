"""stdin as Windows PowerShell 5.1 reads it over WinRS, with UNMODIFIED pywinrm: a script sent on stdin to a
small bootstrap on the command line (Ansible's way, and the collection's), $input, -Command - read line by
line, and cmd.exe still refusing a command line over 8191 characters."""
from __future__ import annotations

import base64

import pytest
from winrm.protocol import Protocol

from conftest import LAB_PASSWORD, LAB_USER, requires_powershell
from pchat_lab.windows.powershell_exe import typed_statements

pytestmark = requires_powershell

POWERSHELL = ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass"]
# The bootstrap the collection sends: stdin is base64 of the script's UTF-8 bytes.
BASE64_BOOTSTRAP = ("$ErrorActionPreference='Stop'\n"
                    "$s=[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String((@($input) -join '')))\n"
                    "&([ScriptBlock]::Create($s))")
# Ansible's older bootstrap_wrapper.ps1 way: the script itself on stdin.
TEXT_BOOTSTRAP = "&([ScriptBlock]::Create(($input|Out-String)))"


def encoded(script: str) -> str:
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


def run_with_stdin(endpoint, command, args, stdin: bytes, codepage=65001, chunk=60000):
    protocol = Protocol(endpoint, transport="plaintext", username=LAB_USER, password=LAB_PASSWORD,
                        operation_timeout_sec=5, read_timeout_sec=10)
    shell_id = protocol.open_shell(codepage=codepage)
    try:
        command_id = protocol.run_command(shell_id, command, args, console_mode_stdin=False)
        pieces = [stdin[i:i + chunk] for i in range(0, len(stdin), chunk)] or [b""]
        for index, piece in enumerate(pieces):
            protocol.send_command_input(shell_id, command_id, piece, end=index == len(pieces) - 1)
        out, err, code = protocol.get_command_output(shell_id, command_id)
        protocol.cleanup_command(shell_id, command_id)
        return out.decode("utf-8"), err.decode("utf-8"), code
    finally:
        protocol.close_shell(shell_id)


def test_a_script_over_8191_characters_runs_from_stdin_in_one_command(endpoints, lab):
    start = len(lab.log.dump())
    lines = ["$n%d='%s'" % (number, "x" * 90) for number in range(200)]
    script = "\n".join(lines + ["$total=0", "foreach($i in 0..199){$total+=1}", "Write-Output \"ran $total \u00e9\""])
    assert len(script) > 8191 * 2
    out, err, code = run_with_stdin(endpoints["FE01"]["http"], "powershell.exe",
                                    POWERSHELL + ["-EncodedCommand", encoded(BASE64_BOOTSTRAP)],
                                    base64.b64encode(script.encode("utf-8")), chunk=8000)
    assert (out.strip(), code) == ("ran 200 \u00e9", 0), err
    entries = lab.log.dump(start)
    assert [e["action"] for e in entries].count("Command") == 1
    sends = [e for e in entries if e["action"] == "Send"]
    assert len(sends) > 1 and base64.b64decode(sends[-1]["script"]).decode("utf-8") == script


def test_the_text_bootstrap_keeps_utf8_and_a_failing_script_fails_with_clixml(endpoints):
    out, err, code = run_with_stdin(endpoints["FE01"]["http"], "powershell.exe",
                                    POWERSHELL + ["-EncodedCommand", encoded(TEXT_BOOTSTRAP)],
                                    "$a='\uc11c\uc6b8'\nWrite-Output \"$a ok\"\n".encode("utf-8"))
    assert (out.strip(), code) == ("\uc11c\uc6b8 ok", 0), err
    out, err, code = run_with_stdin(endpoints["FE01"]["http"], "powershell.exe",
                                    POWERSHELL + ["-EncodedCommand", encoded(TEXT_BOOTSTRAP)],
                                    b"$ErrorActionPreference='Stop'\nthrow 'it broke'\nWrite-Output 'after'\n")
    assert out == "" and code == 1
    assert err.startswith("#< CLIXML") and "it broke" in err


def test_a_script_that_does_not_parse_fails_in_create(endpoints):
    out, err, code = run_with_stdin(endpoints["FE01"]["http"], "powershell.exe",
                                    POWERSHELL + ["-EncodedCommand", encoded(TEXT_BOOTSTRAP)], b"$x = @{\n")
    assert code == 1 and out == ""
    assert 'Exception calling "Create" with "1" argument(s)' in err and "ParseException" in err


def test_input_enumerates_stdin_lines(endpoints):
    out, err, code = run_with_stdin(endpoints["FE01"]["http"], "powershell.exe",
                                    POWERSHELL + ["-Command", "\"$input|ForEach-Object{'<'+$_+'>'}\""],
                                    b"one\r\ntwo\nthree", codepage=437)
    assert (out.split(), code) == (["<one>", "<two>", "<three>"], 0), err


def test_command_dash_runs_each_complete_line_and_a_block_only_after_a_blank_line(endpoints):
    stdin = (b"$a = 2\n"
             b"Write-Output \"a is $a\"\n"
             b"if ($a -eq 2) {\n"
             b"  Write-Output 'in the block'\n"
             b"}\n"
             b"\n"
             b"Get-NoSuchThing\n"
             b"Write-Output 'still going'\n"
             b"foreach ($i in 1..2) {\n"
             b"  Write-Output 'never: no blank line before stdin ends'\n"
             b"}\n")
    out, err, code = run_with_stdin(endpoints["FE01"]["http"], "powershell.exe", POWERSHELL + ["-Command", "-"], stdin)
    assert out.split("\r\n")[:3] == ["a is 2", "in the block", "still going"], err
    assert "never" not in out
    assert "Get-NoSuchThing" in err      # one statement's error does not stop the next


def test_typed_statements_split_as_the_console_reads():
    assert typed_statements("1\n\n2\n") == ["1", "2"]
    assert typed_statements("& {\n1\n}\n\n3") == ["& {\n1\n}", "3"]
    assert typed_statements("& {\n1\n}") == []


def test_a_command_line_over_8191_characters_is_still_refused_as_cmd_exe_does(endpoints):
    protocol = Protocol(endpoints["FE01"]["http"], transport="plaintext", username=LAB_USER, password=LAB_PASSWORD,
                        operation_timeout_sec=5, read_timeout_sec=10)
    shell_id = protocol.open_shell(codepage=65001)
    try:
        long_script = "Write-Output '%s'" % ("y" * 4200)
        command_id = protocol.run_command(shell_id, "powershell.exe", POWERSHELL + ["-EncodedCommand",
                                                                                  encoded(long_script)])
        out, err, code = protocol.get_command_output(shell_id, command_id)
        protocol.cleanup_command(shell_id, command_id)
    finally:
        protocol.close_shell(shell_id)
    assert code == 1 and out == b""
    assert b"The command line is too long." in err


@pytest.mark.parametrize("bootstrap", [BASE64_BOOTSTRAP])
def test_the_bootstrap_fits_easily_on_one_command_line(bootstrap):
    assert len(" ".join(["powershell.exe"] + POWERSHELL + ["-EncodedCommand", encoded(bootstrap)])) < 1000
