# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rename map (``pchat_room_renames``): legacy rooms Import would leave behind only because of their
name (over 256 characters once prefixed, a duplicate once flattened, named like a category) get a new legacy
name before the export, so that Import keeps them with their messages.

A map is ``{"<room as readiness names it: Category / Sub / Room>": "<new legacy room name>"}``. It is applied to
the legacy tree readiness reads (its findings then show the new names) and checked there: every key names one
legacy room, every new name is one the legacy database can hold, and the renamed tree leaves no room behind
for its name that the original tree kept, nor the renamed room itself. A room already renamed (by an earlier
cutover) is recognised by its new name, so a map stays valid before and after the cutover applies it.
"""

from __future__ import annotations

from ansible_collections.lync.persistent_chat.plugins.module_utils.migration_model import Expectation

# tblNode.nodeName is nvarchar(256) (reference §4.2).
MAX_LEGACY_NAME = 256
LABEL_SEPARATOR = " / "
# Why Import leaves a room out that a rename can cause or fail to cure.
NAME_KINDS = ("ROOM_NAME_TOO_LONG", "DUPLICATE_NAME", "NAME_CONFLICT", "ROOM_CATEGORY_MISSING")


class RenameMapError(ValueError):
    """A rename map that cannot be used; str() lists every problem, for fail_json."""


def name_problem(new):
    """Why a legacy room cannot be called ``new`` (None when it can)."""
    if not isinstance(new, str) or not new:
        return "the new name must be a non-empty string"
    if new != new.strip():
        return "the new name must not begin or end with white space"
    if any(ord(char) < 32 for char in new):
        return "the new name must not hold control characters"
    if len(new) > MAX_LEGACY_NAME:
        return "the new name has %d characters (the legacy database holds %d)" % (len(new), MAX_LEGACY_NAME)
    return None


def _rooms_by_prefix(tree):
    """{category label (Category / Sub): {room name: [room node id, ...]}} of a legacy tree."""
    rooms = {}
    for room in tree.rooms():
        prefix = LABEL_SEPARATOR.join(tree.path(int(room["parent_id"])))
        rooms.setdefault(prefix, {}).setdefault(room["name"], []).append(int(room["node_id"]))
    return rooms


def _resolve(label, new, rooms):
    """(plan item, problem) for one entry of the map."""
    for prefix, names in rooms.items():
        if not label.startswith(prefix + LABEL_SEPARATOR):
            continue
        old = label[len(prefix) + len(LABEL_SEPARATOR):]
        for name, applied in ((old, False), (new, True)):
            found = names.get(name, [])
            if len(found) > 1:
                return None, "%d legacy rooms are called %r: rename them with the Group Chat Admin Tool" % (
                    len(found), label)
            if found:
                return {"legacy_id": found[0], "object": label, "old": old, "new": new, "applied": applied,
                        "new_object": prefix + LABEL_SEPARATOR + new}, None
    return None, "no legacy room is called %r (name rooms as readiness does: Category / Sub / Room)" % label


def plan(tree, renames):
    """The map resolved against a legacy tree: (items, problems). Items keep the map's order."""
    if not isinstance(renames, dict):
        return [], ["pchat_room_renames must be a mapping of room to new name"]
    rooms = _rooms_by_prefix(tree)
    items, problems = [], []
    for label, new in renames.items():
        problem = name_problem(new)
        if problem is None and new == str(label).rsplit(LABEL_SEPARATOR, 1)[-1]:
            problem = "the new name is the room's name"
        item = None
        if problem is None:
            item, problem = _resolve(str(label), new, rooms)
        if problem:
            problems.append("%s: %s" % (label, problem))
        else:
            items.append(item)
    return items, problems


def _left_out(model):
    """{legacy node id: skipped issue} of the rooms and categories a model leaves out."""
    return {issue["legacy_id"]: issue for issue in model.skipped}


def _judge(before, after, items, renamed_ids):
    """Problems of a renamed tree against the original: a renamed room still left out or overwriting a
    2013 room, another item left out that was kept."""
    problems = []
    kept_before, left_after = _left_out(before), _left_out(after)
    overwritten = {issue["legacy_id"] for issue in after.collisions if issue["kind"] == "TARGET_ROOM_OVERWRITTEN"}
    for item in items:
        issue = left_after.get(item["legacy_id"])
        if issue is not None:
            problems.append("%s: renamed to %r it is still left behind (%s%s)" % (
                item["object"], item["new"], issue["kind"], _detail(issue)))
        elif item["legacy_id"] in overwritten and not item["applied"]:
            problems.append("%s: renamed to %r it would overwrite the 2013 room of that name" % (
                item["object"], item["new"]))
    renamed_to = {item["new_object"]: item for item in items}
    for node_id, issue in sorted(left_after.items()):
        if node_id not in renamed_ids and node_id not in kept_before:
            cause = renamed_to.get(issue.get("other"))
            problems.append("%s: the renames leave it behind (%s%s)%s" % (
                issue["object"], issue["kind"], _detail(issue),
                " - renaming %s to %r takes its name" % (cause["object"], cause["new"]) if cause else ""))
    return problems


def _detail(issue):
    if issue.get("other"):
        return ", like %s" % issue["other"]
    if issue.get("length"):
        return ", %d characters once prefixed" % issue["length"]
    if issue.get("existing"):
        return ", named like a %s" % issue["existing"]
    return ""


def apply_checked(tree, renames, scope=None, existing=None):
    """Rename the rooms of ``tree`` in place as the map says, after checking it.

    Returns (items, model): each item with ``legacy_id``, ``object`` (the label now), ``new_object``, ``old``,
    ``new``, ``applied`` (already renamed in the database) and ``name`` (its 2013 name); the model is the
    Expectation of the renamed tree. Raises RenameMapError, leaving ``tree`` as it was, on a bad map."""
    items, problems = plan(tree, renames)
    if problems:
        raise RenameMapError(_message(problems))
    before = Expectation(tree, scope=scope, existing=existing, detail=False)
    originals = {item["legacy_id"]: tree.nodes[item["legacy_id"]]["name"] for item in items}
    _rename(tree, {item["legacy_id"]: item["new"] for item in items})
    after = Expectation(tree, scope=scope, existing=existing, detail=False)
    problems = _judge(before, after, items, set(originals))
    if problems:
        _rename(tree, originals)
        raise RenameMapError(_message(problems))
    names = {room["legacy_id"]: room["name"] for room in after.rooms}
    for item in items:
        item["name"] = names.get(item["legacy_id"])
    return items, after


def _rename(tree, names):
    for node_id, name in names.items():
        tree.nodes[node_id]["name"] = name
    tree.forget_paths()


def _message(problems):
    return "pchat_room_renames cannot be used, nothing was changed: %s" % "; ".join(problems)
