"""`Select-Object Name, Status`: PowerShell reads a bare-word list with blanks after its commas as an
array of strings; tree-sitter-powershell cannot, so the parser closes those lists (outside strings,
here-strings and comments) when that is all the script needs."""
from __future__ import annotations

import json

import pytest

from pchat_lab.powershell.parser import _close_bareword_lists
from powershell_helpers import ps as run


@pytest.mark.parametrize("script, expected", [
    ("Select-Object Name, Status", "Select-Object Name,Status"),
    ("Select-Object Name,  Status,\tStartType", "Select-Object Name,Status,StartType"),
    ("'Name, Status'", "'Name, Status'"),
    ('"x, y $(1, 2)"', '"x, y $(1, 2)"'),
    ("# a, b\nx", "# a, b\nx"),
    ("<# a, b #>x", "<# a, b #>x"),
    ("@'\na, b\n'@", "@'\na, b\n'@"),
    ("'it''s, here' ; a, b", "'it''s, here' ; a,b"),
])
def test_only_bareword_commas_outside_strings_and_comments_close(script, expected):
    assert _close_bareword_lists(script) == expected


def test_the_readme_example_runs():
    result = run("[pscustomobject]@{Name='a'; Status='Running'; Other=1} | Select-Object Name, Status | "
                 "ConvertTo-Json -Compress")
    assert result.code == 0, result.err_raw
    assert json.loads(result.out) == {"Name": "a", "Status": "Running"}


def test_strings_keep_their_blanks_when_a_list_is_closed_on_the_same_line():
    result = run("[pscustomobject]@{Name='a, b'; Status=1} | Select-Object Name, Status | ForEach-Object { $_.Name }")
    assert result.code == 0, result.err_raw
    assert result.out.strip() == "a, b"


def test_a_real_syntax_error_is_still_reported():
    result = run("Select-Object Name, Status | (")
    assert result.code == 1
