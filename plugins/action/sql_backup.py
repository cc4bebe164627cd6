# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the lync.persistent_chat.sql_backup module on the controller
 with the target host's WinRM settings (plugin_utils/pchat_action.py)."""

from __future__ import annotations

from ansible_collections.lync.persistent_chat.plugins.plugin_utils.pchat_action import PchatActionModule


class ActionModule(PchatActionModule):
    # A long remote step: the module keeps its own process, which step_workers records for the next run's lock.
    IN_PROCESS = False
