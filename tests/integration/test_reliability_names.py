"""Names that begin or end with white space (issue 12, item 5). Lync finds a category, room or add-in by an
Identity ``<pool>\\<name>`` it reads trimmed, so an object named "Sales " could be created but never found
again, and every later run failed. The modules refuse such a name before connecting, with a message that
says why, and the lab's New-/Set- cmdlets refuse it too (lab/COVERAGE.md, "Object names")."""
from __future__ import annotations

import pytest

from conftest import run_ansible
from objects_support import named, pool
from steps_support import module, round_trips

CASES = [
    ("category", {"name": "Sales "}, "categories"),
    ("category", {"name": "\tSales"}, "categories"),
    ("room", {"name": "Lobby ", "category": "Lobby category"}, "rooms"),
    ("addin", {"name": " Board", "url": "https://board.contoso.local"}, "addins"),
]


@pytest.mark.parametrize("kind,args,section", CASES, ids=["category-trailing", "category-leading", "room", "addin"])
def test_a_name_with_outer_white_space_is_refused_and_changes_nothing(clean_lab, kind, args, section):
    if kind == "room":
        status, result, _log = module(clean_lab, "fe01", "category", {"name": "Lobby category"})
        assert status == "CHANGED", result
    before = pool(clean_lab, section)
    for attempt in (1, 2):      # a second run meets the same clear refusal, not a name it cannot find
        status, result, log = module(clean_lab, "fe01", kind, args)
        assert status == "FAILED!" and result.get("changed") is False, (attempt, result)
        assert "%r begins or ends with white space" % args["name"] in result["msg"], result["msg"]
        assert round_trips(log) == 0
    after = pool(clean_lab, section)
    assert after == before
    assert named(after, args["name"]) is None and named(after, args["name"].strip()) is None


def test_the_lab_refuses_it_as_well(clean_lab):
    # What an operator (or another tool) typing the cmdlet meets: an InvalidName error, nothing created.
    script = ("Import-Module Lync; New-CsPersistentChatCategory -Name 'Sales ' "
              "-PersistentChatPoolFqdn pcpool.contoso.local")
    results = run_ansible("fe01", "-m", "ansible.builtin.raw", "-a", script)
    process = results["_process"]
    assert process.returncode != 0, process.stdout
    assert "begins or ends with white space" in process.stdout and "InvalidName" in process.stdout, process.stdout
    assert named(pool(clean_lab, "categories"), "Sales ") is None


def test_inner_spaces_round_trip_idempotently(clean_lab):
    args = {"name": "Sales  and  Marketing", "description": "two spaces between words"}
    status, result, _log = module(clean_lab, "fe01", "category", args)
    assert status == "CHANGED", result
    status, result, log = module(clean_lab, "fe01", "category", args)
    assert status == "SUCCESS" and result["changed"] is False, result
    assert round_trips(log) == 1
    assert named(pool(clean_lab, "categories"), "Sales  and  Marketing")["Description"] == "two spaces between words"
