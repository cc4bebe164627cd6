# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin base of the modules that only read databases or write files on the controller
(report, readiness, parity): they run on the controller like every module of the collection,
but take no WinRM options, so no host variable is turned into one."""

from __future__ import annotations

from ansible_collections.lync.persistent_chat.plugins.plugin_utils.pchat_action import PchatActionModule


class ControllerActionModule(PchatActionModule):
    """PchatActionModule without the host's WinRM settings."""

    def _host_vars(self, task_vars):
        # No host variable maps to an option of these modules.
        return {}
