#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: parity
short_description: Compare the legacy Group Chat database with the Lync 2013 Persistent Chat database after migration
version_added: 0.1.0
description:
  - Does what the Resource Kit's ChatUpgradeVerifier does and more, over ODBC and read-only - every
    category, room and add-in with its settings, the principals in scope of categories and in roles of
    categories and rooms, and for every room its messages (number and digest of author, date, content,
    in order).
  - The legacy side is first transformed as C(Import-CsPersistentChatData) documents - nested categories
    flattened with their parents' names as prefix (joined with C(_)), root-category managers added to
    every room, room topics and per-room flags dropped, conflicting invitations set to False, federated
    users disabled, rooms over 256 characters left out, O(scope) and O(start_date) applied - so these are
    not differences; RV(explained) counts them. Some of these (the C(_) separator, leaving over-long rooms
    out, disabled rooms imported disabled, and others) are assumptions where Microsoft is silent;
    RV(assumed) counts and lists the expectations that rest on them.
  - Anything else is a difference naming its object - a missing, extra or renamed category, room or
    add-in, a changed setting, a missing or extra principal in a role or scope, a federated user not
    disabled, missing, extra or changed messages (up to O(max_message_differences) named per room by
    chatId). Zero differences is a pass.
  - Messages are aggregated in SQL per room (O(messages=count) or V(fingerprint)) or hashed per room
    (V(digest)); memory does not grow with the number of messages (with V(digest) on SQLite it holds a few
    rooms' messages at a time).
  - Runs on the controller.
options:
  messages:
    description:
      - How messages are compared per room.
      - V(digest) (exact) - SHA-256 over date, alert flag, author and content of every message in chatId
        order; every message is read once from each database. On SQLite each room's values come joined in
        SQL, one row per room, as the bytes SQLite stores, and are hashed at once (on 5 million messages about
        4.5 times the time of a bare GROUP BY over each database); on SQL Server every message is streamed through the client (constant memory; 20-35 times
        the time of counting them, most of it spent fetching the rows), as T-SQL has no ordered string
        aggregate before SQL Server 2017 and its row hashes are not exact (CHECKSUM) or not on every version
        (HASHBYTES SHA2_256 from 2012, 8,000 bytes of input before 2016).
      - V(fingerprint) - number of messages and a fingerprint computed in SQL (one pass per database, the two
        at once) that changes with a missing, added, moved or re-dated message, or one whose first character
        or stored size changed (any character added or removed, or replaced by one of another encoded width,
        UTF-16 on SQL Server, UTF-8 on SQLite); a character replaced by one of the same width past the first,
        or a change of author or alert flag, goes unseen.
      - V(count) - the number of messages only.
      - Rooms that differ are then read message by message to name the messages concerned.
    type: str
    choices: [count, fingerprint, digest]
    default: digest
  scope:
    description:
      - The category names the export was limited to (C(-Scope)); 2013 items of other legacy categories
        are then listed in RV(out_of_scope), not as differences.
    type: list
    elements: str
  start_date:
    description:
      - The C(-StartDate) of the export (C(YYYY-MM-DD) or ISO 8601, UTC when no offset); older legacy
        messages are not expected in 2013.
    type: str
  ignore_target_items:
    description:
      - Names of 2013 categories, rooms or add-ins that existed before the migration and are not to be
        reported as extra.
    type: list
    elements: str
    default: []
  max_differences:
    description:
      - At most this many differences are listed (RV(differences_total) counts them all).
    type: int
    default: 1000
  max_message_differences:
    description:
      - At most this many messages are named per room whose messages differ.
    type: int
    default: 5
  return_rooms:
    description:
      - Return RV(rooms), one entry per compared room (for reports); the categories are always returned.
    type: bool
    default: true
  fail_on_differences:
    description:
      - Fail the task when there is any difference (the result is returned either way).
    type: bool
    default: true
  result_file:
    description:
      - A file on the controller to write the whole result to as JSON (written atomically, readable by its owner
        only) instead of returning it; the task then returns only RV(passed), RV(differences_total),
        RV(differences_by_kind), RV(explained), RV(counts), RV(messages_mode), RV(result_file) and
        RV(result_sha256).
      - For results too big to carry through Ansible (about 2 MB for 10,000 rooms, minutes of templating on the
        controller); the verify role hands it to M(lync.persistent_chat.judged_parity) this way.
      - The file is the task's output, not a change; it is written in check mode too.
    type: path
extends_documentation_fragment:
  - lync.persistent_chat.attributes.controller
  - lync.persistent_chat.attributes
  - lync.persistent_chat.attributes.read_only
  - lync.persistent_chat.sql
  - lync.persistent_chat.target_sql
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
author:
  - lync.persistent_chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.readiness
  - module: lync.persistent_chat.report
"""

EXAMPLES = r"""
- name: Verify the migration
  lync.persistent_chat.parity:
    sql_server: sql01.contoso.local
    sql_instance: GROUPCHAT
    sql_database: GroupChat
    target_sql_instance: RTC
    start_date: '2010-01-01'
    ignore_target_items: [PC2013 Pilot, Pilot Room]
  register: parity

- name: Against the lab's SQLite files, counting and fingerprinting in SQL only
  lync.persistent_chat.parity:
    sql_connection_string: Driver=SQLite3;Database=/srv/lab/groupchat.db;BigInt=1
    target_sql_connection_string: Driver=SQLite3;Database=/srv/lab/mgc.db;BigInt=1
    messages: fingerprint
    fail_on_differences: false
"""

RETURN = r"""
passed:
  description: True when there is no difference.
  returned: always
  type: bool
differences:
  description:
    - The differences (at most O(max_differences)), each with C(kind), C(object_type) (category, room,
      addin, principal), C(object) (its 2013 name), C(detail), and where it applies C(setting),
      C(expected), C(actual), C(principal), C(role), C(legacy) (the legacy path) and C(messages) (the
      messages named by chatId with C(change) missing, extra or changed and the C(fields) that changed,
      and C(all_named), true when the room was read to its end rather than cut at
      O(max_message_differences)). A room is read message by message after every room's messages were
      counted, so in a pool that is open the messages named may include ones posted in between.
    - Kinds - CATEGORY_MISSING, CATEGORY_RENAMED, CATEGORY_EXTRA, CATEGORY_SETTING, SCOPE_MISSING,
      SCOPE_EXTRA, ROOM_MISSING, ROOM_RENAMED, ROOM_EXTRA, ROOM_SETTING, ROLE_MISSING, ROLE_EXTRA,
      ADDIN_MISSING, ADDIN_EXTRA, ADDIN_SETTING, PRINCIPAL_MISSING, FEDERATED_NOT_DISABLED,
      MESSAGES_MISSING, MESSAGES_EXTRA, MESSAGES_CHANGED.
  returned: unless O(result_file)
  type: list
  elements: dict
  sample: [{"kind": "MESSAGES_MISSING", "object_type": "room", "object": "Engineering_Backend_Builds",
            "detail": "120 message(s) in the legacy database, 119 in 2013", "legacy_messages": 120,
            "target_messages": 119, "messages": [{"chat_id": 3, "change": "missing", "author": "sip:kim@contoso.local",
            "date": 634100000000000000}], "all_named": true}]
differences_total:
  description: The number of differences, listed or not.
  returned: always
  type: int
differences_by_kind:
  description: The number of differences of each kind.
  returned: always
  type: dict
explained:
  description: How many items each documented transformation changed (not differences).
  returned: always
  type: dict
  sample: {"CATEGORY_FLATTENED": 54, "ROOM_PREFIXED": 176, "ROOT_MANAGERS_ADDED": 199, "TOPIC_DROPPED": 103,
           "ROOM_FLAGS_DROPPED": 147, "INVITATION_CONFLICT": 16, "DISABLED_ROOM": 4, "FEDERATED_DISABLED": 8}
assumed:
  description:
    - The expectations that rest on transformations Microsoft does not document (ASSUMED, as against DOC with
      its source in the migration reference), so that on real servers a difference there reads as a wrong
      assumption; the lab makes the same assumptions, so agreeing with it proves nothing about them.
    - C(expectations) (object and transformation pairs), C(rooms) (rooms concerned), C(by_transformation)
      (count per transformation), C(sources) (why each is assumed) and C(objects) (per legacy room, category or
      add-in - C(object), C(object_type), C(transformations)).
  returned: unless O(result_file)
  type: dict
  sample: {"expectations": 3, "rooms": 2, "by_transformation": {"ROOM_PREFIXED": 1, "DISABLED_ROOM": 1,
           "CATEGORY_FLATTENED": 1}, "sources": {"DISABLED_ROOM": "whether disabled rooms are skipped or imported
           disabled is not stated (reference 1.7 [UNV])"}, "objects": [{"object": "IT / Old", "object_type": "room",
           "transformations": ["DISABLED_ROOM"]}]}
not_migrated:
  description:
    - Legacy items Import leaves out, with the readiness error that explains it (C(kind)), C(object) (the legacy
      path) and C(object_type) (category, room or addin); a room also has C(messages), the messages left behind
      with it (after O(start_date)).
  returned: unless O(result_file)
  type: list
  elements: dict
  sample: [{"kind": "ROOM_NAME_TOO_LONG", "object": "Engineering / Backend / Team / Very long ...", "object_type": "room",
            "messages": 747}]
out_of_scope:
  description: 2013 items that belong to legacy categories outside O(scope).
  returned: unless O(result_file)
  type: list
  elements: str
categories:
  description: Per expected 2013 category - name, legacy path, status (ok, differs, missing), rooms, rooms_ok,
    messages_legacy, messages_target.
  returned: unless O(result_file)
  type: list
  elements: dict
rooms:
  description: Per expected room - name, legacy path, category, status, messages_legacy, messages_target.
  returned: when O(return_rooms), unless O(result_file)
  type: list
  elements: dict
addins:
  description: Per expected add-in - name and status.
  returned: unless O(result_file)
  type: list
  elements: dict
counts:
  description: Expected and compared categories, rooms, add-ins, and the messages on each side.
  returned: always
  type: dict
messages_mode:
  description: The O(messages) mode used.
  returned: always
  type: str
result_file:
  description: The file the whole result was written to.
  returned: when O(result_file)
  type: str
result_sha256:
  description: SHA-256 of RV(result_file), for its reader to check it reads what this task wrote.
  returned: when O(result_file)
  type: str
"""

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils import ledger_files, parity_compare
from ansible_collections.lync.persistent_chat.plugins.module_utils.migration_model import parse_date, ticks
from ansible_collections.lync.persistent_chat.plugins.module_utils.target_db import (
    open_legacy,
    open_target,
    target_argument_spec,
    target_configured,
)


# What a task given result_file still returns: enough to judge and print, nothing per room.
SUMMARY = ("passed", "differences_total", "differences_by_kind", "explained", "counts", "messages_mode")


def handed_off(module, result, path):
    """The summary of a result written whole to path (module_utils/ledger_files.py)."""
    try:
        sha256 = ledger_files.write_json(path, result)
    except OSError as error:
        module.fail_json(msg="cannot write the result to %s: %s" % (path, error))
    summary = dict((key, result[key]) for key in SUMMARY if key in result)
    summary.update(result_file=path, result_sha256=sha256)
    return summary


def main():
    spec = dict(
        messages=dict(type="str", choices=list(parity_compare.MESSAGE_MODES), default="digest"),
        scope=dict(type="list", elements="str"),
        start_date=dict(type="str"),
        ignore_target_items=dict(type="list", elements="str", default=[]),
        max_differences=dict(type="int", default=1000),
        max_message_differences=dict(type="int", default=5),
        return_rooms=dict(type="bool", default=True),
        fail_on_differences=dict(type="bool", default=True),
        result_file=dict(type="path"),
    )
    spec.update(target_argument_spec())
    module = PchatModule(argument_spec=spec, connections=("sql",), supports_check_mode=True)
    params = module.params
    if not module.sql_configured():
        module.fail_json(msg="the legacy database is not configured: give sql_connection_string, sql_server or sql_database")
    if not target_configured(params):
        module.fail_json(msg="the 2013 database is not configured: give target_sql_connection_string, "
                             "target_sql_server or target_sql_database")
    try:
        start = parse_date(params["start_date"])
    except ValueError as error:
        module.fail_json(msg="start_date: %s" % error)

    legacy = open_legacy(module)
    target = open_target(module)
    try:
        with module.step("compare the legacy and 2013 databases"):
            try:
                result = parity_compare.compare(
                    legacy, target, scope=params["scope"], start_ticks=ticks(start) if start else None,
                    messages=params["messages"], ignore=params["ignore_target_items"],
                    max_differences=params["max_differences"], max_message_differences=params["max_message_differences"])
            except ValueError as error:
                module.fail_json(msg=str(error))
    finally:
        legacy.close()
        target.close()
    if not params["return_rooms"]:
        result.pop("rooms", None)
    if params["result_file"]:
        result = handed_off(module, result, params["result_file"])
    if params["fail_on_differences"] and not result["passed"]:
        module.results.update(result)
        kinds = ", ".join("%s %d" % item for item in sorted(result["differences_by_kind"].items()))
        module.fail_json(msg="%d difference(s) between the legacy and 2013 databases: %s" % (result["differences_total"], kinds))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
