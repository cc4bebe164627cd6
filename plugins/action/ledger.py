# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the lync.persistent_chat.ledger module's logic (module_utils/ledger_task.py) in this process: it only
reads and writes files on the controller, so no Python process is started for it (plugin_utils/in_process.py)."""

from __future__ import annotations

from ansible_collections.lync.persistent_chat.plugins.module_utils import ledger_task
from ansible_collections.lync.persistent_chat.plugins.plugin_utils.in_process import InProcessActionModule


class ActionModule(InProcessActionModule):
    TASK = ledger_task
