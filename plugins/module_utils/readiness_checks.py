# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Readiness findings: what in the legacy database Import will refuse, change or leave behind
(reference §1.3, §1.7, §6), each with an id, a severity and the objects it concerns.

A gate acts on the result: errors block; warnings block unless acknowledged by id; info never blocks.
"""

from __future__ import annotations

from ansible_collections.lync.persistent_chat.plugins.module_utils import chat_queries as Q
from ansible_collections.lync.persistent_chat.plugins.module_utils import room_renames
from ansible_collections.lync.persistent_chat.plugins.module_utils.migration_model import (
    ChatTree,
    Expectation,
    TargetIndex,
    ticks,
)

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}

# id -> (severity, title, what to do). The ids are the contract with gates and acknowledgements.
FINDINGS = {
    "CATEGORY_NAME_TOO_LONG": (ERROR, "Category names over 256 characters after flattening",
                               "Shorten the category or its parents; Import does not create it nor its rooms."),
    "ROOM_NAME_TOO_LONG": (ERROR, "Room names over 256 characters once prefixed with their categories",
                           "Shorten the room or category names; Import does not migrate these rooms."),
    "DUPLICATE_NAME": (ERROR, "Names that flattening makes identical",
                       "Rename one of each pair; Import migrates only the first."),
    "NAME_CONFLICT": (ERROR, "Rooms named like a category (2013 forbids it)",
                      "Rename the room or the category; Import does not migrate the room."),
    "ROOM_CATEGORY_MISSING": (ERROR, "Rooms whose category will not be imported",
                              "Fix the category's error; its rooms are not migrated."),
    "ADDIN_INVALID": (ERROR, "Add-ins over the 2013 limits (name 50, URL 255 characters)",
                      "Shorten the add-in's name or URL; Import does not migrate it."),
    "TARGET_NAME_CONFLICT": (ERROR, "Names already used by a 2013 item of the other kind",
                             "Rename the legacy or the 2013 item; Import does not migrate the legacy one."),
    "NESTED_CATEGORY": (WARNING, "Nested categories, flattened with their parents' names as prefix",
                        "Check the new names; 2013 has one level of categories."),
    "INVITATION_CONFLICT": (WARNING, "Rooms with invitations on in a category with invitations off",
                            "Fix the legacy settings, or accept that Import sets the room's invitations to False."),
    "ROOT_MANAGERS": (WARNING, "Managers of the root category become managers of every room",
                      "Remove them from the root category before export if that is not wanted."),
    "FEDERATED_USERS": (WARNING, "Federated users, migrated as disabled principals",
                        "Persistent Chat has no federation: these users lose access to their rooms."),
    "DISABLED_ROOMS": (WARNING, "Disabled rooms",
                       "Confirm they should be migrated (they are imported disabled) or limit the export."),
    "TARGET_CATEGORY_OVERWRITTEN": (WARNING, "Categories that overwrite a same-named 2013 category",
                                    "Back up mgc; rename one of them if both must be kept."),
    "TARGET_ROOM_OVERWRITTEN": (WARNING, "Rooms that overwrite a same-named 2013 room and its content",
                                "Back up mgc; rename one of them if both must be kept."),
    "TARGET_ADDIN_OVERWRITTEN": (WARNING, "Add-ins that overwrite a same-named 2013 add-in",
                                 "Back up mgc; rename one of them if both must be kept."),
    "PRESENTERS_DROPPED": (WARNING, "Presenters of Normal rooms (2013 allows presenters in auditoriums only)",
                           "Make the room an auditorium or accept losing its presenters."),
    "CATEGORY_MANAGERS_DROPPED": (WARNING, "Category managers (no 2013 equivalent)",
                                  "Grant the rights through RBAC or room managers after migration."),
    "FILES_TO_COPY": (WARNING, "Posted files, which the migration tools do not move",
                      "Copy the file repository to the Persistent Chat file store after import."),
    "MESSAGES_BEFORE_CUTOFF": (INFO, "Messages older than the cut-off date",
                               "Export with -StartDate to leave them out."),
    "TOPICS_DROPPED": (INFO, "Room topics (no 2013 equivalent)", "They are lost; keep a copy if needed."),
    "ROOM_FLAGS_DROPPED": (INFO, "Per-room file-upload and chat-history settings (category settings in 2013)",
                           "The category's setting applies after migration."),
}

_FROM_MODEL = {
    # model issue kind -> finding id
    "CATEGORY_NAME_TOO_LONG": "CATEGORY_NAME_TOO_LONG", "ROOM_NAME_TOO_LONG": "ROOM_NAME_TOO_LONG",
    "DUPLICATE_NAME": "DUPLICATE_NAME", "NAME_CONFLICT": "NAME_CONFLICT", "ROOM_CATEGORY_MISSING": "ROOM_CATEGORY_MISSING",
    "ADDIN_INVALID": "ADDIN_INVALID", "CATEGORY_FLATTENED": "NESTED_CATEGORY",
    "INVITATION_CONFLICT": "INVITATION_CONFLICT", "DISABLED_ROOM": "DISABLED_ROOMS",
    "TOPIC_DROPPED": "TOPICS_DROPPED", "ROOM_FLAGS_DROPPED": "ROOM_FLAGS_DROPPED",
    "PRESENTERS_DROPPED": "PRESENTERS_DROPPED", "CATEGORY_MANAGERS_DROPPED": "CATEGORY_MANAGERS_DROPPED",
    "TARGET_CATEGORY_OVERWRITTEN": "TARGET_CATEGORY_OVERWRITTEN", "TARGET_ROOM_OVERWRITTEN": "TARGET_ROOM_OVERWRITTEN",
    "TARGET_ADDIN_OVERWRITTEN": "TARGET_ADDIN_OVERWRITTEN",
}


# What a finding lists of a model issue: what the object is called in legacy, and its 2013 name and the
# like (the issue's kind and legacy id stay behind).
_OBJECT_KEYS = frozenset(("object", "name", "length", "other", "existing", "topic", "principals", "name_length",
                          "url_length"))


def _object(issue):
    """The affected object as the finding lists it: what it is called in legacy, and its 2013 name."""
    return {key: value for key, value in issue.items() if key in _OBJECT_KEYS}


class ReadinessResult(object):
    def __init__(self):
        self.findings = {}

    def add(self, finding_id, obj=None, **facts):
        severity, title, action = FINDINGS[finding_id]
        finding = self.findings.setdefault(finding_id, {
            "id": finding_id, "severity": severity, "title": title, "action": action, "count": 0, "objects": []})
        if obj is not None:
            finding["objects"].append(obj)
            finding["count"] += 1
        finding.update(facts)
        return finding

    def add_objects(self, finding_id, objects):
        """Many objects at once (as ``add`` one by one)."""
        finding = self.findings.get(finding_id)
        if finding is None:
            finding = self.add(finding_id)
        finding["objects"].extend(objects)
        finding["count"] += len(objects)

    def as_list(self, max_objects=None):
        out = []
        for finding in sorted(self.findings.values(), key=lambda f: (SEVERITY_ORDER[f["severity"]], f["id"])):
            finding = dict(finding)
            if max_objects is not None and len(finding["objects"]) > max_objects:
                finding["objects"] = finding["objects"][:max_objects]
                finding["objects_truncated"] = True
            out.append(finding)
        return out


def check(legacy_client, target_client=None, scope=None, cutoff=None, scan_messages=False, file_repository=None,
          renames=None):
    """Run every check. Returns (ReadinessResult, facts) where facts are the counts the checks saw.

    ``cutoff``: a datetime; messages before it are counted (needs a scan of tblChat, as does
    ``scan_messages``, which counts the ``ma-filelink:`` messages). ``file_repository``: the file
    repository's ``{"path", "files", "bytes"}`` (legacy_info's result) when known. ``renames``: the rename
    map (room_renames.py), applied to the legacy tree before the checks; its resolved items are
    ``facts["renames"]``. A bad map raises room_renames.RenameMapError."""
    with Q.collector_paused():
        return _check(legacy_client, target_client, scope, cutoff, scan_messages, file_repository, renames)


def read_trees(legacy_client, target_client=None, scope=None, renames=None):
    """(legacy tree, target index or None, expectation, rename items) as readiness reads them, the rename
    map applied and checked."""
    legacy = ChatTree.read(legacy_client, legacy=True, detail=False)
    target = None
    if target_client is not None:
        target = TargetIndex(ChatTree.read(target_client, legacy=False, detail=False))
    if renames:
        items, model = room_renames.apply_checked(legacy, renames, scope=scope, existing=target)
    else:
        items, model = [], Expectation(legacy, scope=scope, existing=target, detail=False)
    return legacy, target, model, items


def _check(legacy_client, target_client, scope, cutoff, scan_messages, file_repository, renames):
    legacy, target, model, renamed = read_trees(legacy_client, target_client, scope, renames)
    result = ReadinessResult()
    facts = {"categories": len(legacy.categories()), "rooms": len(legacy.rooms()), "addins": len(legacy.addins),
             "categories_in_scope": len(model.categories) + sum(1 for s in model.skipped if s["kind"].startswith("CATEGORY")),
             "rooms_to_migrate": len(model.rooms), "target_read": target is not None}
    if renames:
        facts["renames"] = [{key: item[key] for key in ("object", "new_object", "old", "new", "name", "applied")}
                            for item in renamed]

    # Objects gathered per finding, in the model's order, and added once per finding.
    objects = {}
    for issue in model.skipped:
        kind = issue["kind"]
        if kind == "NAME_CONFLICT" and target is not None and target.kind_by_name.get(issue["name"].casefold()):
            finding_id = "TARGET_NAME_CONFLICT"
        else:
            finding_id = _FROM_MODEL[kind]
        objects.setdefault(finding_id, []).append(_object(issue))
    for issues in (model.changes, model.collisions):
        for issue in issues:
            finding_id = _FROM_MODEL.get(issue["kind"])
            if finding_id:
                objects.setdefault(finding_id, []).append(_object(issue))
    for finding_id, found in objects.items():
        result.add_objects(finding_id, found)

    if model.root_managers:
        managers = sorted(legacy.principals[key]["uri"] for key in model.root_managers)
        result.add("ROOT_MANAGERS", None, count=len(managers), objects=[{"object": uri} for uri in managers],
                   rooms_affected=len(model.rooms))

    federated = model.federated_principals()
    if federated:
        rooms_of = _federated_rooms(legacy, model, set(federated))
        for key in federated:
            result.add("FEDERATED_USERS", {"object": legacy.principals[key]["uri"], "rooms": sorted(rooms_of[key])})

    if cutoff is not None or scan_messages:
        cutoff_ticks = ticks(cutoff) if cutoff is not None else 0
        room_names = {room["legacy_id"]: room["label"] for room in model.rooms}
        old_total, link_total, link_rooms, messages = 0, 0, 0, 0
        old_rooms = []
        for row in Q.rows(legacy_client, Q.MESSAGE_SCAN, [cutoff_ticks]):
            messages += int(row["messages"] or 0)
            old = int(row["old_messages"] or 0)
            links = int(row["file_links"] or 0)
            if old and cutoff is not None:
                old_total += old
                old_rooms.append({"object": room_names.get(int(row["room_id"]), "room %s" % row["room_id"]),
                                  "messages": old})
            if links:
                link_total += links
                link_rooms += 1
        facts["messages"] = messages
        if old_total:
            result.add("MESSAGES_BEFORE_CUTOFF", None, count=len(old_rooms), objects=old_rooms, messages=old_total,
                       cutoff=cutoff.isoformat())
        if scan_messages:
            facts["file_links"] = link_total
            if link_total:
                result.add("FILES_TO_COPY", None, file_links=link_total, rooms_with_files=link_rooms)
    if file_repository and file_repository.get("files"):
        finding = result.add("FILES_TO_COPY", None, files=int(file_repository.get("files") or 0),
                             bytes=int(file_repository.get("bytes") or 0))
        finding["repository"] = file_repository.get("path")
    if "FILES_TO_COPY" in result.findings:
        finding = result.findings["FILES_TO_COPY"]
        finding["count"] = finding.get("files", finding.get("file_links", 0))
        finding["objects"] = [{"object": file_repository.get("path")}] if file_repository and file_repository.get("path") else []
    return result, facts


def _federated_rooms(legacy, model, federated):
    """Federated principal key -> names of the migrated rooms it is a member, manager or presenter of, as
    Import makes them: root managers manage every room; presenters stay in auditoriums only."""
    everywhere = federated & model.root_managers
    every_room = [room["name"] for room in model.rooms] if everywhere else []
    rooms_of = {key: list(every_room) if key in everywhere else [] for key in federated}
    roles = legacy.roles
    for room in model.rooms:
        room_roles = roles.get(room["legacy_id"])
        if room_roles:
            kept = ("members", "managers", "presenters") if room["type"] == "Auditorium" else ("members", "managers")
            keys = set()
            for role in kept:
                keys.update(federated.intersection(room_roles.get(role, ())))
            for key in keys - everywhere:
                rooms_of[key].append(room["name"])
    return rooms_of


def gate(findings, fail_on="error", acknowledged=()):
    """(blocking findings, acknowledged ids in use): errors always block when fail_on is error or
    warning; warnings block when fail_on is warning unless their id is acknowledged; nothing blocks
    with fail_on none."""
    acknowledged = set(acknowledged or ())
    blocking = []
    for finding in findings:
        if fail_on == "none":
            continue
        if finding["severity"] == ERROR:
            blocking.append(finding["id"])
        elif finding["severity"] == WARNING and fail_on == "warning" and finding["id"] not in acknowledged:
            blocking.append(finding["id"])
    used = sorted(acknowledged & {f["id"] for f in findings})
    return blocking, used
