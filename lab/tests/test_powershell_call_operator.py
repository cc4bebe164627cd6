"""``& { ... }``: the collection wraps every script it sends in one (module_utils/winrm.wrap_script);
other uses of the call operator and dot-sourcing stay refused."""
from __future__ import annotations

from powershell_helpers import lines, ps


def test_call_of_a_block_literal_runs_it_in_a_child_scope():
    result = ps("$x = 1\n$out = &{\n$x = 2\n'in'\n$x\n}\n$out\n$x")
    assert result.code == 0 and not result.errors, result.err_raw
    assert lines(result.out) == ["in", "2", "1"]


def test_errors_inside_the_block_still_stop_the_script():
    result = ps("$ErrorActionPreference='Stop'\n$o=&{\nthrow 'boom'\n}\n'after'")
    assert result.code == 1
    assert "after" not in lines(result.out)


def test_other_call_forms_are_refused():
    for script in ("$b = {1}\n& $b", "& 'Get-Date'", ". { 1 }", "&{ 1 } 2"):
        result = ps(script)
        assert result.code == 1, script
        assert "PchatLabUnsupportedConstruct" in result.err_raw, script
