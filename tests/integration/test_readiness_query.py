"""readiness's JMESPath query option, ad hoc against the lab's legacy database as an operator runs it to
choose what a migration wave covers: the selection matches the findings it returns, and a bad expression
fails with a message naming the option."""
from __future__ import annotations

import json

from conftest import run_ansible

LEGACY = "{{ pchat_legacy_sql_connection_string }}"      # inventories/lab, from the lab's state folder


def readiness(lab, **args):
    results = run_ansible("sql01", "-m", "lync.persistent_chat.readiness", "-a",
                          json.dumps(dict(args, sql_connection_string=LEGACY, fail_on="none", max_objects=0)),
                          "-e", "pchat_lab_state_dir=%s" % lab.state_dir)
    assert "sql01" in results, results["_process"].stdout + results["_process"].stderr
    return results["sql01"]


def test_the_query_selects_the_rooms_and_categories_a_wave_leaves_out(lab):
    query = "{ids: findings[].id, refused: findings[?severity=='error'].objects[].object, flattened: " \
            "findings[?id=='NESTED_CATEGORY'].objects[].name}"
    status, result = readiness(lab, query=query)
    assert status == "SUCCESS", result
    findings = result["findings"]
    assert findings, "the small dataset has findings to select from"
    assert result["query_result"] == {
        "ids": [finding["id"] for finding in findings],
        "refused": [o["object"] for finding in findings if finding["severity"] == "error" for o in finding["objects"]],
        "flattened": [o["name"] for finding in findings if finding["id"] == "NESTED_CATEGORY" for o in finding["objects"]],
    }
    assert result["query_result"]["flattened"], "the small dataset nests categories"


def test_a_bad_query_fails_naming_the_option(lab):
    status, result = readiness(lab, query="findings[?severity==")
    assert status == "FAILED!" and "query is not a valid JMESPath expression" in result["msg"]
    assert "query_result" not in result
