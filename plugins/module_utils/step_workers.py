# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A file per long step while it runs, so the next run knows what an earlier one left behind.

roles/ledger_stage names a folder beside the ledger in the PCHAT_WORKERS_DIR environment variable
(``<ledger_dir>/<migration>.workers``). A long step (export, import, backup, file copy) writes
``<pid>.json`` there when its remote command starts and removes it when the command has ended. When the
step notices that its Ansible run is gone it stops the remote command and marks its file ``stopped``
with the reason; the migration lock (migration_lock.py) finds these files on the next run: a step still
working makes it wait or refuse, a stopped or dead one is written into the ledger and the file removed.
Without the variable (a module run ad hoc) nothing is written, but the remote command is still stopped.
"""

from __future__ import annotations

import json
import os
import tempfile
import time

from ansible_collections.lync.persistent_chat.plugins.module_utils import controller_process

WORKERS_ENV = "PCHAT_WORKERS_DIR"
STAGE_ENV = "PCHAT_STAGE"


def utc_now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def write_json(path, data):
    """Atomically (a reader never sees half a record)."""
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".worker-", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, sort_keys=True)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def read_workers(directory):
    """[(path, record)] of every worker file in ``directory`` (none when it does not exist)."""
    found = []
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return found
    for name in names:
        if not name.endswith(".json"):
            continue
        path = os.path.join(directory, name)
        try:
            with open(path, "r", encoding="utf-8") as handle:
                record = json.load(handle)
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and "pid" in record:
            found.append((path, record))
    return found


class WorkerRecord(object):
    """The file of one long step while its remote command runs."""

    def __init__(self, activity, host, watch, environ=None):
        environ = os.environ if environ is None else environ
        directory = environ.get(WORKERS_ENV)
        pid = os.getpid()
        self.path = os.path.join(directory, "%d.json" % pid) if directory else None
        controller = watch.controller or {}
        self.record = dict(pid=pid, ticks=controller_process.start_ticks(pid), activity=activity, host=host,
                           stage=environ.get(STAGE_ENV), controller_pid=controller.get("pid"),
                           controller_ticks=controller.get("ticks"), controller_host=controller_process.this_host(),
                           controller_cmdline=controller.get("cmdline", "")[:300], started=utc_now(),
                           status="running", stopped=None, reason=None)

    def _write(self):
        if self.path:
            try:
                write_json(self.path, self.record)
            except OSError:
                pass  # the record helps the next run explain; the step itself does not depend on it

    def start(self):
        self._write()

    def stopped(self, reason):
        """The remote command was stopped because the run is gone: keep the file for the next run."""
        self.record.update(status="stopped", stopped=utc_now(), reason=reason)
        self._write()

    def finish(self):
        if self.path and self.record["status"] == "running":
            try:
                os.unlink(self.path)
            except OSError:
                pass
