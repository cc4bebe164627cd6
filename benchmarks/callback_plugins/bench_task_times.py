# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark-only callback (benchmarks/bench_migration.py enables it): appends one JSON line per play start,
task start, task result and the end of the run to the file named by BENCH_TASK_TIMES, with the wall-clock
time, so the benchmark can tell, per stage and per task, the lab's work from the controller's own time, and
count the module runs. Not shipped."""

from __future__ import annotations

DOCUMENTATION = r"""
name: bench_task_times
type: aggregate
short_description: Times of plays and tasks for benchmarks/bench_migration.py
description:
  - Appends a JSON line per play start, task start, task result (how it ended on a host) and the end of the
    run to the file named by the environment variable C(BENCH_TASK_TIMES).
requirements:
  - enabled with ANSIBLE_CALLBACKS_ENABLED=bench_task_times
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_task_times"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._path = os.environ.get("BENCH_TASK_TIMES", "")

    def _write(self, **event):
        if not self._path:
            return
        event["time"] = time.time()
        with open(self._path, "a", encoding="utf-8") as out:
            out.write(json.dumps(event) + "\n")

    def v2_playbook_on_play_start(self, play):
        self._write(kind="play", name=play.get_name())

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._write(kind="task", name=task.get_name(), action=task.action)

    def v2_playbook_on_handler_task_start(self, task):
        self._write(kind="task", name=task.get_name(), action=task.action)

    # How each task ended on each host (a skipped task ran no module): kind "result", not a time mark.
    def _result(self, result, status):
        self._write(kind="result", name=result._task.get_name(), action=result._task.action, status=status)

    def v2_runner_on_ok(self, result):
        self._result(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._result(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._result(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        self._write(kind="end", name="")
