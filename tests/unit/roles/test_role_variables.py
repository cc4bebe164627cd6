"""Every role documents its variables: each default is in meta/argument_specs.yml with the same value,
and the README's table lists exactly the variables the argument specs validate."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROLES = sorted(path for path in (Path(__file__).resolve().parents[3] / "roles").iterdir() if path.is_dir())


def load(path: Path):
    return yaml.safe_load(path.read_text()) or {}


@pytest.mark.parametrize("role", ROLES, ids=lambda path: path.name)
def test_defaults_are_validated_with_the_same_values(role):
    options = load(role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]
    defaults = load(role / "defaults" / "main.yml") if (role / "defaults" / "main.yml").exists() else {}
    missing = sorted(set(defaults) - set(options))
    assert not missing, "%s: defaults not in argument_specs: %s" % (role.name, missing)
    different = {name: (value, options[name].get("default")) for name, value in defaults.items()
                 if options[name].get("default") != value}
    assert not different, "%s: defaults differ from argument_specs (defaults, specs): %s" % (role.name, different)


@pytest.mark.parametrize("role", ROLES, ids=lambda path: path.name)
def test_the_readme_lists_every_validated_variable(role):
    options = load(role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]
    listed = re.findall(r"^\| `(\w+)` \|", (role / "README.md").read_text(), re.MULTILINE)
    assert sorted(listed) == sorted(options), "%s: README %s, specs %s" % (
        role.name, sorted(set(listed) ^ set(options)), "")


@pytest.mark.parametrize("role", ROLES, ids=lambda path: path.name)
def test_every_role_variable_the_tasks_read_is_validated(role):
    options = load(role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]
    text = "\n".join(path.read_text() for path in (role / "tasks").glob("*.yml"))
    # Names the tasks define themselves: registered results, block/task vars, loop variables, set_fact.
    defined = set(re.findall(r"^\s*register: (\w+)", text, re.MULTILINE))
    defined |= set(re.findall(r"^\s+(\w+):(?: (?:>-|\"|\||'|\{|\[)|\n\s+- )", text, re.MULTILINE))
    defined |= set(re.findall(r"set_fact:\n\s+(\w+):", text))
    # ... and vars whose value is a mapping written on the lines below.
    defined |= set(name for _indent, name in re.findall(r"^( +)(\w+):\n\1 +\w+:", text, re.MULTILINE))
    # Inventory group names (groups['pchat_servers']) are not variables.
    text = re.sub(r"groups\['\w+'\]", "", text)
    used = set(re.findall(r"\b((?:%s|pchat)_\w+)" % re.escape(role.name), text))
    unvalidated = sorted(used - set(options) - defined)
    assert not unvalidated, "%s: read but not in argument_specs: %s" % (role.name, unvalidated)
