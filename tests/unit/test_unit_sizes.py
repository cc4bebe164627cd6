"""Units a newcomer can read (issue 14): no function or method in plugins/ over 120 lines, no class of the
lab over 900. Lines are counted from the ``def``/``class`` line to the unit's last line, docstring and
comments included; offenders are reported as file:name:length."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAX_FUNCTION_LINES = 120
MAX_CLASS_LINES = 900
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def units(source, kinds):
    """(qualified name, lines) of every function or class of ``kinds`` in a module, nested ones included."""
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, FUNCTIONS + (ast.ClassDef,)):
                name = prefix + child.name
                if isinstance(child, kinds):
                    found.append((name, child.end_lineno - child.lineno + 1))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return found


def offenders(root, kinds, limit):
    out = []
    for path in sorted(root.rglob("*.py")):
        for name, length in units(path.read_text(encoding="utf-8"), kinds):
            if length > limit:
                out.append("%s:%s:%d" % (path.relative_to(REPO), name, length))
    return out


def test_the_measure_counts_from_the_first_line_to_the_last_and_names_nested_units():
    source = "class Outer:\n    def method(self):\n        def inner():\n            pass\n        return 1\n\n\nx = 1\n"
    assert units(source, FUNCTIONS) == [("Outer.method", 4), ("Outer.method.inner", 2)]
    assert units(source, (ast.ClassDef,)) == [("Outer", 5)]


def test_no_function_or_method_in_plugins_is_over_120_lines():
    assert offenders(REPO / "plugins", FUNCTIONS, MAX_FUNCTION_LINES) == []


# The lab is not part of the collection: ansible-test's copy of the collection (tests/sanity/run.sh
# --units) has no lab/, so this check exists where the lab does (the repository).
@pytest.mark.parametrize("lab", [REPO / "lab"] if (REPO / "lab").is_dir() else [])
def test_no_class_of_the_lab_is_over_900_lines(lab):
    assert offenders(lab, (ast.ClassDef,), MAX_CLASS_LINES) == []
