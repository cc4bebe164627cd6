"""The action plugin's progress tail and the long-step Progress writer, end to end through a file."""
from __future__ import annotations

import os

from ansible_collections.lync.persistent_chat.plugins.module_utils.long_step import PROGRESS_ENV, Progress
from ansible_collections.lync.persistent_chat.plugins.plugin_utils import pchat_action


def test_lines_written_by_the_module_are_shown_once_each():
    shown = []
    with pchat_action.ProgressTail("fe01", interval=0.01, show=shown.append) as tail:
        assert os.environ[PROGRESS_ENV] == tail.path
        times = iter([0.0, 5.0, 12.0, 13.0, 30.5])
        progress = Progress(clock=lambda: next(times), every=10)
        progress.start("export")          # t=0
        progress.tick()                   # t=5: too soon
        progress.tick()                   # t=12: shown
        progress.tick()                   # t=13: too soon
        progress.finish()                 # t=30.5
        tail.show_new_lines()
        with open(tail.path, "ab") as handle:
            handle.write("partial \u00e9".encode("utf-8"))
        tail.show_new_lines()
        path = tail.path
    assert shown == ["export: started", "export: still running after 12s", "export: finished after 30.5s"]
    assert PROGRESS_ENV not in os.environ and not os.path.exists(path)


def test_without_the_variable_progress_writes_nothing(tmp_path):
    progress = Progress(environ={})
    progress.start("x")
    progress.finish()
    assert list(tmp_path.iterdir()) == []
