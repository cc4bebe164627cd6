"""The request log tells how long the lab worked on each command (``seconds``) and how much of it was the
simulated transfer rate (``paced_seconds``), so a benchmark can tell the lab's work from the client's time."""
from __future__ import annotations

import base64

import winrm

from pchat_lab.sink import OutputSink
from pchat_lab.lync.cmdlets.migration import take_time

from conftest import LAB_PASSWORD, LAB_USER


class _Pacing:
    rows_per_second = 1000.0


class _Context:
    def __init__(self, sink):
        self.sink = sink


def _command_entries(lab, since):
    return [entry for entry in lab.log.dump(since) if entry["action"] == "Command"]


def test_a_command_entry_holds_the_seconds_the_lab_worked(labtest, lab, endpoints):
    since = len(lab.log.dump())
    session = winrm.Session(endpoints["FE01"]["http"], auth=(LAB_USER, LAB_PASSWORD))
    assert session.run_cmd("labtest sleep 0.3").status_code == 0
    entries = _command_entries(lab, since)
    assert len(entries) == 1
    assert entries[0]["seconds"] >= 0.3
    assert entries[0]["paced_seconds"] == 0


def test_a_powershell_command_entry_is_timed_too(lab, endpoints):
    since = len(lab.log.dump())
    session = winrm.Session(endpoints["FE01"]["http"], auth=(LAB_USER, LAB_PASSWORD))
    script = base64.b64encode("Write-Output 'timed'".encode("utf-16-le")).decode()
    result = session.run_cmd("powershell.exe -NoProfile -EncodedCommand %s" % script)
    assert result.std_out.strip() == b"timed"
    entries = _command_entries(lab, since)
    assert len(entries) == 1 and entries[0]["seconds"] is not None and entries[0]["seconds"] > 0


def test_the_simulated_transfer_rate_is_counted_on_the_sink():
    sink = OutputSink()
    take_time(_Context(sink), _Pacing(), 200)          # 200 rows at 1000 rows/s
    assert sink.paced_seconds >= 0.2
    take_time(_Context(sink), _Pacing(), 0)
    assert sink.paced_seconds < 1.0
