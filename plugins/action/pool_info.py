# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one action plugin of the collection; every other module's action plugin is a symlink to this
file (as kubernetes.core does with k8s_info). The logic lives in plugin_utils/pchat_action.py."""

from __future__ import annotations

from ansible_collections.lync.persistent_chat.plugins.plugin_utils.pchat_action import PchatActionModule


class ActionModule(PchatActionModule):
    pass
