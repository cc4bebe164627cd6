"""Parameter binding from the cmdlet declarations, with PowerShell 5.1's own error records."""
from __future__ import annotations

from powershell_helpers import lines, ps, engine_test_cmdlets  # noqa: F401  (autouse fixture)

CMD_TYPE = "EngineTest.GetEngineTestItemCommand"


def bound(script: str) -> dict:
    """Run a Get-EngineTestItem call and read back what it was bound with (via ConvertTo-Json)."""
    import json
    result = ps(script + " | ConvertTo-Json -Compress")
    assert result.code == 0 and not result.errors, result.error_text
    return json.loads(lines(result.out)[0])


def first_error(script: str) -> list:
    result = ps(script)
    assert result.code == 1 and result.out == "", (result.code, result.out)
    return result.errors[0].splitlines()


def test_names_prefixes_positions_and_switches():
    assert bound("Get-EngineTestItem -Name pool1") == {"Set": "ByName", "Name": "pool1"}
    assert bound("Get-EngineTestItem pool1 -Cou 3 -Fo") == {"Set": "ByName", "Name": "pool1", "Count": 3,
                                                          "Force": True}
    assert bound("Get-EngineTestItem -name:pool1 -Force:$false")["Force"] is False
    assert bound("Get-EngineTestItem -Name 'a b' -Enabled $true -Privacy secret") == {
        "Set": "ByName", "Name": "a b", "Enabled": True, "Privacy": 2}


def test_unknown_parameter():
    record = first_error("Get-EngineTestItem -Name x -Legacy")
    assert record == [
        "Get-EngineTestItem : A parameter cannot be found that matches parameter name 'Legacy'.",
        "At line:1 char:28", "+ Get-EngineTestItem -Name x -Legacy", "+                            ~~~~~~~",
        "    + CategoryInfo          : InvalidArgument: (:) [Get-EngineTestItem], ParameterBindingException",
        "    + FullyQualifiedErrorId : NamedParameterNotFound," + CMD_TYPE, " "]


def test_ambiguous_prefix():
    record = first_error("Get-EngineTestItem -Name x -F")
    assert record[0] == ("Get-EngineTestItem : Parameter cannot be processed because the parameter name 'F' is "
                         "ambiguous. Possible matches include: -Force -Filter.")
    assert record[-2] == "    + FullyQualifiedErrorId : AmbiguousParameter," + CMD_TYPE
    record = first_error("Get-EngineTestItem -Name x -Er Stop")
    assert "Possible matches include: -ErrorAction -ErrorVariable." in record[0]


def test_missing_mandatory_parameter_is_not_prompted_for():
    record = first_error("Get-EngineTestItem -Count 2")
    assert record[0] == ("Get-EngineTestItem : Cannot process command because of one or more missing mandatory "
                         "parameters: Name.")
    assert record[-2] == "    + FullyQualifiedErrorId : MissingMandatoryParameter," + CMD_TYPE


def test_validate_set_and_enum_values():
    record = first_error("Get-EngineTestItem -Name x -Mode Medium")
    assert record[0] == ('Get-EngineTestItem : Cannot validate argument on parameter \'Mode\'. The argument "Medium" '
                         'does not belong to the set "Fast,Slow" specified by the ValidateSet attribute. Supply an '
                         'argument that is in the set and then try the command again.')
    assert record[-3] == ("    + CategoryInfo          : InvalidData: (:) [Get-EngineTestItem], "
                          "ParameterBindingValidationException")
    assert record[-2] == "    + FullyQualifiedErrorId : ParameterArgumentValidationError," + CMD_TYPE
    record = first_error("Get-EngineTestItem -Name x -Privacy Hidden")
    assert record[0] == ('Get-EngineTestItem : Cannot bind parameter \'Privacy\'. Cannot convert value "Hidden" to '
                         'type "Microsoft.Rtc.Management.Chat.Cmdlets.ChatRoomPrivacy". Error: "Unable to match the '
                         'identifier name Hidden to a valid enumerator name. Specify one of the following enumerator '
                         'names and try again: Open, Closed, Secret"')
    assert record[-2] == "    + FullyQualifiedErrorId : CannotConvertArgumentNoMessage," + CMD_TYPE


def test_type_conversion_and_range_errors():
    record = first_error("Get-EngineTestItem -Name x -Count many")
    assert record[0] == ('Get-EngineTestItem : Cannot bind parameter \'Count\'. Cannot convert value "many" to type '
                         '"System.Int32". Error: "Input string was not in a correct format."')
    record = first_error("Get-EngineTestItem -Name x -Count 11")
    assert record[0] == ("Get-EngineTestItem : Cannot validate argument on parameter 'Count'. The 11 argument is "
                         "greater than the maximum allowed range of 10. Supply an argument that is less than or "
                         "equal to 10 and then try the command again.")
    record = first_error("Get-EngineTestItem -Name x -Enabled 'yes'")
    assert record[0] == ('Get-EngineTestItem : Cannot convert value "System.String" to type "System.Boolean". Boolean '
                         'parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.')
    record = first_error("Get-EngineTestItem -Name ''")
    assert record[0] == "Get-EngineTestItem : Cannot bind argument to parameter 'Name' because it is an empty string."
    record = first_error("Get-EngineTestItem -Name x -Count")
    assert record[0] == ("Get-EngineTestItem : Missing an argument for parameter 'Count'. Specify a parameter of type "
                         "'System.Int32' and try again.")
    record = first_error("Get-EngineTestItem x extra")
    assert record[0] == "Get-EngineTestItem : A positional parameter cannot be found that accepts argument 'extra'."


def test_parameter_sets():
    record = first_error("Get-EngineTestItem -Name x -Identity y")
    assert record[0] == "Get-EngineTestItem : Parameter set cannot be resolved using the specified named parameters."
    assert record[-2] == "    + FullyQualifiedErrorId : AmbiguousParameterSet," + CMD_TYPE
    assert bound("Get-EngineTestItem -Identity id1")["Set"] == "ByIdentity"


def test_pipeline_binding_by_value():
    result = ps("'a','b' | Get-EngineTestItem | ForEach-Object { \"$($_.Set):$($_.Identity)\" }")
    assert result.code == 0 and lines(result.out) == ["ByIdentity:a", "ByIdentity:b"]


def test_list_modifier_values():
    assert bound("Get-EngineTestItem -Name x -Members @{Add='u1','u2'; Remove='u3'}")["Members"] == {
        "Add": ["u1", "u2"], "Remove": ["u3"], "Replace": None}
    assert bound("Get-EngineTestItem -Name x -Members 'u4'")["Members"] == {"Add": [], "Remove": [], "Replace": ["u4"]}
    record = first_error("Get-EngineTestItem -Name x -Members @{Append='u1'}")
    assert "The hash table must contain only the keys Add, Remove and Replace." in record[0]


def test_splatting_binds_named_and_positional():
    assert bound("$p = @{Name='s1'; Count=4}; Get-EngineTestItem @p") == {"Set": "ByName", "Name": "s1", "Count": 4}
    assert bound("$a = @('s2'); Get-EngineTestItem @a -Force") == {"Set": "ByName", "Name": "s2", "Force": True}


def test_whatif_and_confirm():
    result = ps("Remove-EngineTestItem pool1 -WhatIf")
    assert result.code == 0
    assert lines(result.out) == ['What if: Performing the operation "Remove-EngineTestItem" on target "pool1".']
    result = ps("Remove-EngineTestItem pool1 -Confirm:$false")
    assert lines(result.out) == ["removed pool1"]
    result = ps("Remove-EngineTestItem pool1 -Confirm")
    assert result.code == 1
    assert "PowerShell is in NonInteractive mode. Read and Prompt functionality is not available." in \
        result.errors[0]
    record = first_error("Get-EngineTestItem -Name x -WhatIf")
    assert "A parameter cannot be found that matches parameter name 'WhatIf'." in record[0]


def test_common_parameters_out_variable():
    result = ps("Get-Date -Format yyyy -OutVariable got | Out-Null; $got.Count")
    assert lines(result.out) == ["1"]
