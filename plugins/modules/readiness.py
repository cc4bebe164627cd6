#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: readiness
short_description: Check a legacy Group Chat database for what the migration will refuse, change or leave behind
version_added: 0.1.0
description:
  - Reads the legacy Group Chat database (Lync Server 2010 or OCS 2007 R2) over ODBC, read-only, and
    reports findings, each with an id, a severity (V(error), V(warning), V(info)) and the objects it concerns.
  - Errors are what C(Import-CsPersistentChatData) refuses (the item is not migrated), for example
    V(ROOM_NAME_TOO_LONG), V(CATEGORY_NAME_TOO_LONG), V(DUPLICATE_NAME), V(NAME_CONFLICT),
    V(ROOM_CATEGORY_MISSING), V(ADDIN_INVALID), V(TARGET_NAME_CONFLICT).
  - Warnings are documented changes an operator must accept or fix first -
    V(NESTED_CATEGORY) (with the flattened names), V(INVITATION_CONFLICT), V(ROOT_MANAGERS),
    V(FEDERATED_USERS), V(DISABLED_ROOMS), V(TARGET_CATEGORY_OVERWRITTEN), V(TARGET_ROOM_OVERWRITTEN),
    V(TARGET_ADDIN_OVERWRITTEN), V(PRESENTERS_DROPPED), V(CATEGORY_MANAGERS_DROPPED), V(FILES_TO_COPY).
  - Info findings never block - V(MESSAGES_BEFORE_CUTOFF), V(TOPICS_DROPPED), V(ROOM_FLAGS_DROPPED).
  - With the C(target_sql_*) options it also reads the Lync 2013 database (C(mgc)) for names that collide
    with existing 2013 categories, rooms and add-ins.
  - Reads tblNode, the role, scope, add-in and principal tables; tblChat only with O(cutoff_date) or
    O(scan_messages) (one aggregate pass).
  - Runs on the controller.
options:
  scope:
    description:
      - Category names the export will be limited to (C(Export-CsPersistentChatData -Scope)); their
        sub-categories are included. Default all categories.
    type: list
    elements: str
  cutoff_date:
    description:
      - Count the messages older than this date (C(YYYY-MM-DD) or ISO 8601; UTC when no offset), the
        ones an export with C(-StartDate) leaves out.
    type: str
  scan_messages:
    description:
      - Count the messages that post a file (C(ma-filelink:) content), in the same pass over tblChat as
        O(cutoff_date).
    type: bool
    default: false
  file_repository:
    description:
      - The legacy file repository as M(lync.persistent_chat.legacy_info) returns it
        (C(path), C(files), C(bytes)); its files and bytes go into V(FILES_TO_COPY).
    type: dict
  room_renames:
    description:
      - The rename map - legacy rooms that Import would leave behind only because of their name, as a mapping of
        each room (named as the findings name it in C(object), C(Category / Sub / Room)) to its new legacy name.
        The map is applied to what is read, so the findings show the new names (and no longer
        flag the renamed rooms), and returned in RV(renames). M(lync.persistent_chat.legacy_rename) applies it
        to the legacy database before the export.
      - The map is checked first, and the task fails naming each problem when a key names no legacy room (or
        several), a new name is empty, begins or ends with white space or is over 256 characters, the renamed
        room would still be left behind (too long once prefixed, a duplicate, named like a category) or would
        overwrite a 2013 room, or another item would be left behind because of it.
      - A room already renamed in the legacy database (by an earlier cutover) is recognised by its new name.
    type: dict
    default: {}
  fail_on:
    description:
      - V(error) fails the task when there are errors; V(warning) also on warnings not in O(acknowledge);
        V(none) never fails (the result still says what would block).
    type: str
    choices: [none, error, warning]
    default: error
  acknowledge:
    description:
      - Ids of warnings the operator accepts; they do not block with O(fail_on=warning).
    type: list
    elements: str
    default: []
  max_objects:
    description:
      - At most this many objects are listed per finding (the count is always complete); C(0) lists all.
    type: int
    default: 200
  query:
    description:
      - A L(JMESPath,https://jmespath.org/) expression evaluated over this module's result (RV(findings),
        RV(summary), RV(facts), RV(passed)); its value is returned as RV(query_result).
      - Use it to choose what a migration wave covers without another collection's C(json_query) filter -
        for example the rooms Import will refuse (C(findings[?severity=='error'].objects[].object)), or the
        2013 names of the categories Import will flatten (C(findings[?id=='NESTED_CATEGORY'].objects[].name)).
      - The result is evaluated before O(fail_on) decides, so a failed gate still returns RV(query_result).
      - Needs the C(jmespath) Python library on the controller.
    type: str
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
  - module: lync.persistent_chat.parity
  - module: lync.persistent_chat.legacy_info
  - module: lync.persistent_chat.report
"""

EXAMPLES = r"""
- name: Check the legacy database before exporting
  lync.persistent_chat.readiness:
    sql_server: sql01.contoso.local
    sql_instance: GROUPCHAT
    sql_database: GroupChat
    target_sql_instance: RTC
    cutoff_date: '2010-01-01'
    file_repository: "{{ legacy.file_repository }}"
    fail_on: warning
    acknowledge: [NESTED_CATEGORY, TOPICS_DROPPED, ROOT_MANAGERS, FEDERATED_USERS]
  register: readiness

- name: List the rooms Import will refuse, to leave them out of the first wave
  lync.persistent_chat.readiness:
    sql_server: sql01.contoso.local
    sql_instance: GROUPCHAT
    sql_database: GroupChat
    fail_on: none
    query: "findings[?severity=='error'].objects[].object"
  register: refused

- name: Show them
  ansible.builtin.debug:
    var: refused.query_result

- name: Keep a room whose prefixed name is over 256 characters, under a shorter name
  lync.persistent_chat.readiness:
    sql_server: sql01.contoso.local
    sql_instance: GROUPCHAT
    sql_database: GroupChat
    room_renames:
      "IT / Helpdesk / A room name over 256 characters ...": Helpdesk archive
"""

RETURN = r"""
findings:
  description: One entry per finding id found, errors first.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The finding's id (stable; used by O(acknowledge)).
      type: str
    severity:
      description: V(error), V(warning) or V(info).
      type: str
    title:
      description: What the finding is about.
      type: str
    action:
      description: What to do about it.
      type: str
    count:
      description: How many objects it concerns.
      type: int
    objects:
      description:
        - The objects, each with C(object) (the legacy path C(Category / Sub / Room), a SIP URI or an add-in
          name) and, where it applies, C(name) (the 2013 name) and C(length).
      type: list
      elements: dict
  sample:
    - {"id": "ROOM_NAME_TOO_LONG", "severity": "error", "count": 1, "title": "...", "action": "...",
       "objects": [{"object": "Engineering / Backend / Team / Very long ...", "name": "Engineering_Backend_...", "length": 284}]}
summary:
  description: Counts per severity, the ids that block and the acknowledged ids that were used.
  returned: always
  type: dict
  sample: {"errors": 1, "warnings": 6, "info": 2, "blocking": ["ROOM_NAME_TOO_LONG"], "acknowledged": ["NESTED_CATEGORY"]}
passed:
  description: True when nothing blocks under O(fail_on) (with V(none), when there are no errors).
  returned: always
  type: bool
facts:
  description: What was read - numbers of categories, rooms, add-ins, rooms to migrate, and messages when tblChat was scanned.
  returned: always
  type: dict
renames:
  description: The rename map resolved, one item per room, in the map's order.
  returned: when O(room_renames) is given
  type: list
  elements: dict
  contains:
    object:
      description: The room as the map names it (its legacy path).
      type: str
    new_object:
      description: Its legacy path once renamed, as the findings name it.
      type: str
    old:
      description: Its legacy name.
      type: str
    new:
      description: Its new legacy name.
      type: str
    name:
      description: Its 2013 name once renamed (flattened with its categories' names when nested).
      type: str
    applied:
      description: Whether the legacy database already holds the new name.
      type: bool
  sample: [{"object": "IT / Helpdesk / A room name over 256 characters ...", "new_object": "IT / Helpdesk / Short",
            "old": "A room name over 256 characters ...", "new": "Short", "name": "IT_Helpdesk_Short", "applied": false}]
query_result:
  description: The value of O(query) over this result (any JSON type; V(null) when the expression selects nothing).
  returned: when O(query) is given
  type: raw
  sample: ["IT / Helpdesk / A room name over 256 characters ..."]
"""

import traceback

try:
    import jmespath
except ImportError:
    jmespath = None
    JMESPATH_IMPORT_ERROR = traceback.format_exc()
else:
    JMESPATH_IMPORT_ERROR = None

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils import readiness_checks
from ansible_collections.lync.persistent_chat.plugins.module_utils.migration_model import parse_date
from ansible_collections.lync.persistent_chat.plugins.module_utils.target_db import (
    open_legacy,
    open_target,
    target_argument_spec,
    target_configured,
)


def main():
    spec = dict(
        scope=dict(type="list", elements="str"),
        cutoff_date=dict(type="str"),
        scan_messages=dict(type="bool", default=False),
        file_repository=dict(type="dict"),
        fail_on=dict(type="str", choices=["none", "error", "warning"], default="error"),
        acknowledge=dict(type="list", elements="str", default=[]),
        max_objects=dict(type="int", default=200),
        query=dict(type="str"),
        room_renames=dict(type="dict", default={}),
    )
    spec.update(target_argument_spec())
    module = PchatModule(argument_spec=spec, connections=("sql",), supports_check_mode=True)
    params = module.params
    if not module.sql_configured():
        module.fail_json(msg="the legacy database is not configured: give sql_connection_string, sql_server or sql_database")
    unknown = sorted(set(params["acknowledge"]) - set(readiness_checks.FINDINGS))
    if unknown:
        module.fail_json(msg="acknowledge names unknown finding ids: %s" % ", ".join(unknown))
    query = compile_query(module, params["query"])
    try:
        cutoff = parse_date(params["cutoff_date"])
    except ValueError as error:
        module.fail_json(msg="cutoff_date: %s" % error)

    legacy = open_legacy(module)
    target = open_target(module) if target_configured(params) else None
    try:
        with module.step("read the legacy and 2013 databases"):
            try:
                result, facts = readiness_checks.check(
                    legacy, target, scope=params["scope"], cutoff=cutoff, scan_messages=params["scan_messages"],
                    file_repository=params["file_repository"], renames=params["room_renames"])
            except ValueError as error:
                module.fail_json(msg=str(error))
    finally:
        legacy.close()
        if target is not None:
            target.close()

    findings = result.as_list(params["max_objects"] or None)
    blocking, used = readiness_checks.gate(findings, params["fail_on"], params["acknowledge"])
    severities = [finding["severity"] for finding in findings]
    summary = {"errors": severities.count("error"), "warnings": severities.count("warning"),
               "info": severities.count("info"), "blocking": blocking, "acknowledged": used}
    passed = not blocking if params["fail_on"] != "none" else summary["errors"] == 0
    renames = facts.pop("renames", None)
    output = dict(findings=findings, summary=summary, passed=passed, facts=facts)
    if renames is not None:
        output["renames"] = renames
    if query is not None:
        output["query_result"] = evaluate_query(module, query, output)
    if blocking:
        module.results.update(output)
        module.fail_json(msg="%d blocking readiness finding(s): %s" % (len(blocking), ", ".join(blocking)))
    module.exit_json(**output)


def compile_query(module, expression):
    """The parsed JMESPath expression, or None without one; a bad one fails before any database is read."""
    if expression is None:
        return None
    if jmespath is None:
        module.fail_json(msg=missing_required_lib("jmespath"), exception=JMESPATH_IMPORT_ERROR)
    try:
        return jmespath.compile(expression)
    except jmespath.exceptions.JMESPathError as error:
        module.fail_json(msg="query is not a valid JMESPath expression: %s" % error)


def evaluate_query(module, query, output):
    try:
        return query.search(output)
    except jmespath.exceptions.JMESPathError as error:
        module.fail_json(msg="query %r failed on the readiness result: %s" % (query.expression, error))


if __name__ == "__main__":
    main()
