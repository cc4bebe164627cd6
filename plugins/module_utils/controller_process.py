# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Ansible process runs this module, and whether it is still there.

The collection's modules run on the controller: ansible-playbook (the controller) forks a worker per
task, the worker starts ``/bin/sh -c 'python AnsiballZ_<module>.py'`` and the module is that python.
Workers call setsid, so killing ansible-playbook's process group leaves the worker and the module
running, talking to the servers for a run nobody follows any more. A process is named by its pid and
its start time (``/proc/<pid>/stat`` field 22), so a pid the kernel gave to another process later is
never taken for the one recorded. Linux /proc only; elsewhere nothing is known and nothing is gone.
"""

from __future__ import annotations

import os
import socket


def _stat_fields(pid):
    """The fields of /proc/<pid>/stat after the command name, or None when there is no such process."""
    try:
        with open("/proc/%d/stat" % int(pid), "rb") as handle:
            text = handle.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        return None
    # The command name is in parentheses and may itself hold spaces and parentheses.
    return text[text.rfind(")") + 2:].split()


def start_ticks(pid):
    """When the process started (clock ticks after boot), or None when it does not exist."""
    fields = _stat_fields(pid)
    if not fields or fields[0] in ("Z", "X"):
        return None  # a zombie has ended; only its parent has not collected it yet
    return int(fields[19])


def parent_pid(pid):
    fields = _stat_fields(pid)
    return int(fields[1]) if fields else None


def command_line(pid):
    try:
        with open("/proc/%d/cmdline" % int(pid), "rb") as handle:
            raw = handle.read()
    except (OSError, ValueError):
        return ""
    return " ".join(part.decode("utf-8", "replace") for part in raw.split(b"\0") if part)


def alive(pid, ticks):
    """Whether the process ``pid`` that started at ``ticks`` still runs (a reused pid is not it)."""
    return pid is not None and ticks is not None and start_ticks(pid) == ticks


def this_host():
    return socket.gethostname()


def _is_ansible(cmdline):
    words = cmdline.split()
    return any(os.path.basename(word).startswith("ansible") for word in words[:3])


def ansible_processes(pid=None):
    """(worker, controller) as {pid, ticks, cmdline}: the nearest ancestor that runs Ansible (the
    worker that started this module) and the top of the chain of ancestors with its command line (the
    worker is a fork of ansible-playbook). Either is None when this process was not started by Ansible."""
    current = parent_pid(os.getpid() if pid is None else pid)
    worker = controller = None
    while current and current > 1:
        cmdline = command_line(current)
        if worker is None and _is_ansible(cmdline):
            worker = controller = current
        elif worker is not None:
            if cmdline != command_line(controller):
                break
            controller = current
        current = parent_pid(current)

    def describe(found):
        return None if found is None else dict(pid=found, ticks=start_ticks(found), cmdline=command_line(found))
    return describe(worker), describe(controller)


def controller():
    """The ansible-playbook (or ansible) process this module runs for, with this host's name; pid None
    when the module was not started by Ansible."""
    _worker, found = ansible_processes()
    found = found or dict(pid=None, ticks=None, cmdline="")
    found["host"] = this_host()
    return found


class ControllerWatch(object):
    """Notices that the Ansible run this module works for is gone: its controller or its worker has
    ended, or this module was handed to another parent."""

    def __init__(self):
        self.parent = os.getppid()
        self.worker, self.controller = ansible_processes()

    def gone(self):
        """Why this module's run is gone, or None while it is there."""
        for role, found in (("ansible controller", self.controller), ("ansible worker", self.worker)):
            if found is not None and not alive(found["pid"], found["ticks"]):
                return "its %s (pid %d, %s) has ended" % (role, found["pid"], found["cmdline"][:120])
        if self.worker is not None and os.getppid() != self.parent:
            return "the process that started it (pid %d) has ended" % self.parent
        return None
