"""The rename map: resolved against a legacy tree, checked as readiness checks names, refused whole when
it cannot be used (the tree left as it was), recognised once applied."""
from __future__ import annotations

import pytest

from ansible_collections.lync.persistent_chat.plugins.module_utils import room_renames
from ansible_collections.lync.persistent_chat.plugins.module_utils.migration_model import ChatTree

LONG = "L" * 250


def node(node_id, parent, node_type, name):
    return {"node_id": node_id, "parent_id": parent, "node_type": node_type, "name": name, "topic": None,
            "invite": None, "logged": None, "file_post": None, "disabled": False, "behavior": 4}


def tree():
    """Root; IT (2) > Helpdesk (3) with rooms 'Tickets' (4) and a long one (5); Sales (6) with 'Leads' (7)."""
    legacy = ChatTree(legacy=True)
    for item in (node(1, 1, 1, "Root"), node(2, 1, 1, "IT"), node(3, 2, 1, "Helpdesk"), node(4, 3, 0, "Tickets"),
                 node(5, 3, 0, LONG), node(6, 1, 1, "Sales"), node(7, 6, 0, "Leads")):
        legacy.nodes[item["node_id"]] = item
    return legacy


def test_a_room_left_behind_for_its_name_is_kept_under_its_new_name():
    legacy = tree()
    items, model = room_renames.apply_checked(legacy, {"IT / Helpdesk / " + LONG: "Archive"})
    assert items == [{"legacy_id": 5, "object": "IT / Helpdesk / " + LONG, "new_object": "IT / Helpdesk / Archive",
                      "old": LONG, "new": "Archive", "applied": False, "name": "IT_Helpdesk_Archive"}]
    assert not model.skipped
    assert legacy.nodes[5]["name"] == "Archive"


def test_a_map_already_applied_is_recognised_by_the_new_name():
    legacy = tree()
    legacy.nodes[5]["name"] = "Archive"
    items, _model = room_renames.apply_checked(legacy, {"IT / Helpdesk / " + LONG: "Archive"})
    assert items[0]["applied"] and items[0]["legacy_id"] == 5 and items[0]["old"] == LONG


@pytest.mark.parametrize("renames, problem", [
    ({"IT / Helpdesk / Nope": "X"}, "no legacy room is called 'IT / Helpdesk / Nope'"),
    ({"IT / Helpdesk / " + LONG: ""}, "non-empty string"),
    ({"IT / Helpdesk / " + LONG: "Archive "}, "white space"),
    ({"IT / Helpdesk / " + LONG: "A" * 257}, "257 characters"),
    # Still too long once prefixed with IT_Helpdesk_.
    ({"IT / Helpdesk / " + LONG: "B" * 250}, "still left behind (ROOM_NAME_TOO_LONG, 262 characters once prefixed)"),
    # Named like a room Import keeps: one of the two would be left behind.
    ({"IT / Helpdesk / " + LONG: "Tickets"}, "still left behind (DUPLICATE_NAME, like IT / Helpdesk / Tickets)"),
    # Named like a category (Sales is top-level: its rooms keep their names).
    ({"Sales / Leads": "Sales"}, "still left behind (NAME_CONFLICT, named like a category)"),
])
def test_a_bad_map_is_refused_whole_and_the_tree_is_left_as_it_was(renames, problem):
    legacy = tree()
    with pytest.raises(room_renames.RenameMapError) as refused:
        room_renames.apply_checked(legacy, renames)
    assert problem in str(refused.value)
    assert str(refused.value).startswith("pchat_room_renames cannot be used, nothing was changed: ")
    assert [legacy.nodes[n]["name"] for n in (4, 5, 7)] == ["Tickets", LONG, "Leads"]
    assert legacy.path(7) == ["Sales", "Leads"]


def test_a_rename_that_leaves_another_room_behind_is_refused():
    legacy = tree()
    # Two rooms of Helpdesk renamed to one name: the second would be left behind as a duplicate.
    with pytest.raises(room_renames.RenameMapError) as refused:
        room_renames.apply_checked(legacy, {"IT / Helpdesk / Tickets": "Archive", "IT / Helpdesk / " + LONG: "Archive"})
    assert "IT / Helpdesk / Archive" in str(refused.value) and "DUPLICATE_NAME" in str(refused.value)


def test_a_room_pushed_out_by_a_rename_names_the_rename():
    legacy = tree()
    legacy.nodes[4]["name"], legacy.nodes[5]["name"] = LONG, "Tickets"      # the long room comes first now
    with pytest.raises(room_renames.RenameMapError) as refused:
        room_renames.apply_checked(legacy, {"IT / Helpdesk / " + LONG: "Tickets"})
    assert ("IT / Helpdesk / Tickets: the renames leave it behind (DUPLICATE_NAME, like IT / Helpdesk / Tickets)"
            " - renaming IT / Helpdesk / %s to 'Tickets' takes its name" % LONG) in str(refused.value)
