"""Errors as powershell.exe reports them through WinRM: parse errors, refused constructs, error
records on stderr as CLIXML, the other streams, exit codes and codepages."""
from __future__ import annotations

import pytest

from powershell_helpers import FakeHost, FakeLab, lines, ps, engine_test_cmdlets  # noqa: F401  (autouse fixture)

NOT_RECOGNIZED = ("The term '%s' is not recognized as the name of a cmdlet, function, script file, or operable "
                  "program. Check the spelling of the name, or if a path was included, verify that the path is "
                  "correct and try again.")


def test_clixml_envelope_and_line_ends():
    result = ps("nosuchcmd")
    assert result.err_raw.startswith('#< CLIXML\r\n<Objs Version="1.1.0.1" '
                                     'xmlns="http://schemas.microsoft.com/powershell/2004/04"><S S="Error">')
    assert result.err_raw.endswith('<S S="Error"> _x000D__x000A_</S></Objs>')
    assert "\r" not in result.err_raw[len("#< CLIXML\r\n"):]


def test_unknown_command_is_statement_terminating():
    result = ps("nosuchcmd\n'next'")
    assert lines(result.out) == ["next"]
    assert result.code == 0          # the last statement succeeded
    assert result.errors == ["\r\n".join([
        "nosuchcmd : " + NOT_RECOGNIZED % "nosuchcmd",
        "At line:1 char:1",
        "+ nosuchcmd",
        "+ ~~~~~~~~~",
        "    + CategoryInfo          : ObjectNotFound: (nosuchcmd:String) [], CommandNotFoundException",
        "    + FullyQualifiedErrorId : CommandNotFoundException",
        " ", ""])]
    assert ps("'x'; nosuchcmd").code == 1          # $? is false at exit


def test_throw_is_script_terminating():
    result = ps("'start'\nthrow \"bad thing\"\n'never'")
    assert result.code == 1
    assert lines(result.out) == ["start"]
    assert result.errors == ["\r\n".join([
        "bad thing", "At line:2 char:1", '+ throw "bad thing"', "+ ~~~~~~~~~~~~~~~~~",
        "    + CategoryInfo          : OperationStopped: (bad thing:String) [], RuntimeException",
        "    + FullyQualifiedErrorId : bad thing", " ", ""])]


def test_cmdlet_terminating_error_stops_only_the_statement():
    result = ps("Get-EngineTestFailure disk1; 'after'")
    assert result.code == 0 and lines(result.out) == ["after"]
    assert result.errors[0].splitlines()[:4] == [
        "Get-EngineTestFailure : The item 'disk1' is broken.", "At line:1 char:1",
        "+ Get-EngineTestFailure disk1; 'after'", "+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~"]
    assert "    + CategoryInfo          : InvalidOperation: (disk1:String) [Get-EngineTestFailure], " \
           "InvalidOperationException" in result.errors[0]


def test_error_action_preference_stop_makes_it_script_terminating():
    result = ps("$ErrorActionPreference = 'Stop'\nGet-EngineTestFailure x\n'never'")
    assert result.code == 1 and result.out == "" and len(result.errors) == 1


def test_non_terminating_errors_and_error_action():
    result = ps("Invoke-EngineTestStreams -Fail")
    assert result.code == 1 and lines(result.out) == ["done"]
    assert result.errors[0].startswith("Invoke-EngineTestStreams : Cannot find item 'x'.\r\nAt line:1 char:1")
    result = ps("Invoke-EngineTestStreams -Fail; 'ok'")
    assert result.code == 0 and len(result.errors) == 1
    result = ps("Invoke-EngineTestStreams -Fail -ErrorAction SilentlyContinue; $Error.Count")
    assert result.errors == [] and lines(result.out) == ["done", "1"]
    result = ps("Invoke-EngineTestStreams -Fail -ErrorAction Stop; 'never'")
    assert result.code == 1 and result.out == "" and len(result.errors) == 1
    result = ps("Invoke-EngineTestStreams -Fail -ErrorVariable ev 2>$null; $ev.Count; $ev[0].Exception.Message")
    assert result.errors == [] and lines(result.out) == ["done", "1", "Cannot find item 'x'."]


def test_write_error_at_top_level_names_the_command_line():
    result = ps("Write-Error 'it broke'")
    assert result.code == 1
    assert result.errors == ["\r\n".join([
        "Write-Error 'it broke' : it broke",
        "    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException",
        "    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException", " ", ""])]


def test_warning_verbose_and_progress_streams():
    result = ps("Invoke-EngineTestStreams")
    assert result.code == 0 and lines(result.out) == ["done"]
    assert ("warning", "careful <now> & then\r\n") in result.streams
    assert "&lt;now&gt; &amp; then" in result.err_raw
    assert not any(s == "verbose" for s, _ in result.streams)
    assert len(result.progress) == 2
    # Loading the module writes the record pywinrm#245 shows, then the cmdlet's own progress.
    assert result.err_raw.startswith(
        '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
        '<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T>'
        '<T>System.Object</T></TN><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first '
        'use.</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj>')
    assert '<Obj S="progress" RefId="1"><TNRef RefId="0" /><MS><I64 N="SourceId">1</I64><PR N="Record">' \
           '<AV>Copying</AV><AI>0</AI><Nil /><PI>-1</PI><PC>75</PC><T>Processing</T><SR>-1</SR><SD>3 of 4</SD>' \
           '</PR></MS></Obj>' in result.err_raw
    result = ps("$ProgressPreference = 'SilentlyContinue'; Invoke-EngineTestStreams -Verbose -WarningAction Ignore")
    assert result.progress == [] and result.streams == [("verbose", "details\r\n")]
    result = ps("Write-Warning 'w1'; Write-Verbose 'v1'; $VerbosePreference = 'Continue'; Write-Verbose 'v2'")
    assert result.streams == [("warning", "w1\r\n"), ("verbose", "v2\r\n")] and result.code == 0


def test_control_characters_are_escaped_like_powershell_serialization():
    result = ps("Write-Warning \"bell`a tab`t _x0041_\"")
    assert "bell_x0007_ tab_x0009_ _x005F_x0041_" in result.err_raw
    assert result.streams == [("warning", "bell\a tab\t _x0041_\r\n")]


@pytest.mark.parametrize("script, message, error_id, position", [
    ("$x = (1", "Missing closing ')' in expression.", "MissingEndParenthesisInExpression", (1, 8)),
    ("if ($true) {\n 'x'", "Missing closing '}' in statement block or type definition.", "MissingEndCurlyBrace",
     None),
    ("$a = $b ? 1 : 2", "Unexpected token '?' in expression or statement.", "UnexpectedToken", (1, 8)),
    ("'a' && 'b'", "The token '&&' is not a valid statement separator in this version.", "InvalidEndOfLine",
     (1, 5)),
])
def test_syntax_errors_are_parse_exceptions(script, message, error_id, position):
    result = ps("'must not run'\n" + script if False else script)
    assert result.code == 1 and result.out == ""
    record = result.errors[0].splitlines()
    assert record[3] == message
    assert record[4] == "    + CategoryInfo          : ParserError: (:) [], ParentContainsErrorRecordException"
    assert record[5] == "    + FullyQualifiedErrorId : " + error_id
    if position:
        assert record[0] == "At line:%d char:%d" % position


def test_nothing_runs_when_the_script_does_not_parse():
    result = ps("Write-Host 'side effect'\n$x = (")
    assert result.code == 1 and result.out == ""


def test_unsupported_construct_is_refused_with_its_position():
    result = ps("'ok'\ntrap {\n 'trapped'\n}")
    assert result.code == 1 and result.out == ""          # refused before anything runs
    record = result.errors[0].splitlines()
    assert record[0] == "At line:2 char:1"
    assert record[3].startswith("The PowerShell lab does not support the trap statement (trap_statement "
                                "'trap {")
    assert "at line 2, column 1" in record[3]
    assert record[5] == "    + FullyQualifiedErrorId : PchatLabUnsupportedConstruct"
    result = ps("class Room {\n  [string]$Name\n}")
    assert result.code == 1 and "class definitions (class_statement" in result.error_text


@pytest.mark.parametrize("script, fragment", [
    ("'abc'.Normalize()", "the method String.Normalize()"),
    ("[System.IO.File]::ReadAllText('x')", "the static method [System.IO.File]::ReadAllText()"),
    ("$x = 1..$(3)", "a numeric literal followed by arguments"),
    ("Format-Wide", "the cmdlet Format-Wide"),
    ("Get-Date | Out-File x.txt", "the cmdlet Out-File"),
    ("$using:x", "the variable drive or scope 'using:'"),
    ("Get-Date > out.txt", "redirection"),
])
def test_runtime_refusals_name_the_construct(script, fragment):
    result = ps(script)
    assert result.code == 1
    assert fragment in result.error_text
    assert "PchatLabUnsupportedConstruct" in result.error_text


def test_refusal_is_not_caught_by_try_catch():
    result = ps("try { 'abc'.Normalize() } catch { 'caught' }")
    assert result.code == 1 and "caught" not in result.out


def test_numeric_literal_misparse_is_never_run_as_a_command():
    assert lines(ps("$n = 2; 1..$n; 3KB; 10L").out) == ["1", "2", "3072", "10"]
    result = ps("1..3 foo")
    assert result.code == 1 and "reads '1..3' as a command name" in result.error_text


def test_codepages():
    result = ps("'caf\u00e9 \u2713'", codepage=437)
    assert result.sink.out == "caf\u00e9 ?\r\n".encode("cp437")
    result = ps("'caf\u00e9 \u2713'", codepage=65001)
    assert result.sink.out == "caf\u00e9 \u2713\r\n".encode("utf-8")


def test_fault_injection_fails_the_cmdlet():
    lab = FakeLab()
    lab.faults.add(kind="cmdlet", cmdlet="Get-Date", nth=2, message="Injected: service unavailable.")
    result = ps("Get-Date -Format yyyy; Get-Date -Format yyyy; 'after'", lab=lab)
    assert len(lines(result.out)) == 2 and lines(result.out)[1] == "after"
    assert result.errors[0].startswith("Get-Date : Injected: service unavailable.")


def test_module_cmdlets_need_the_module_on_the_host():
    result = ps("Get-EngineTestItem -Name x", host=FakeHost(modules=()))
    assert result.code == 1
    assert (NOT_RECOGNIZED % "Get-EngineTestItem") in result.error_text
    result = ps("Import-Module EngineTest; Get-EngineTestItem -Name x | Select-Object -ExpandProperty Name")
    assert result.code == 0 and lines(result.out) == ["x"]
    result = ps("Import-Module NoSuchModule")
    assert result.code == 1
    assert result.errors[0].splitlines()[0] == ("Import-Module : The specified module 'NoSuchModule' was not loaded "
                                                "because no valid module file was found in any module directory.")
    assert "ResourceUnavailable: (NoSuchModule:String) [Import-Module], FileNotFoundException" in result.errors[0]
    assert "Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand" in result.errors[0]


def test_a_bug_of_the_lab_is_reported_not_swallowed():
    result = ps("'before'; Invoke-EngineTestBug; 'after'")
    assert result.code == 1 and lines(result.out) == ["before"]
    assert "The PowerShell lab failed internally (ValueError: a Python bug" in result.error_text
    assert "PchatLabInternalError" in result.error_text


@pytest.mark.parametrize("script, gap", [
    ("function f { param($a) $a }", "param(...) followed by a statement on the same line"),
    ("switch (1) { 1 { 'a' } default { 'b' } }", "a switch statement written on one line"),
])
def test_known_grammar_gaps_are_named_as_such(script, gap):
    result = ps(script)
    assert result.code == 1 and result.out == ""
    assert "cannot read this valid PowerShell: " + gap in result.error_text
    assert "FullyQualifiedErrorId : PchatLabGrammarGap" in result.error_text


def test_script_param_block_and_unmodelled_automatic_variables():
    assert lines(ps("param($n = 3, [switch]$s)\n\"n=$n s=$s\"").out) == ["n=3 s=False"]
    result = ps("param([Parameter(Mandatory=$true)][string]$Name)\n'never'")
    assert result.code == 1 and result.out == ""
    assert result.errors[0].startswith("Cannot process command because of one or more missing mandatory "
                                       "parameters: Name.")
    result = ps("$MyInvocation.MyCommand.Path")
    assert result.code == 1 and "the automatic variable $MyInvocation" in result.error_text
