# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The verify role's judgement of a parity result (the logic lives in module_utils/judged_parity.py, where
the unit tests reach it). Documented in judged_parity.yml beside this one."""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.lync.persistent_chat.plugins.module_utils.judged_parity import judge


def judged_parity(parity, opened, allow_new_messages=True):
    return judge(parity, opened, allow_new_messages=boolean(allow_new_messages, strict=True))


class FilterModule:
    def filters(self):
        return {"judged_parity": judged_parity}
