"""The interpreted PowerShell subset: literals, variables, operators, control flow, functions and
pipelines, checked against what Windows PowerShell 5.1 prints for the same script."""
from __future__ import annotations

import pytest

from powershell_helpers import lines, ps, engine_test_cmdlets  # noqa: F401  (autouse fixture)


def out(script: str) -> list:
    result = ps(script)
    assert result.code == 0 and not result.errors, (result.code, result.err_raw)
    return lines(result.out)


@pytest.mark.parametrize("script, expected", [
    ("$x = 'a''b'; $x", ["a'b"]),
    ('$n = 5; "n=$n, twice=$($n * 2)"', ["n=5, twice=10"]),
    ('"tab`there `"q`" `$n ``"', ["tab\there \"q\" $n `"]),
    ('"say ""hi"""', ['say "hi"']),
    ("@'\nraw $x `n\n'@", ["raw $x `n"]),
    ('$x = 7\n@"\nx is $x\n"quoted"\n"@', ['x is 7\n"quoted"']),
    ("0x10; 1KB; 1.5; 10/4; 10/5; 7 % 3; 2 * 3 + 1", ["16", "1024", "1.5", "2.5", "2", "1", "7"]),
    ("1..3", ["1", "2", "3"]),
    ("foreach ($i in 1..3) { $i * 2 }", ["2", "4", "6"]),
    ("$a = (3..1); $a[0]", ["3"]),
    ("1 .. 2", ["1", "2"]),
    ("$true; $false; $null", ["True", "False"]),
    ("0.1 + 0.2; 1e20", ["0.3", "1E+20"]),
    ("'5' + 5; 5 + '5'; 'ab' * 2", ["55", "10", "abab"]),
])
def test_literals_and_arithmetic(script, expected):
    assert out(script) == expected


def test_arrays_indexing_and_hashtables():
    assert out("$a = 1,2,3; $a.Count; $a[-1]; $a[0..1] -join '+'; @().Count; @(5).Count") == \
        ["3", "3", "1+2", "0", "1"]
    assert out("$h = @{Name='x'; Size=2}; $h['name']; $h.Size; $h.Count; $h.ContainsKey('SIZE')") == \
        ["x", "2", "2", "True"]
    assert out("$h = [ordered]@{b=1; a=2}; $h.Keys -join ','") == ["b,a"]
    assert out("$h = @{}; $h.Add('k', 1); $h.k += 4; $h.k") == ["5"]
    assert out("$o = [pscustomobject]@{z=1; y=2}; $o.z; ($o | ConvertTo-Json -Compress)") == ['1', '{"z":1,"y":2}']


def test_casts():
    assert out("[int]'42' + 1; [string]5 + 1; [bool]'false'; [bool]''; [int]2.5; [int]3.5; [long]'9000000000'") == \
        ["43", "51", "True", "False", "2", "4", "9000000000"]
    assert out("[array]$x = 'one'; $x.Count; ([datetime]'2026-01-02 03:04:05').Day") == ["1", "2"]
    result = ps("[int]'abc'")
    assert result.code == 1
    assert result.errors[0].splitlines()[0] == \
        'Cannot convert value "abc" to type "System.Int32". Error: "Input string was not in a correct format."'
    assert "FullyQualifiedErrorId : InvalidCastFromStringToInteger" in result.errors[0]


@pytest.mark.parametrize("script, expected", [
    ("1,2,3,4 -gt 2", ["3", "4"]),
    ("'a','b','a' -eq 'A'", ["a", "a"]),
    ("'10' -eq 10; 10 -eq '10'; '10' -eq '10.0'; 10 -eq '10.0'", ["True", "True", "False", "True"]),
    ("'abc' -lt 'abd'; 'B' -eq 'b'; 'B' -ceq 'b'", ["True", "True", "False"]),
    ("'PCPool01' -like 'pcpool*'; 'x' -notlike '?'", ["True", "False"]),
    ("'user@contoso.local' -match '^(?<name>[^@]+)@'; $Matches.name; $Matches[0]",
     ["True", "user", "user@"]),
    ("'a1b22' -replace '\\d+', '#'; 'John Smith' -replace '(\\w+) (\\w+)', '$2, $1'", ["a#b#", "Smith, John"]),
    ("('a,b,,c' -split ',').Count; (-split ' x  y ').Count; 1,2,3 -join '-'", ["4", "2", "1-2-3"]),
    ("1,2,3 -contains 2; 4 -in 1,2,3; 'x' -notin 'a','b'", ["True", "False", "True"]),
    ("'s' -is [string]; 5 -is [int]; 5 -isnot [string]; '12' -as [int]; ('x' -as [int]) -eq $null",
     ["True", "True", "True", "12", "True"]),
    ("'{0:N2}|{1,4}|{2:D3}|{3:yyyy-MM-dd}' -f 1234.5, 'ab', 7, [datetime]'2026-11-25'",
     ["1,234.50|  ab|007|2026-11-25"]),
    ("-not $true; !$false; $true -and $false; $false -or 1; 5 -band 3", ["False", "True", "False", "True", "1"]),
])
def test_operators(script, expected):
    assert out(script) == expected


def test_control_flow():
    script = """
$r = @()
foreach ($i in 1..6) {
    if ($i -eq 2) { continue }
    elseif ($i -eq 5) { break }
    else { $r += $i }
}
$r -join ','
for ($i = 0; $i -lt 3; $i++) { "for $i" }
$n = 0; while ($n -lt 2) { $n++ }; $n
do { $n-- } until ($n -le 0); $n
$x = if ($n -eq 0) { 'zero' } else { 'other' }; $x
"""
    assert out(script) == ["1,3,4", "for 0", "for 1", "for 2", "2", "0", "zero"]


def test_try_catch_finally_and_error_record_members():
    script = """
try { throw 'boom' } catch { "caught $($_.Exception.Message) id=$($_.FullyQualifiedErrorId)" } finally { 'finally' }
try { [int]'x' } catch [System.Management.Automation.RuntimeException] { $_.CategoryInfo.Category }
try { Get-Date -Date 'not a date' -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
try { try { throw 'inner' } finally { 'inner finally' } } catch { "outer $_" }
"""
    assert out(script) == ["caught boom id=boom", "finally", "InvalidArgument",
                           "CannotConvertArgumentNoMessage,Microsoft.PowerShell.Commands.GetDateCommand",
                           "inner finally", "outer inner"]


def test_functions_with_param_blocks():
    script = """
function Get-Greeting {
    param(
        [Parameter(Mandatory=$true)][string]$Name,
        [int]$Times = 1,
        [switch]$Loud
    )
    $text = ("hi $Name " * $Times).Trim()
    if ($Loud) { return $text.ToUpper() }
    $text
}
Get-Greeting -Name bob
Get-Greeting ann 2 -Loud
Get-Greeting -N cy -T 1
"""
    assert out(script) == ["hi bob", "HI ANN HI ANN", "hi cy"]
    result = ps("function f { param([Parameter(Mandatory=$true)][string]$Name)\n $Name }\nf")
    assert result.code == 1
    assert result.errors[0].startswith(
        "f : Cannot process command because of one or more missing mandatory parameters: Name.")


def test_pipelines_and_script_blocks():
    script = """
$items = @(
  [pscustomobject]@{Name='b'; Size=3},
  [pscustomobject]@{Name='a'; Size=1},
  [pscustomobject]@{Name='c'; Size=2}
)
($items | Where-Object { $_.Size -gt 1 } | ForEach-Object { $_.Name }) -join ','
($items | Where-Object Size -ge 2 | Sort-Object Name | ForEach-Object Name) -join ','
($items | Sort-Object -Property Size -Descending | Select-Object -First 2 -ExpandProperty Name) -join ','
($items | Select-Object -Last 1).Name
($items | Measure-Object -Property Size -Sum).Sum
($items | Select-Object @{Name='Big'; Expression={ $_.Size * 10 }} | Select-Object -ExpandProperty Big) -join ','
(1,1,2 | Select-Object -Unique) -join ','
($items | Group-Object { $_.Size -gt 1 } | ForEach-Object { "$($_.Name)=$($_.Count)" }) -join ';'
"""
    assert out(script) == ["b,c", "b,c", "b,c", "c", "6", "30,10,20", "1,2", "True=2;False=1"]


def test_splatting_env_and_automatic_variables():
    assert out("$p = @{Format='yyyy'; Date='2026-03-04'}; Get-Date @p") == ["2026"]
    assert out("$env:computername; $env:PATH; $null -eq $LASTEXITCODE") == ["FE01", "C:\\Windows\\system32", "True"]
    assert out("$env:LAB_X = 'y'; $env:lab_x") == ["y"]


def test_methods_and_static_members():
    assert out("'  Hello '.Trim().ToUpper(); 'a,b;c'.Split(',;').Count; 'abc'.Replace('b', 'X'); "
               "'abcdef'.Substring(2, 3); 'abc'.StartsWith('ab'); 'abc'.Contains('z')") == \
        ["HELLO", "3", "aXc", "cde", "True", "False"]
    assert out("[Math]::Round(2.5); [Math]::Round(3.14159, 2); [DateTime]::UtcNow.Kind") == ["2", "3.14", "Utc"]
    assert out("$b = [Text.Encoding]::UTF8.GetBytes('h\u00e9'); $b.Count; $s = [Convert]::ToBase64String($b); $s; "
               "[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($s))") == ["3", "aMOp", "h\u00e9"]
    assert out("[datetime]::Parse('2026-11-25T10:00:00Z').ToString('o')") == ["2026-11-25T10:00:00.0000000Z"]
    result = ps("'abc'.Substring(5)")
    assert result.code == 1
    assert result.errors[0].splitlines()[0] == ('Exception calling "Substring" with "1" argument(s): "startIndex '
                                                'cannot be larger than length of string.')


def test_exit_code_and_output_before_exit():
    result = ps("'before'; exit 3; 'after'")
    assert (result.code, lines(result.out)) == (3, ["before"])


def test_output_is_streamed_statement_by_statement():
    result = ps("'first'; Start-Sleep -Milliseconds 300; 'second'")
    assert lines(result.out) == ["first", "second"]
    first, second = result.sink.chunks[0], result.sink.chunks[-1]
    assert first[1] == b"first\r\n"
    assert second[0] - first[0] >= 0.25


def test_default_formatting_of_objects():
    assert out("[pscustomobject]@{Name='pool'; Count=12}") == ["", "Name Count", "---- -----", "pool    12", "", ""]
    assert out("[pscustomobject]@{A=1; B=2; C=3; D=4; E='five'}") == \
        ["", "A : 1", "B : 2", "C : 3", "D : 4", "E : five", "", ""]
    assert out("@{Key='v'}") == ["", "Name                           Value", "----                           -----",
                                 "Key                            v", "", ""]
    assert out("[datetime]'2026-11-25 11:15:00'") == ["Wednesday, November 25, 2026 11:15:00 AM"]


def test_write_host_and_out_string():
    assert out("Write-Host 'a' 'b'; Write-Output x y; (1,2 | Out-String)") == ["a b", "x", "y", "1", "2", ""]


def test_strict_mode_versions_1_and_2():
    result = ps("Set-StrictMode -Version Latest\n$o = [pscustomobject]@{x=1}\n$o.x\n$o.nope\n$missing\n'end'")
    assert lines(result.out) == ["1", "end"] and result.code == 0
    assert result.errors[0].startswith("The property 'nope' cannot be found on this object. Verify that the "
                                       "property exists.\r\nAt line:4 char:1")
    assert result.errors[1].startswith("The variable '$missing' cannot be retrieved because it has not been set.")
    assert out("$missing -eq $null; Set-StrictMode -Version 1.0; Set-StrictMode -Off; $missing -eq $null") == \
        ["True", "True"]


def test_console_output_encoding_switches_stdout_bytes():
    result = ps("'\u00e9'; [Console]::OutputEncoding = [Text.Encoding]::UTF8; '\u00e9'", codepage=437)
    assert result.sink.out == "\u00e9\r\n".encode("cp437") + "\u00e9\r\n".encode("utf-8")


def test_get_date_object_serializes_with_display_hint():
    import json
    data = json.loads(ps("Get-Date -Date '2026-11-25 11:15' | ConvertTo-Json").out)
    assert data["DisplayHint"] == 2 and data["DateTime"] == "Wednesday, November 25, 2026 11:15:00 AM"
    assert data["value"].startswith("/Date(")


def test_merged_error_stream_prints_the_record_on_stdout():
    result = ps("Invoke-EngineTestStreams -Fail 2>&1 3>$null")
    assert result.errors == [] and result.code == 1
    assert not any(stream == "warning" for stream, _ in result.streams)
    assert lines(result.out)[:3] == ["Invoke-EngineTestStreams : Cannot find item 'x'.", "At line:1 char:1",
                                     "+ Invoke-EngineTestStreams -Fail 2>&1 3>$null"]
    assert lines(result.out)[-1] == "done"
    # A terminating error is not redirected: it still goes to the error stream.
    assert len(ps("Get-EngineTestFailure d1 2>&1").errors) == 1


def test_bare_word_lists_as_arguments():
    # tree-sitter-powershell leaves a MISSING separator in `Name,Domain`; PowerShell reads a string array.
    assert out("[pscustomobject]@{Name='n'; Domain='d'; X=1} | Select-Object -Property Name,Domain | "
               "ConvertTo-Json -Compress; Write-Output a,b") == ['{"Name":"n","Domain":"d"}', "a", "b"]
    # A bare word beside a hashtable is a string too (issue 11: the grammar gap is no longer reported as an
    # invented "Missing ' '." parse error).
    assert out("[pscustomobject]@{Name='n'} | Select-Object -Property Name,@{n='x';e={1}} | "
               "ConvertTo-Json -Compress") == ['{"Name":"n","x":1}']


def test_the_collection_script_wrapper_shape():
    script = "\n".join([
        "$ErrorActionPreference='Stop'", "$ProgressPreference='SilentlyContinue'", "$pchatOut=&{",
        "$r=[ordered]@{}", "$t=Get-Date",
        "if(@(Get-Command Get-NoSuchCmd -ErrorAction SilentlyContinue).Count){$r['x']=1}else{$r['x']=$null}",
        "$r['n']=@(1..3|Where-Object {$_ -ne 2}|ForEach-Object{$_*2})",
        "$r['nan']=[double]::NaN -eq [double]::NaN; $r['f']=[double]'1.5'; $r['ts']=[string][timespan]'1.02:03:04'",
        "$r['d']=[math]::Round(((Get-Date)-$t).TotalSeconds,3) -ge 0",
        "$r", "}", "ConvertTo-Json -InputObject $pchatOut -Compress -Depth 8"])
    assert out(script) == ['{"x":null,"n":[2,6],"nan":false,"f":1.5,"ts":"1.02:03:04","d":true}']
    failing = script.replace("$r=[ordered]@{}", "$r=[ordered]@{}; Get-EngineTestFailure boom")
    result = ps(failing)
    assert result.code == 1 and result.out == ""
    assert result.errors[0].startswith("Get-EngineTestFailure : The item 'boom' is broken.")


def test_display_properties_choose_the_default_view():
    from pchat_lab.powershell.api import PSObject
    from pchat_lab.powershell.formatting import out_string
    svc = PSObject({"Name": "WinRM", "DisplayName": "Windows Remote Management", "Status": "Running",
                    "CanStop": True, "ServiceType": "Win32OwnProcess"})
    assert out_string([svc]).startswith("\r\nName        : WinRM\r\nDisplayName : ")
    svc.display_properties = ("Status", "Name", "DisplayName")
    assert out_string([svc]).split("\r\n")[1:4] == ["Status  Name  DisplayName", "------  ----  -----------",
                                                   "Running WinRM Windows Remote Management"]


def test_switch_statement():
    script = """
foreach ($x in 'abc', 5, 'zz', 2) {
  switch -Wildcard ($x) {
    'a*' { "A:$_"; break }
    {$_ -is [int] -and $_ -gt 3} { "big:$_" }
    2 { 'two' }
    default { "other:$_" }
  }
}
switch (1, 2, 3) {
  2 { 'two'; continue }
  default { "d$_" }
}
$p = '^(\\w+)@'
switch -Regex ('user@x') {
  $p { $Matches[1] }
}
switch -CaseSensitive ('A') {
  'a' { 'lower' }
  'A' { 'upper' }
}
"""
    assert out(script) == ["A:abc", "big:5", "other:zz", "two", "d1", "two", "d3", "user", "upper"]
    # One-line switch is a tree-sitter-powershell gap: a parse error, never a guess.
    assert ps("switch (1) { 1 { 'a' } default { 'b' } }").code == 1


def test_add_member_note_properties():
    script = """
$o = [pscustomobject]@{a=1}
$o | Add-Member -NotePropertyName b -NotePropertyValue 2
Add-Member -InputObject $o -MemberType NoteProperty -Name c -Value 3
$o | Add-Member NoteProperty d 4 -PassThru | ConvertTo-Json -Compress
$o | Add-Member -NotePropertyMembers @{e=5} -Force; $o.e
"""
    assert out(script) == ['{"a":1,"b":2,"c":3,"d":4}', "5"]
    result = ps("$o = [pscustomobject]@{a=1}; $o | Add-Member -NotePropertyName a -NotePropertyValue 9")
    assert result.errors[0].startswith('Add-Member : Cannot add a member with the name "a" because a member with '
                                       'that name already exists.')
    assert "MemberAlreadyExists,Microsoft.PowerShell.Commands.AddMemberCommand" in result.errors[0]
    assert ps("$o = [pscustomobject]@{a=1}; $o | Add-Member ScriptMethod m { 1 }").code == 1


def test_comparison_failure_message():
    result = ps("5 -gt 'abc'")
    assert result.errors[0].splitlines()[0] == ('Could not compare "5" to "abc". Error: "Cannot convert value "abc" to '
                                                'type "System.Int32". Error: "Input string was not in a correct '
                                                'format.""')
    assert "FullyQualifiedErrorId : ComparisonFailure" in result.errors[0]


def test_arrays_written_as_one_object_are_enumerated_by_out_default():
    assert out(",(1,2,3); Write-Output -NoEnumerate @(4,5); (,(1,2)).Count") == ["1", "2", "3", "4", "5", "1"]


def test_bound_parameters_and_enum_statics():
    assert out("function f {\nparam($a, $b)\n($PSBoundParameters.Keys | Sort-Object) -join ','\n}\nf -b 2 -a 1; f 5") == \
        ["a,b", "a"]
    assert out("[System.IO.FileAttributes]::ReparsePoint -band 1024; "
               "[System.ServiceProcess.ServiceControllerStatus]::Running -eq 'running'") == ["1024", "True"]


def test_advanced_functions_take_common_parameters_simple_ones_do_not():
    script = "function g {\n[CmdletBinding()]\nparam($x)\nWrite-Verbose \"v=$x\"\nWrite-Error 'e'\n'after'\n}\n"
    result = ps(script + "g -x 1 -Verbose -ErrorAction SilentlyContinue")
    assert lines(result.out) == ["after"] and result.streams == [("verbose", "v=1\r\n")]
    result = ps(script + "g -x 2 -ErrorAction Stop\n'never'")
    assert result.code == 1 and result.out == "" and result.errors[0].startswith("g : e\r\nAt line:8 char:1")
    result = ps("function f {\nparam($x)\n$x\n}\nf -x 1 -Verbose")
    assert "f : A parameter cannot be found that matches parameter name 'Verbose'." in result.error_text
