# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The judged_parity module's arguments and logic, run by plugins/modules/judged_parity.py with AnsibleModule and
by its action plugin in Ansible's own process (plugin_utils/in_process.py: no Python process per task).
``module`` is either: it offers params, check_mode, exit_json and fail_json."""

from __future__ import annotations

import os

from ansible_collections.lync.persistent_chat.plugins.module_utils import ledger as ledger_lib
from ansible_collections.lync.persistent_chat.plugins.module_utils import ledger_files
from ansible_collections.lync.persistent_chat.plugins.module_utils.judged_parity import judge

KIND = "verify"
_RESULT_ONLY = ("invocation", "changed", "failed")


def recorded_files(params):
    """The kept files the migration's ledger names (they are never removed)."""
    book = ledger_lib.load(ledger_lib.ledger_path(params["dir"], params["migration"]), params["migration"])
    return set(name for name in ledger_lib.recorded(book, ["verify.result_file"]).values() if name)


def keep_all(module, results):
    """{what: {result_file, result_sha256}} of each result kept (None for a None result); whether one was
    written; the earlier files removed."""
    params, kept, changed = module.params, {}, False
    for what, value in results:
        if value is None:
            kept[what] = None
            continue
        name, sha256, written = ledger_files.keep(params["dir"], params["migration"], KIND, value,
                                                  check_mode=module.check_mode or not params["keep"])
        kept[what] = dict(result_file=name, result_sha256=sha256)
        changed = changed or (written and params["keep"])
    removed = []
    if params["keep"] and not module.check_mode:
        names = recorded_files(params) | set(item["result_file"] for item in kept.values() if item)
        removed = ledger_files.prune(params["dir"], params["migration"], KIND, names)
    return kept, changed or bool(removed), removed


def argument_spec():
    return dict(
        parity_file=dict(type="path", required=True),
        parity_sha256=dict(type="str"),
        opened=dict(type="str"),
        allow_new_messages=dict(type="bool", default=True),
        dir=dict(type="path", required=True),
        migration=dict(type="str", required=True),
        keep=dict(type="bool", default=True),
    )


# The other AnsibleModule / ArgumentSpecValidator arguments.
OPTIONS = {}


def run(module):
    params = module.params
    try:
        parity = ledger_files.read_json(params["parity_file"], params["parity_sha256"])
    except (OSError, ValueError) as error:
        module.fail_json(msg="cannot read the parity result: %s" % error)
    try:
        judged = judge(parity, params["opened"], allow_new_messages=params["allow_new_messages"])
    except (ValueError, KeyError, TypeError) as error:
        module.fail_json(msg="cannot judge the parity result: %s" % error)
    compared = dict((key, value) for key, value in parity.items() if key not in _RESULT_ONLY)
    passed = not judged["unexplained"]
    try:
        kept, changed, removed = keep_all(module, [("judged", judged["result"] if passed else None),
                                                   ("compared", compared)])
        # The hand-off is consumed: the next comparison writes its own.
        os.unlink(params["parity_file"])
    except (OSError, ValueError) as error:
        module.fail_json(msg="cannot keep the comparison in %s: %s" % (params["dir"], error))
    module.exit_json(changed=changed, unexplained=judged["unexplained"], new_messages=judged["new_messages"],
                     judged=kept["judged"], compared=kept["compared"], removed=removed)
