# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the lync.persistent_chat.report module on the controller
(it takes no WinRM options; plugin_utils/controller_action.py)."""

from __future__ import annotations

from ansible_collections.lync.persistent_chat.plugins.plugin_utils.controller_action import ControllerActionModule


class ActionModule(ControllerActionModule):
    # Its module is a plain AnsibleModule (atomic_move of the report files), not a PchatModule: its own process.
    IN_PROCESS = False
