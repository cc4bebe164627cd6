"""The call operator and dot-sourcing: ``& { ... }`` (the collection wraps every script it sends in
one), ``& $block args``, ``& 'Cmd-Name'`` and ``. { ... }``; script files and executables by path stay
refused."""
from __future__ import annotations

from powershell_helpers import lines, ps, engine_test_cmdlets  # noqa: F401  (autouse fixture)


def test_call_of_a_block_literal_runs_it_in_a_child_scope():
    result = ps("$x = 1\n$out = &{\n$x = 2\n'in'\n$x\n}\n$out\n$x")
    assert result.code == 0 and not result.errors, result.err_raw
    assert lines(result.out) == ["in", "2", "1"]


def test_errors_inside_the_block_still_stop_the_script():
    result = ps("$ErrorActionPreference='Stop'\n$o=&{\nthrow 'boom'\n}\n'after'")
    assert result.code == 1
    assert "after" not in lines(result.out)


def test_blocks_in_variables_names_and_dot_sourcing():
    result = ps("$b = { param($p, $q) \"p=$p q=$q\" }\n& $b 1 2\n& $b -q 3\n& { \"args=$args\" } x y\n"
                "& 'Get-Date' -Date '2026-01-02' -Format yyyy\n. { $dot = 'set' }\n$dot")
    assert result.code == 0 and not result.errors, result.err_raw
    assert lines(result.out) == ["p=1 q=2", "p= q=3", "args=x y", "2026", "set"]


def test_other_call_forms_are_refused():
    for script in (". .\\setup.ps1", "& C:\\tools\\x.exe /a", "$n = 5\n& $n"):
        result = ps(script)
        assert result.code == 1, script
        assert "PchatLabUnsupportedConstruct" in result.err_raw, script
    result = ps("& 'No-SuchThing'")
    assert result.code == 1 and "The term 'No-SuchThing' is not recognized" in result.error_text
