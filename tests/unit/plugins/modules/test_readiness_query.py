"""readiness's query option: a JMESPath expression over the module's own result selects what a migration
wave covers; a bad expression fails before the database is read, and a failed gate still returns it."""
from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lync.persistent_chat.plugins.modules import readiness

import parity_fixture as F


@pytest.fixture
def legacy(tmp_path):
    return F.write_legacy(tmp_path / "groupchat.db")


def run_module(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            readiness.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def test_the_query_selects_from_the_findings(legacy, capsys):
    args = {"sql_connection_string": F.odbc(legacy), "fail_on": "none"}
    code, result = run_module(dict(args, query="findings[?severity=='error'].objects[].object"), capsys)
    assert code == 0
    assert result["query_result"] == ["N" * 51, "IT / Helpdesk / " + F.LONG_ROOM]
    code, result = run_module(dict(args, query="findings[?id=='NESTED_CATEGORY'].objects[].name"), capsys)
    assert code == 0 and result["query_result"] == ["IT_Helpdesk"]
    code, result = run_module(dict(args, query="{blocked: summary.errors, ids: findings[].id | sort(@)}"), capsys)
    assert result["query_result"]["blocked"] == 2 and "FEDERATED_USERS" in result["query_result"]["ids"]


def test_no_query_no_query_result(legacy, capsys):
    code, result = run_module({"sql_connection_string": F.odbc(legacy), "fail_on": "none"}, capsys)
    assert code == 0 and "query_result" not in result


def test_a_failed_gate_still_returns_the_query_result(legacy, capsys):
    code, result = run_module({"sql_connection_string": F.odbc(legacy), "query": "summary.blocking"}, capsys)
    assert code == 1 and result["query_result"] == ["ADDIN_INVALID", "ROOM_NAME_TOO_LONG"]


def test_a_bad_expression_fails_before_the_database_is_read(tmp_path, capsys):
    missing = tmp_path / "never-created.db"
    code, result = run_module({"sql_connection_string": F.odbc(missing), "query": "findings[?"}, capsys)
    assert code == 1 and "query is not a valid JMESPath expression: Invalid jmespath expression" in result["msg"]
    assert not missing.exists()


def test_an_expression_that_fails_on_the_result_says_so(legacy, capsys):
    code, result = run_module({"sql_connection_string": F.odbc(legacy), "fail_on": "none",
                               "query": "sort(findings)"}, capsys)
    assert code == 1 and "query 'sort(findings)' failed on the readiness result" in result["msg"]
