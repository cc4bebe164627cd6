"""Whatever a script contains, the engine answers as PowerShell would: output, an error record, a
parse error or a refusal; never an internal failure of the lab."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from powershell_helpers import ps, engine_test_cmdlets  # noqa: F401  (autouse fixture)

TOKENS = ["$x", "$y", "$_", "$null", "$true", " = ", "1", "2.5", "'a'", '"b $x"', "(", ")", "{", "}", "[", "]",
          " | ", " -eq ", " -like ", " -match ", " -replace ", " -split ", " -join ", " -f ", " -gt ", " -contains ",
          " -and ", " -not ", "!", "Where-Object", "ForEach-Object", "Select-Object", "Sort-Object",
          "Measure-Object", "Write-Output", "ConvertTo-Json", "ConvertFrom-Json", "Get-Date", " -Property ",
          " -First ", " -Depth ", " -Compress", "@(", "@{", ",", ";", "\n", ".Count", ".Length", ".ToUpper()",
          ".Split(',')", "[0]", "[-1]", "[int]", "[string]", "[datetime]", "[pscustomobject]", " + ", " - ", " * ",
          " / ", " % ", "if ", "else ", "elseif ", "foreach ", " in ", "try ", "catch ", "finally ", "throw ",
          "return ", "break", "continue", "function f ", "param(", "[Parameter(Mandatory=$true)]", "1..3", "..",
          "a=1", "b='x'", "Name", "Expression", "2>$null", "2>&1", "@x", "-ErrorAction Stop", "exit 2", "`n",
          "'it''s'", "@'\nhere\n'@", "switch ", "default ", "& ", ". ", "$env:COMPUTERNAME", "$Matches",
          "[Math]::Round(", "[Convert]::ToBase64String(", "Get-EngineTestItem ", "-Name ", "-Privacy ", "Open"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14))
def test_no_script_makes_the_lab_fail_internally(tokens):
    result = ps("".join(tokens))
    assert isinstance(result.code, int)
    assert "PchatLabInternalError" not in result.err_raw, "".join(tokens)


def test_a_cmdlet_reading_an_unmodelled_member_is_refused_not_an_internal_error():
    # Found by the test above: Where-Object's simplified syntax asked a number for its property '*'.
    result = ps("1..3 | Where-Object *")
    assert result.code == 1 and "PchatLabInternalError" not in result.err_raw
    assert "the property '*' of System.Int32" in result.err_raw
