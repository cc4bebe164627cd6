#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: report
short_description: Write a migration's report on the controller, as JSON and as a self-contained HTML page
version_added: 0.1.0
description:
  - Writes C(<dest>/<migration>.json) for machines and C(<dest>/<migration>.html) for people.
  - The HTML page has the migration's stages and times, the stages' own checks, the readiness findings, the parity result per
    category and room with its differences, and a chart of messages per category before and after
    (inline SVG). It needs no network - no external script, style sheet, font or image, and a
    Content-Security-Policy that forbids loading any.
  - With O(ledger_dir) the report is read from the migration's ledger (see M(lync.persistent_chat.ledger)) - the
    stages and their times (stages that have not run are V(pending)), the readiness findings, the judged
    parity result (from the file beside the ledger that the ledger names, checked against the SHA-256 recorded
    with it; see M(lync.persistent_chat.judged_parity)), and as checks the free space and RBAC roles the preflight recorded and the test message the
    verification sent.
  - "Says what was left behind - the legacy categories, rooms and add-ins Import left out because the cutover
    accepted their readiness errors (C(cutover_accept_errors), C(cutover_accept_messages)), and the messages of
    those rooms, as parity counted them - in RV(result) (V(passed with data left behind: 1 room, 747 messages),
    never a plain V(passed)), RV(left_behind), the summary, the page and the JSON."
  - From the ledger, each stage's attempts (with the step that failed and the error of each that did not finish)
    and its steps with theirs, so a resumed stage shows what happened before.
  - The page opens with summaries; a table longer than 200 rows (categories, rooms, differences) shows its
    notable rows - those that differ - and lists every row when the reader opens it, built in the browser from
    data embedded in the page by the page's one inline script, which the Content-Security-Policy allows by its
    hash (no other script runs); report.json always holds every row.
  - Returns RV(summary), a few lines to print at the end of the play.
  - Runs on the controller; the files are written there.
options:
  migration:
    description:
      - Name of the migration; names the files (characters other than letters, digits, C(.), C(_) and C(-)
        become C(_)).
    type: str
    required: true
  dest:
    description:
      - Folder on the controller for the report files; created when missing.
    type: path
    required: true
  ledger_dir:
    description:
      - Folder on the controller holding the migration ledgers; the report is read from the ledger of
        O(ledger_migration) there.
      - Mutually exclusive with O(stages), O(readiness), O(parity) and O(checks).
    type: path
  ledger_migration:
    description:
      - The migration whose ledger O(ledger_dir) holds; defaults to O(migration).
    type: str
  stages:
    description:
      - The migration's stages in order, each with C(name), C(status) and C(started) / C(finished) times
        (ISO 8601), and optionally C(attempts) (a number), C(attempt_history) (each attempt's C(number), C(status),
        C(started), C(finished), C(failed_step), C(error)) and C(steps) (each with C(name), C(status), C(attempts),
        C(started), C(finished), C(error)), as the report reads them from a ledger.
    type: list
    elements: dict
  readiness:
    description:
      - The registered result of M(lync.persistent_chat.readiness).
    type: dict
  parity:
    description:
      - The registered result of M(lync.persistent_chat.parity).
    type: dict
  checks:
    description:
      - The stages' own checks (free space, RBAC roles, the test message), shown in a table and counted in
        RV(summary); a check whose status is not V(passed) makes the report's status V(failed).
    type: list
    elements: dict
    suboptions:
      name:
        description: What was checked.
        type: str
        required: true
      status:
        description: The outcome.
        type: str
        choices: [passed, failed]
        required: true
      detail:
        description: Figures or the error.
        type: str
extends_documentation_fragment:
  - lync.persistent_chat.attributes.controller
  - lync.persistent_chat.attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Reports whether the files would change without writing them.
  diff_mode:
    support: none
  action_group:
    support: none
    details: Not in the collection's action group, whose defaults (connection options) it does not take.
    membership: []
author:
  - lync.persistent_chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.readiness
  - module: lync.persistent_chat.parity
"""

EXAMPLES = r"""
- name: Write the report of a migration from its ledger
  lync.persistent_chat.report:
    migration: report
    dest: "{{ playbook_dir }}/reports"
    ledger_dir: /var/lib/pchat-migration
    ledger_migration: gc2010-to-pc2013

- name: Write the report
  lync.persistent_chat.report:
    migration: gc2010-to-pc2013
    dest: "{{ playbook_dir }}/reports"
    stages: "{{ migration_stages }}"
    readiness: "{{ readiness }}"
    parity: "{{ parity }}"
    checks:
      - {name: "Free space on fs01 D: (backups)", status: passed, detail: "900.0 GiB free, 120.5 MiB needed"}
      - {name: Test-CsPersistentChatMessage, status: passed, detail: "Success in 00:00:00.81"}
  register: report

- name: Print the summary
  ansible.builtin.debug:
    msg: "{{ report.summary }}"
"""

RETURN = r"""
json_path:
  description: The JSON report.
  returned: always
  type: str
html_path:
  description: The HTML report.
  returned: always
  type: str
status:
  description:
    - V(passed), or V(failed) when a stage failed, readiness has blocking findings or parity differences.
    - V(passed) does not mean nothing was left behind - RV(result) and RV(left_behind) say what was.
  returned: always
  type: str
result:
  description: The result in words - RV(status), and what was left behind when something was.
  returned: always
  type: str
  sample: "passed with data left behind: 1 room, 747 messages"
left_behind:
  description:
    - What stayed in the legacy database (parity's C(not_migrated)) - C(categories), C(rooms), C(addins), C(other)
      (counts), C(messages) (of those rooms), C(messages_counted) (false for a parity result recorded before it
      counted them) and C(objects) (each with C(kind), C(object), C(object_type) and for a room C(messages)).
    - V(null) when nothing was left behind.
  returned: always
  type: dict
  sample: {"categories": 0, "rooms": 1, "addins": 0, "other": 0, "messages": 747, "messages_counted": true,
           "objects": [{"kind": "ROOM_NAME_TOO_LONG", "object": "IT / Helpdesk / Very long ...", "object_type": "room",
                        "messages": 747}]}
ledger_path:
  description: The ledger the report was read from.
  returned: when O(ledger_dir) is given
  type: str
summary:
  description: Lines for the end of the play.
  returned: always
  type: list
  elements: str
"""

import json
import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lync.persistent_chat.plugins.module_utils import ledger as ledger_lib
from ansible_collections.lync.persistent_chat.plugins.module_utils import ledger_files
from ansible_collections.lync.persistent_chat.plugins.module_utils import report_html

# Keys Ansible adds to every registered result: not part of the report.
_ANSIBLE_KEYS = ("changed", "failed", "invocation", "msg", "skipped", "warnings", "deprecations", "_ansible_no_log",
                 "exception", "step")


def _clean(result):
    if not result:
        return None
    return {key: value for key, value in result.items() if key not in _ANSIBLE_KEYS}


def size_text(count):
    """Bytes as Jinja's filesizeformat(binary=true) writes them (900.0 GiB), as the stages' messages do."""
    count = float(count)
    if count == 1:
        return "1 Byte"
    if count < 1024:
        return "%d Bytes" % count
    for power, prefix in enumerate(("KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB"), start=2):
        if count < 1024 ** power:
            break
    else:
        power, prefix = 9, "YiB"
    return "%.1f %s" % (1024 * count / 1024 ** power, prefix)


def attempt_history(book, stage):
    """The stage's attempts, from the ledger's events: each one's number, times, outcome (done, failed,
    rolled_back; interrupted when the next attempt started before it ended; running when it is the last and has
    not ended), the step that failed in it and the error."""
    attempts = []
    for event in book.get("events") or []:
        if event.get("stage") != stage:
            continue
        current = attempts[-1] if attempts else None
        if event.get("step") is None and event.get("status") == "running":
            if current is not None and current["status"] == "running":
                current["status"] = "interrupted"
            attempts.append({"number": len(attempts) + 1, "started": event.get("at"), "finished": None,
                             "status": "running", "failed_step": None, "error": None})
        elif current is None:
            continue
        elif event.get("step") is None:
            current.update(status=event.get("status"), finished=event.get("at"))
            current["error"] = event.get("error") or current["error"]
        elif event.get("status") == "failed":
            current["failed_step"] = event["step"]
            current["error"] = current["error"] or event.get("error")
    return attempts


def step_rows(found):
    """The stage's steps in the order they first ran, with status, attempts, times and error."""
    steps = (found.get("steps") or {}).items()     # recorded in the order they first ran
    return [{"name": name, "status": step.get("status"), "attempts": step.get("attempts"),
             "started": step.get("started"), "finished": step.get("finished"), "error": step.get("error")}
            for name, step in steps]


def stage_rows(book):
    """Every stage in order, with its status (V(pending) before it ran), times, attempts and steps; rollback
    when it ran."""
    names = list(ledger_lib.ORDER) + (["rollback"] if "rollback" in book["stages"] else [])
    rows = []
    for name in names:
        found = ledger_lib.entry(book, name) or {}
        rows.append({"name": name, "status": found.get("status", "pending"), "started": found.get("started"),
                     "finished": found.get("finished"), "attempts": found.get("attempts", 0),
                     "attempt_history": attempt_history(book, name), "steps": step_rows(found)})
    return rows


def ledger_checks(book):
    """The stages' own checks as recorded: free space and RBAC roles (preflight), the test message (verify)."""
    values = ledger_lib.recorded(book, ["preflight.space", "preflight.admin_user", "preflight.admin_roles",
                                        "verify.test_message"])
    checks = []
    for row in values["preflight.space"] or []:
        free, needed = int(row["free_bytes"]), int(row["needed"])
        checks.append({"name": "Free space on %s %s (%s)" % (row["host"], row["drive"], row["what"]),
                       "status": "passed" if free >= needed else "failed",
                       "detail": "%s free, %s needed" % (size_text(free), size_text(needed))})
    if values["preflight.admin_roles"] is not None:
        checks.append({"name": "Lync RBAC roles of %s" % values["preflight.admin_user"], "status": "passed",
                       "detail": ", ".join(values["preflight.admin_roles"])})
    message = values["verify.test_message"] or {}
    if "result" in message:
        checks.append({"name": "Test-CsPersistentChatMessage (%s)" % message.get("parameter_set", ""),
                       "status": "passed" if message["result"] == "Success" else "failed",
                       "detail": "%s in %s" % (message["result"], message.get("latency", ""))})
    return checks


def from_ledger(module, directory, migration):
    """(path, report inputs) read from the migration's ledger."""
    path = ledger_lib.ledger_path(directory, migration)
    try:
        book = ledger_lib.load(path, migration)
    except (OSError, ValueError) as error:
        module.fail_json(msg="cannot read the ledger: %s" % error, path=path)
    values = ledger_lib.recorded(book, ["readiness.result", "verify.result", "verify.result_file",
                                        "verify.result_sha256", "cutover/import_whatif.errors"])
    parity = values["verify.result"]
    if values["verify.result_file"]:
        # Kept beside the ledger (module_utils/ledger_files.py), checked against the SHA-256 recorded with it.
        try:
            parity = ledger_files.read_kept(directory, values["verify.result_file"], values["verify.result_sha256"])
        except (OSError, ValueError) as error:
            module.fail_json(msg="cannot read the verification's comparison the ledger names: %s" % error, path=path)
    # A -WhatIf step that is done had every error it reported accepted (by finding or by message).
    whatif_done = ledger_lib.status(book, "cutover/import_whatif") == "done"
    accepted = values["cutover/import_whatif.errors"] if whatif_done else None
    return os.path.abspath(path), dict(stages=stage_rows(book), readiness=values["readiness.result"],
                                       parity=parity, checks=ledger_checks(book),
                                       accepted_at_cutover=accepted or [])


def _write_if_changed(module, path, text):
    data = text.encode("utf-8")
    if os.path.isfile(path):
        with open(path, "rb") as handle:
            if handle.read() == data:
                return False
    if module.check_mode:
        return True
    folder = os.path.dirname(path)
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".report-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        module.atomic_move(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return True


def main():
    module = AnsibleModule(argument_spec=dict(
        migration=dict(type="str", required=True),
        dest=dict(type="path", required=True),
        ledger_dir=dict(type="path"),
        ledger_migration=dict(type="str"),
        stages=dict(type="list", elements="dict"),
        readiness=dict(type="dict"),
        parity=dict(type="dict"),
        checks=dict(type="list", elements="dict", options=dict(
            name=dict(type="str", required=True),
            status=dict(type="str", required=True, choices=["passed", "failed"]),
            detail=dict(type="str"))),
    ), mutually_exclusive=[("ledger_dir", name) for name in ("stages", "readiness", "parity", "checks")],
        supports_check_mode=True)
    params = module.params
    inputs = {name: params[name] for name in ("stages", "readiness", "parity", "checks")}
    inputs["accepted_at_cutover"] = []
    ledger_path = None
    if params["ledger_dir"]:
        ledger_path, inputs = from_ledger(module, params["ledger_dir"], params["ledger_migration"] or params["migration"])
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", params["migration"]).strip(".") or "migration"
    dest = params["dest"]
    if not module.check_mode:
        try:
            os.makedirs(dest, exist_ok=True)
        except OSError as error:
            module.fail_json(msg="cannot create %s: %s" % (dest, error))
    json_path, html_path = os.path.join(dest, stem + ".json"), os.path.join(dest, stem + ".html")
    # The generation time is kept from an identical earlier report so that re-running changes nothing.
    report = report_html.build_report(params["migration"], inputs["stages"] or [], _clean(inputs["readiness"]),
                                      _clean(inputs["parity"]), generated="-", checks=inputs["checks"] or [],
                                      accepted_at_cutover=inputs["accepted_at_cutover"])
    previous = None
    if os.path.isfile(json_path):
        try:
            with open(json_path, "r", encoding="utf-8") as handle:
                previous = json.load(handle)
        except ValueError:
            previous = None
    generated = previous.get("generated") if previous else None
    probe = dict(report, generated=generated) if generated else None
    if not (probe and previous == json.loads(json.dumps(probe))):
        generated = report_html.build_report("x").get("generated")
    report["generated"] = generated
    changed = _write_if_changed(module, json_path, json.dumps(report, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    changed = _write_if_changed(module, html_path, report_html.render_html(report)) or changed
    extra = dict(ledger_path=ledger_path) if ledger_path else {}
    module.exit_json(changed=changed, msg="Result: %s" % report["result"],
                     json_path=json_path, html_path=html_path, status=report["status"], result=report["result"],
                     left_behind=report["left_behind"], summary=report["summary"], **extra)


if __name__ == "__main__":
    main()
