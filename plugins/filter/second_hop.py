# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that plan the second_hop runs of the preflight and read their results (the logic lives in
module_utils/second_hop_plan.py, where the unit tests reach it). Documented in the .yml files beside this one."""

from __future__ import annotations

from ansible_collections.lync.persistent_chat.plugins.module_utils.second_hop_plan import (
    hop_message,
    hop_paths,
    hop_plan,
    hop_record,
)


def second_hop_plan(topology):
    return hop_plan(hop_paths(topology))


def second_hop_message(results, hostvars):
    def delegation_of(host):
        return hostvars[host].get("ansible_winrm_kerberos_delegation", False)
    return hop_message(results, delegation_of)


def second_hop_record(results):
    return hop_record(results)


class FilterModule:
    def filters(self):
        return {
            "second_hop_plan": second_hop_plan,
            "second_hop_message": second_hop_message,
            "second_hop_record": second_hop_record,
        }
