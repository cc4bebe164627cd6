# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The attributes every module of the collection shares, stated once."""

from __future__ import annotations


class ModuleDocFragment(object):
    # Every module runs on the controller through the collection's action plugin, against Windows
    # hosts, and belongs to the persistent_chat action group. A module overrides an entry by stating it.
    DOCUMENTATION = r"""
attributes:
  platform:
    platforms: windows
  action:
    support: full
    details: The action plugin turns the host's WinRM variables into options and runs the module on the controller.
  async:
    support: none
  bypass_host_loop:
    support: none
  action_group:
    support: full
    membership:
      - lync.persistent_chat.persistent_chat
"""

    # Modules that only read: lync.persistent_chat.attributes.read_only
    READ_ONLY = r"""
attributes:
  check_mode:
    support: full
    details: Only reads; runs the same in check mode.
  diff_mode:
    support: N/A
    details: Changes nothing, so has no diff.
"""

    # Modules whose action plugin takes no WinRM host variables (they read databases or write files on the
    # controller): lync.persistent_chat.attributes.controller
    CONTROLLER = r"""
attributes:
  platform:
    platforms: posix
    details: Works on the controller only; the task's host is not contacted.
  action:
    support: full
    details: The action plugin runs the module on the controller; no host variable becomes an option.
"""
