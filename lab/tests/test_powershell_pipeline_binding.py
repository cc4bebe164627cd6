"""Pipeline binding as PowerShell's binder does it: for each object, by value then by property name,
without type coercion first and then with it, within the parameter sets the command line left (the
default set first). A FileInfo piped to Get-FileHash binds its PSPath to -LiteralPath and hashes the
file; a piped ServiceController binds to -InputObject, which rules out -Name in the other set."""
from __future__ import annotations

import hashlib
import json

import pytest

from pchat_lab.lab import Lab, load_topology
from pchat_lab.powershell.api import REGISTRY, Param, cmdlet

from powershell_helpers import TEST_CMDLETS, TEST_MODULE, lines, ps as engine_ps
from powershell_helpers import engine_test_cmdlets  # noqa: F401  (autouse fixture)
from test_windows_cmdlets import ps


# Declared as Get-FileHash is: Path by value and by property name in the default set, LiteralPath
# (alias PSPath) by property name only, in its own set.
@cmdlet("Get-EngineTestPipeHash", module=TEST_MODULE, default_set="Path", params=[
    Param("Path", "string[]", mandatory=True, position=0, sets=("Path",), from_pipeline=True,
          from_pipeline_by_name=True),
    Param("LiteralPath", "string[]", mandatory=True, sets=("LiteralPath",), aliases=("PSPath",),
          from_pipeline_by_name=True),
    Param("Algorithm", "string", values=("SHA256", "MD5")),
])
def get_engine_test_pipe_hash(ctx, args, pipeline):
    yield "%s:%s" % (args.parameter_set, ",".join(args.get("Path") or args.get("LiteralPath")))


# Registered only while a test runs, as the helpers' other test cmdlets (COVERAGE.md lists the rest).
TEST_CMDLETS.update({key: REGISTRY.by_name.pop(key) for key in list(REGISTRY.by_name)
                     if REGISTRY.by_name[key].module == TEST_MODULE})


def test_property_in_a_non_default_set_binds_when_the_default_set_cannot():
    result = engine_ps("[pscustomobject]@{PSPath='C:\\a[1].txt'; Name='a[1].txt'} | Get-EngineTestPipeHash")
    assert result.errors == []
    assert lines(result.out) == ["LiteralPath:C:\\a[1].txt"]


def test_a_string_binds_by_value_in_the_default_set():
    result = engine_ps("'C:\\x.txt', 'C:\\y.txt' | Get-EngineTestPipeHash -Algorithm MD5")
    assert lines(result.out) == ["Path:C:\\x.txt", "Path:C:\\y.txt"]


def test_a_named_argument_narrows_the_sets_pipeline_input_may_bind_in():
    # -LiteralPath given: the piped object's Path property has no set left to bind in.
    result = engine_ps("[pscustomobject]@{Path='C:\\p'} | Get-EngineTestPipeHash -LiteralPath 'C:\\q'")
    assert result.code == 1
    assert "InputObjectNotBound" in result.error_text


def test_property_name_binding_without_coercion_wins_over_value_binding_with_it():
    # The object would convert to a string for -Path (by value, with coercion), but its PSPath property
    # binds first (by property name, without coercion).
    result = engine_ps("[pscustomobject]@{PSPath='C:\\z'} | Get-EngineTestPipeHash")
    assert lines(result.out) == ["LiteralPath:C:\\z"]


@pytest.fixture
def win_lab(tmp_path):
    lab = Lab(load_topology("lync2010"), tmp_path, dataset="small")
    yield lab
    for backend in lab.backends.values():
        getattr(backend, "stop", lambda: None)()


def test_get_childitem_piped_to_get_filehash_hashes_every_file_of_the_repository(win_lab):
    script = ("Get-ChildItem -LiteralPath '\\\\gc01.contoso.local\\GroupChatFiles' -Recurse -File | "
              "Get-FileHash -Algorithm SHA256 | ConvertTo-Json -Compress")
    result = ps(win_lab, script, host="GC01")
    assert result.rc == 0, result.errors
    hashes = json.loads(result.out)
    assert len(hashes) == 20          # the small dataset's file repository holds 20 files
    count = ps(win_lab, "(Get-ChildItem -LiteralPath '\\\\gc01.contoso.local\\GroupChatFiles' -Recurse -File)"
                        ".Count", host="GC01")
    assert count.out.strip() == str(len(hashes))
    filesystem = win_lab.host("GC01").filesystem
    for entry in hashes:
        assert entry["Algorithm"] == "SHA256"
        assert entry["Path"].startswith("\\\\gc01.contoso.local\\GroupChatFiles\\")
        real = filesystem.resolve(entry["Path"]).real
        assert entry["Hash"] == hashlib.sha256(real.read_bytes()).hexdigest().upper()


def test_service_controllers_piped_to_stop_and_start_service(win_lab):
    stopped = ps(win_lab, "Get-Service -Name RTCCHAT | Stop-Service -PassThru | Select-Object Name,Status | "
                          "ConvertTo-Json -Compress", host="PC01")
    assert stopped.rc == 0, stopped.errors
    assert json.loads(stopped.out) == {"Name": "RTCCHAT", "Status": 1}
    started = ps(win_lab, "Get-Service -Name RTCCHAT | Start-Service -PassThru | Select-Object Name,Status | "
                          "ConvertTo-Json -Compress", host="PC01")
    assert json.loads(started.out) == {"Name": "RTCCHAT", "Status": 4}


def test_an_object_with_a_name_property_stops_that_service(win_lab):
    result = ps(win_lab, "[pscustomobject]@{Name='RTCCHAT'} | Stop-Service -PassThru | Select-Object Name,Status"
                         " | ConvertTo-Json -Compress", host="PC01")
    assert json.loads(result.out) == {"Name": "RTCCHAT", "Status": 1}
    changed = ps(win_lab, "[pscustomobject]@{ServiceName='RTCCHAT'} | Set-Service -StartupType Manual -PassThru | "
                          "Select-Object Name,StartType | ConvertTo-Json -Compress", host="PC01")
    assert changed.rc == 0, changed.errors
    assert json.loads(changed.out) == {"Name": "RTCCHAT", "StartType": 3}


def test_a_service_name_given_on_the_command_line_leaves_no_set_for_a_piped_controller(win_lab):
    result = ps(win_lab, "Get-Service -Name RTCCHAT | Stop-Service -Name RTCCHATCOMPLIANCE", host="PC01")
    assert result.rc == 1
    assert "The input object cannot be bound to any parameters for the command" in result.errors


def test_an_upstream_command_that_writes_nothing_leaves_the_cmdlet_unrun(win_lab):
    # After a |, a mandatory parameter the pipeline could bind is not asked for; no input, no error.
    script = ("New-Item -ItemType Directory -Path C:\\EmptyRepository | Out-Null; "
              "Get-ChildItem -LiteralPath C:\\EmptyRepository -File | Get-FileHash -Algorithm SHA256; "
              "@() | Stop-Service; 'done'")
    result = ps(win_lab, script, host="GC01")
    assert result.rc == 0 and result.errors == ""
    assert result.out == "done\r\n"


def test_first_in_the_pipeline_a_missing_mandatory_parameter_is_still_an_error():
    result = engine_ps("Get-EngineTestPipeHash")
    assert result.code == 1
    assert "missing mandatory parameters: Path" in result.error_text
    # After a |, a mandatory parameter the pipeline cannot bind is still missing.
    refused = engine_ps("@() | Get-EngineTestItem")
    assert "MissingMandatoryParameter" in refused.error_text


def test_a_string_piped_to_write_warning_binds_its_message():
    # Write-Warning help (5.1), Example 2: `$w = "This is only a test warning."; $w | Write-Warning`;
    # -Message "Accept pipeline input: True (ByValue)".
    result = engine_ps('$w = "This is only a test warning."; $w | Write-Warning')
    assert result.errors == []
    assert ("warning", "This is only a test warning.\r\n") in result.streams


def test_input_a_core_cmdlet_takes_by_property_name_only_is_not_bound_from_a_string():
    # Get-PSDrive help (5.1): -Name "Accept pipeline input: True (ByPropertyName)" and no parameter by value;
    # a string has no Name property.
    result = engine_ps("'C' | Get-PSDrive; 'after'")
    assert lines(result.out) == ["after"]
    assert "InputObjectNotBound,Microsoft.PowerShell.Commands.GetPSDriveCommand" in result.error_text


def test_a_service_name_piped_to_stop_service_binds_name_not_input_object(win_lab):
    # Stop-Service help (5.1): -InputObject <ServiceController[]> "True (ByValue)" in the default set
    # InputObject, -Name <String[]> "True (ByPropertyName, ByValue)": a string is no ServiceController, so it
    # binds -Name; a ServiceController from Get-Service binds -InputObject.
    expected = 'What if: Performing the operation "Stop-Service" on target "Windows Remote Management ' \
               '(WS-Management) (WinRM)".'
    by_name = ps(win_lab, "'WinRM' | Stop-Service -WhatIf")
    assert expected in by_name.out
    by_object = ps(win_lab, "Get-Service WinRM | Stop-Service -WhatIf")
    assert expected in by_object.out
    named = ps(win_lab, "Stop-Service -InputObject 'WinRM' -WhatIf")
    assert ('Cannot bind parameter \'InputObject\'. Cannot convert the "WinRM" value of type "System.String" to type '
            '"System.ServiceProcess.ServiceController".') in named.err.replace("_x000D__x000A_", "")
