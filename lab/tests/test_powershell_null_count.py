"""$null.Count and $null.Length are 0 in PowerShell 3 and later, so `(Get-ChildItem <empty>).Count`
is 0; under Set-StrictMode -Version 2 or later the property is not found."""
from __future__ import annotations

from powershell_helpers import lines, ps


def test_null_has_a_count_and_length_of_zero():
    result = ps("$x = $null; $x.Count; $x.Length; ($x.Count -eq 0)")
    assert lines(result.out) == ["0", "0", "True"]


def test_strict_mode_2_finds_no_count_on_null():
    result = ps("Set-StrictMode -Version 2; $x = $null; $x.Count")
    assert result.code == 1
    assert "PropertyNotFoundStrict" in result.error_text
