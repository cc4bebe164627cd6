"""Windows PowerShell 5.1 idioms of issue 11, class 6: calculated properties mixed with plain names,
Measure-Object over a recursive listing, Format-Table / Format-List / Out-String, ConvertTo-Csv /
Export-Csv with 5.1's `#TYPE` line, and grammar gaps reported as the lab's own marker. Each test names
the Microsoft page its expectation comes from."""
from __future__ import annotations

import pytest

from pchat_lab.powershell import parser
from test_windows_cmdlets import lines, ps, win_lab  # noqa: F401  (fixture)


def test_calculated_properties_in_every_documented_spelling_mixed_with_names(win_lab):
    # about_Calculated_Properties: "Name/Label ... Expression", keys may be abbreviated (n, l, e), e.g.
    # `Get-ChildItem | Select-Object Name, @{Name='KB';Expression={$_.Length / 1KB}}`.
    r = ps(win_lab, "$s = Get-Service -Name RTCSRV; "
                    "$s | Select-Object Name, @{n='Up';e={$_.Name.ToUpper()}}, @{Name='Len';Expression={$_.Name.Length}},"
                    " @{l='S';e={$_.Status}}, @{label='One';expression={1}}, Status | ForEach-Object {"
                    " '{0}|{1}|{2}|{3}|{4}|{5}' -f $_.Name, $_.Up, $_.Len, $_.S, $_.One, $_.Status }")
    assert r.rc == 0, r.errors
    assert lines(r) == ["RTCSRV|RTCSRV|6|Running|1|Running"]


def test_calculated_property_with_a_multiplied_number(win_lab):
    # about_Calculated_Properties example: @{Name='KB';Expression={$_.Length / 1KB}} ; 1KB = 1024
    # (about_Numeric_Literals). The grammar cannot read `/1KB`; the lab reads it as PowerShell does.
    r = ps(win_lab, "New-Item -ItemType Directory C:\\calc -Force | Out-Null; Set-Content C:\\calc\\a.txt ('x' * 2046); "
                    "Get-ChildItem C:\\calc | Select-Object Name, Length, @{Name='KB';Expression={$_.Length/1KB}} |"
                    " ForEach-Object { '{0} {1} {2}' -f $_.Name, $_.Length, $_.KB }")
    assert r.rc == 0, r.errors
    assert lines(r) == ["a.txt 2048 2"]


def test_measure_object_sum_over_a_recursive_listing_skips_folders(win_lab):
    # Measure-Object help, Example: `Get-ChildItem | Measure-Object -Property Length -Minimum -Maximum -Sum
    # -Average`; folders (DirectoryInfo) have no Length and are not counted.
    r = ps(win_lab, "New-Item -ItemType Directory C:\\m\\sub -Force | Out-Null; "
                    "Set-Content C:\\m\\a.txt 'hello'; Set-Content C:\\m\\sub\\b.txt 'hello world'; "
                    "$m = Get-ChildItem C:\\m -Recurse | Measure-Object -Property Length -Sum -Maximum; "
                    "'{0} {1} {2}' -f $m.Count, $m.Sum, $m.Maximum")
    assert r.rc == 0, r.errors
    assert lines(r) == ["2 20 13"]
    # No object with the property at all: Measure-Object's GenericMeasurePropertyNotFound, no result.
    r = ps(win_lab, "Get-ChildItem C:\\m -Directory | Measure-Object -Property Length -Sum")
    assert "GenericMeasurePropertyNotFound" in r.errors and r.out.strip() == ""


def test_format_table_and_format_list_render_as_out_default(win_lab):
    r = ps(win_lab, "Get-Service -Name RTCSRV,RTCREPLICA | Format-Table Name, Status -AutoSize")
    assert r.rc == 0, r.errors
    assert r.out.split("\r\n")[:5] == ["", "Name       Status", "----       ------", "RTCSRV     Running",
                                       "RTCREPLICA Running"]
    r = ps(win_lab, "Get-Service -Name RTCSRV | Format-List Name, @{n='Up';e={$_.Name.ToUpper()}}")
    assert r.out.split("\r\n")[:4] == ["", "Name : RTCSRV", "Up   : RTCSRV", ""]
    # Format-Table keeps a table even with five or more columns (Out-Default alone would list them).
    r = ps(win_lab, "Get-Service -Name RTCSRV | Select-Object Name, Status, DisplayName, StartType, ServiceName |"
                    " Format-Table")
    assert r.out.split("\r\n")[1].split() == ["Name", "Status", "DisplayName", "StartType", "ServiceName"]
    # -HideTableHeaders; a hashtable keeps its Name/Value view.
    r = ps(win_lab, "Get-Service -Name RTCSRV | Format-Table Name -HideTableHeaders; @{a=1} | Format-Table")
    assert lines(r) == ["RTCSRV", "Name                           Value", "----                           -----",
                        "a                              1"]


def test_out_string_of_format_output_and_format_objects_are_not_data(win_lab):
    # Out-String help: "converts input objects into strings"; the format view as one string.
    r = ps(win_lab, "$t = Get-Service -Name RTCSRV | Format-List Name, Status | Out-String; $t.GetType().Name; "
                    "$t.Contains('Name   : RTCSRV')")
    assert lines(r)[:2] == ["String", "True"]


def test_convertto_csv_has_the_type_line_of_51(win_lab):
    # ConvertTo-Csv 5.1 help: "-NoTypeInformation: Omits the type information header from the output. By
    # default, the string in the output contains #TYPE followed by the object type."
    r = ps(win_lab, "Get-Service -Name RTCSRV | Select-Object Name, Status | ConvertTo-Csv")
    assert r.rc == 0, r.errors
    assert lines(r) == ["#TYPE Selected.System.ServiceProcess.ServiceController", '"Name","Status"',
                        '"RTCSRV","Running"']
    r = ps(win_lab, "[pscustomobject]@{a=$null; b='say \"hi\"'; c=1,2} | ConvertTo-Csv -NoTypeInformation; "
                    "'abc' | ConvertTo-Csv -NoTypeInformation; "
                    "[pscustomobject]@{a=1;b=2},[pscustomobject]@{a=3;x=4} | ConvertTo-Csv -NoTypeInformation -Delimiter ';'")
    assert lines(r) == ['"a","b","c"', ',"say ""hi""","System.Object[]"', '"Length"', '"3"',
                        '"a";"b"', '"1";"2"', '"3";']


def test_export_csv_writes_ascii_with_the_type_line_and_appends_rows(win_lab):
    # Export-Csv 5.1 help: -Encoding "The default value is ASCII"; -Append "adds the CSV output to the end
    # of the specified file" (no second header).
    r = ps(win_lab, "New-Item -ItemType Directory C:\\csv -Force | Out-Null; "
                    "Get-Service -Name RTCSRV | Select-Object Name, Status | Export-Csv C:\\csv\\s.csv; "
                    "Get-Service -Name RTCREPLICA | Select-Object Name, Status | Export-Csv C:\\csv\\s.csv -Append")
    assert r.rc == 0, r.errors
    data = (win_lab.host("FE01").drives["C"].root / "csv" / "s.csv").read_bytes()
    assert data == (b'#TYPE Selected.System.ServiceProcess.ServiceController\r\n"Name","Status"\r\n'
                    b'"RTCSRV","Running"\r\n"RTCREPLICA","Running"\r\n')
    r = ps(win_lab, "Get-Service -Name RTCSRV | Export-Csv C:\\csv\\s.csv -NoClobber")
    assert r.rc != 0 and "already exists" in r.errors
    r = ps(win_lab, "Get-Service -Name RTCSRV | Export-Csv C:\\csv\\s.csv -WhatIf")
    assert "What if:" in r.out


@pytest.mark.parametrize("script", [
    "function f { param($a) $a }",                        # param(...) and a statement on one line
    "switch (1) { 1 { 'a' } default { 'b' } }",            # one-line switch
])
def test_grammar_gaps_are_the_labs_marker(script):
    with pytest.raises(parser.ScriptSyntaxError) as info:
        parser.parse(script)
    assert info.value.error_id == "PchatLabGrammarGap"


@pytest.mark.parametrize("script", [
    "Get-Service RTCSRV, $n", "Get-Service $n, RTCSRV", "Write-Output a, 1, (2), @(3), $(4)",
    "Select-Object Name, @{n='Up';e={1}}, Status",
])
def test_bare_words_beside_other_list_elements_are_arguments(script):
    # about_Parsing: in argument mode a bare word is a string, whatever the other elements of the list are;
    # the grammar cannot read such lists, the lab reads them as PowerShell does.
    parser.parse(script)


def test_bare_words_in_expression_mode_stay_errors():
    with pytest.raises(parser.ScriptSyntaxError):
        parser.parse("$a = 1, b")


def test_a_token_only_the_grammar_needs_is_never_reported_as_missing():
    # PowerShell has no "Missing ' '." error: a MISSING token the grammar invents is the lab's marker.
    for script in ("Select-Object Name ,@{n='x';e={1}} ,Status",):
        try:
            parser.parse(script)
        except parser.ScriptSyntaxError as error:
            assert error.error_id in ("PchatLabGrammarGap", "UnexpectedToken"), error.error_id
            assert "Missing ' '" not in str(error)
    with pytest.raises(parser.ScriptSyntaxError) as info:
        parser.parse("Write-Output (1")
    assert info.value.error_id == "MissingEndParenthesisInExpression"      # real PowerShell errors stay


def test_import_csv_reads_back_what_export_csv_wrote(win_lab):
    # Import-Csv 5.1 help: the #TYPE line becomes the objects' type name "CSV:<type>"; every value is a
    # string. ConvertFrom-Csv: the first string is the header, quoted fields keep delimiters and "".
    r = ps(win_lab, "New-Item -ItemType Directory C:\\csv2 -Force | Out-Null; "
                    "Get-Service -Name RTCSRV,RTCREPLICA | Select-Object Name, Status | Export-Csv C:\\csv2\\s.csv; "
                    "$o = Import-Csv C:\\csv2\\s.csv; $o.Count; $o[1].Name; $o[0].Status.GetType().Name; "
                    "'a;b', '1;\"x;\"\"y\"', '2' | ConvertFrom-Csv -Delimiter ';' | ConvertTo-Json -Compress")
    assert r.rc == 0, r.errors
    assert lines(r) == ["2", "RTCREPLICA", "String", '[{"a":"1","b":"x;\\"y"},{"a":"2","b":null}]']
