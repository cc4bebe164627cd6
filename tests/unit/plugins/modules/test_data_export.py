"""data_export: parameters, the decision, the report summary, and whole runs."""
from __future__ import annotations

import datetime

import pytest
from steps_harness import run

from ansible_collections.lync.persistent_chat.plugins.modules import data_export

ARGS = {"db_instance": "sql01\\GC", "db_name": "GroupChat", "file_name": "D:\\M\\gc.zip"}


def params(**extra):
    base = dict(ARGS, level=None, scope=None, start_date=None, report=None, force=False)
    base.update(extra)
    return base


def test_start_date_forms():
    assert data_export.parse_start_date("2010-01-02") == datetime.datetime(2010, 1, 2)
    assert data_export.parse_start_date("2010-01-02T03:04:05") == datetime.datetime(2010, 1, 2, 3, 4, 5)
    with pytest.raises(ValueError):
        data_export.parse_start_date("02/01/2010")


def test_export_command_renders_every_parameter_as_a_literal():
    command = data_export.export_command(params(level="RoomDirectory", scope=["IT", "o'k"], start_date="2010-01-01",
                                                report="D:\\M\\r.html")).render()
    assert command == ("Export-CsPersistentChatData -DBInstance 'sql01\\GC' -DBName 'GroupChat' -FileName 'D:\\M\\gc.zip' "
                       "-Level 'RoomDirectory' -Scope @('IT', 'o''k') -StartDate [datetime]'2010-01-01T00:00:00.000000' "
                       "-Report 'D:\\M\\r.html'")


def test_decide():
    parameters = data_export.export_parameters(params())
    file_state = {"Exists": True, "Sha256": "AA"}
    record = {"parameters": parameters, "sha256": "aa", "fingerprint": "f1"}
    assert data_export.decide(params(), parameters, "f1", file_state, record) == (False, "the recorded export is current")
    assert data_export.decide(params(), parameters, "f2", file_state, record)[1] == \
        "the source database changed since the export"
    assert data_export.decide(params(), dict(parameters, level="User"), "f1", file_state, record)[1] == \
        "the export parameters changed"
    assert data_export.decide(params(), parameters, "f1", {"Exists": True, "Sha256": "BB"}, record)[1] == \
        "the export file changed since it was recorded"
    assert data_export.decide(params(force=True), parameters, "f1", file_state, record)[0] is True


def test_report_summary_reads_two_column_rows():
    html = "<table><tr><td>rooms</td><td>12</td></tr>\n<tr><td>messages</td><td> 250 </td></tr>" \
           "<tr><td>a</td><td>b</td><td>3</td></tr></table>"
    summary = data_export.summarise_report("r.html", html)
    assert summary == {"path": "r.html", "characters": len(html), "counts": {"rooms": 12, "messages": 250}}


def test_export_runs_and_records(monkeypatch, capsys):
    code, out, client = run(data_export, monkeypatch, capsys, dict(ARGS, report="D:\\M\\r.html"), [
        {"file": {"Exists": False}, "record": None},
        {"file": {"Exists": True, "Size": 5, "Sha256": "CC"}, "report": "<tr><td>rooms</td><td>2</td></tr>",
         "durations": {"export": 3.0}}])
    assert code == 0 and out["changed"] is True and client.idempotent == [True, False]
    change = client.scripts[1]
    assert "if(-not(Test-Path -LiteralPath 'D:\\M' -PathType Container)){New-Item -ItemType Directory" in change
    assert change.index("Export-CsPersistentChatData") < change.index("Get-FileHash") < change.index("Set-Content")
    assert "'fingerprint' = $null" in change and "'sha256' = $sha" in change
    assert out["export"]["sha256"] == "CC" and out["report_summary"]["counts"] == {"rooms": 2}
    assert "source_counts" not in out


def test_bad_start_date_fails_before_connecting(monkeypatch, capsys):
    code, out, client = run(data_export, monkeypatch, capsys, dict(ARGS, start_date="soon"), [])
    assert code == 1 and "start_date must be" in out["msg"] and client.scripts == []
