#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: legacy_rename
short_description: Rename legacy Group Chat rooms before the export, so Import keeps rooms it would leave behind for their name
version_added: 0.1.0
description:
  - Applies the rename map (C(pchat_room_renames)) to the legacy Group Chat database - rooms that
    C(Import-CsPersistentChatData) would leave out only because of their name (over 256 characters once prefixed
    with their categories, a duplicate once flattened, named like a category) get a new name, so the export
    carries them and Import creates them with their messages.
  - Microsoft documents no command that renames a legacy room (only the Group Chat Admin Tool's window), so the
    module updates the documented column C(tblNode.nodeName) over ODBC - one statement per room with bound
    parameters, naming the room by id and current name, all rooms in one transaction. Run it only while the
    legacy Group Chat services are stopped and after a verified backup of the legacy database (the cutover role
    does both); its account needs UPDATE on tblNode.
  - Checks the map first, exactly as M(lync.persistent_chat.readiness) does with O(renames) as its
    C(room_renames), and fails naming each problem, changing nothing, when the map cannot be used.
  - Idempotent - a room that already has its new name is left alone; RV(renamed) lists every room of the map
    (for the ledger, so that a rollback can put the old names back), RV(changes) those this run renamed.
  - With O(restore) it puts recorded names back instead (the rollback) - a room that still has its new name gets
    its old one; one that already has its old name is left alone.
  - Runs on the controller.
options:
  renames:
    description:
      - The rename map - a mapping of each room, named as readiness names it in its findings (C(object),
        C(Category / Sub / Room)), to its new legacy name.
      - Mutually exclusive with O(restore).
    type: dict
  restore:
    description:
      - Renames to undo, as RV(renamed) returned them (C(legacy_id), C(old), C(new)).
      - Mutually exclusive with O(renames).
    type: list
    elements: dict
  scope:
    description: Category names the export is limited to (C(-Scope)), as given to readiness.
    type: list
    elements: str
extends_documentation_fragment:
  - lync.persistent_chat.attributes.controller
  - lync.persistent_chat.attributes
  - lync.persistent_chat.sql
  - lync.persistent_chat.target_sql
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Reads and checks the map, and reports what would be renamed without writing.
  diff_mode:
    support: full
    details: Before and after are the names of the rooms renamed (legacy id to name).
notes:
  - The C(target_sql_*) options let the check see the 2013 names a new name would collide with; without them
    only the legacy database is considered.
author:
  - lync.persistent_chat contributors (@lync-persistent-chat)
"""

EXAMPLES = r"""
- name: Keep a room whose prefixed name is over 256 characters (legacy services stopped, backup verified)
  lync.persistent_chat.legacy_rename:
    renames:
      "IT / Helpdesk / A room name over 256 characters ...": Helpdesk archive
    sql_server: sql01.contoso.local
    sql_instance: GROUPCHAT
    sql_database: GroupChat
    target_sql_instance: RTC
  register: renamed

- name: Put the old names back (rollback)
  lync.persistent_chat.legacy_rename:
    restore: "{{ renamed.renamed }}"
    sql_server: sql01.contoso.local
    sql_instance: GROUPCHAT
    sql_database: GroupChat
"""

RETURN = r"""
renamed:
  description: Every room of the map with its legacy id, old and new name (with O(restore), the list given).
  returned: always
  type: list
  elements: dict
  sample: [{"legacy_id": 42, "old": "A room name over 256 characters ...", "new": "Helpdesk archive"}]
changes:
  description: The renames this run made (with O(restore), the names it put back).
  returned: always
  type: list
  elements: dict
  sample: [{"legacy_id": 42, "old": "A room name over 256 characters ...", "new": "Helpdesk archive"}]
"""

from ansible_collections.lync.persistent_chat.plugins.module_utils import legacy_names_sql
from ansible_collections.lync.persistent_chat.plugins.module_utils import readiness_checks
from ansible_collections.lync.persistent_chat.plugins.module_utils import sql as sql_utils
from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.target_db import (
    open_legacy,
    open_target,
    target_argument_spec,
    target_configured,
)


def _change(item):
    return {"legacy_id": int(item["legacy_id"]), "old": item["old"], "new": item["new"]}


def plan_renames(module, legacy):
    """(every rename of the map, those still to make) after the readiness check of the map."""
    params = module.params
    target = open_target(module) if target_configured(params) else None
    try:
        _tree, _index, _model, items = readiness_checks.read_trees(legacy, target, params["scope"], params["renames"])
    except ValueError as error:
        module.fail_json(msg=str(error))
    finally:
        if target is not None:
            target.close()
    every = [_change(item) for item in items]
    return every, [_change(item) for item in items if not item["applied"]]


def plan_restore(module, legacy):
    """(the renames given, those to undo: old and new swapped) from the names the rooms have now."""
    try:
        recorded = [_change(item) for item in module.params["restore"]]
    except (KeyError, TypeError, ValueError):
        module.fail_json(msg="restore takes the renamed list legacy_rename returned (legacy_id, old, new)")
    names = legacy_names_sql.current_names(legacy, [item["legacy_id"] for item in recorded])
    undo, strange = [], []
    for item in recorded:
        name = names.get(item["legacy_id"])
        if name == item["new"]:
            undo.append({"legacy_id": item["legacy_id"], "old": item["new"], "new": item["old"]})
        elif name != item["old"]:
            strange.append("room %s is called %r, neither %r nor %r" % (item["legacy_id"], name, item["old"], item["new"]))
    if strange:
        module.fail_json(msg="cannot put the old room names back, nothing was changed: %s" % "; ".join(strange))
    return recorded, undo


def main():
    spec = dict(
        renames=dict(type="dict"),
        restore=dict(type="list", elements="dict"),
        scope=dict(type="list", elements="str"),
    )
    spec.update(target_argument_spec())
    module = PchatModule(argument_spec=spec, connections=("sql",), supports_check_mode=True,
                         mutually_exclusive=[("renames", "restore")], required_one_of=[("renames", "restore")])
    if not module.sql_configured():
        module.fail_json(msg="the legacy database is not configured: give sql_connection_string, sql_server or sql_database")
    legacy = open_legacy(module)
    try:
        with module.step("read the legacy room names and check the map"):
            if module.params["restore"] is not None:
                every, changes = plan_restore(module, legacy)
            else:
                every, changes = plan_renames(module, legacy)
    finally:
        legacy.close()
    module.results.update(renamed=every, changes=changes)
    if changes:
        module.set_diff({str(c["legacy_id"]): c["old"] for c in changes}, {str(c["legacy_id"]): c["new"] for c in changes})
    if not changes or module.check_mode:
        module.exit_json(changed=bool(changes))
    with module.step("rename the legacy rooms"):
        try:
            legacy_names_sql.rename_rooms(module.sql_connection_string(), changes,
                                          timeout=module.params.get("sql_timeout") or 30)
        except sql_utils.SQLError as error:
            module.fail_json(msg=str(error))
    module.exit_json(changed=True)


if __name__ == "__main__":
    main()
