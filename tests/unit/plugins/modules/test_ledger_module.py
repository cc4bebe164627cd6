"""The ledger module's refusals: outside check mode an unmet requirement fails and writes nothing; a query
reports it; in check mode a stage may simulate past requirements that check mode could not record."""
from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lync.persistent_chat.plugins.modules import ledger


def run(tmp_path, capsys, **args):
    with patch_module_args(dict(dir=str(tmp_path), migration="m1", **args)):
        with pytest.raises(SystemExit) as exit_info:
            ledger.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def test_an_unmet_requirement_refuses_the_start_and_writes_nothing(tmp_path, capsys):
    code, out = run(tmp_path, capsys, stage="backup", state="started", requires=["preflight"])
    assert code == 1 and "refused: backup needs preflight done (it is absent)" in out["msg"]
    assert not (tmp_path / "m1.json").exists()


def test_a_query_reports_unmet_requirements_without_refusing(tmp_path, capsys):
    run(tmp_path, capsys, stage="preflight", state="done")
    code, out = run(tmp_path, capsys, stage="cutover", requires=["preflight", "readiness", "backup"])
    assert code == 0 and out["unmet"] == ["readiness", "backup"] and out["status"] == "absent"


def test_check_mode_refuses_by_default(tmp_path, capsys):
    code, out = run(tmp_path, capsys, stage="backup", state="started", requires=["preflight"],
                    _ansible_check_mode=True)
    assert code == 1 and "refused" in out["msg"]


def test_check_mode_may_simulate_past_an_unmet_requirement_and_still_writes_nothing(tmp_path, capsys, monkeypatch):
    warnings = []
    # Ansible keeps warnings process-wide; record this module's own.
    monkeypatch.setattr(ledger.AnsibleModule, "warn", lambda self, message: warnings.append(message))
    code, out = run(tmp_path, capsys, stage="backup", state="started", requires=["preflight"],
                    check_mode_requires="simulate", _ansible_check_mode=True)
    assert code == 0 and out["changed"] and out["unmet"] == ["preflight"]
    assert any("preflight is absent" in warning for warning in warnings)
    assert not (tmp_path / "m1.json").exists()


def test_simulate_does_nothing_outside_check_mode(tmp_path, capsys):
    code, out = run(tmp_path, capsys, stage="backup", state="started", requires=["preflight"],
                    check_mode_requires="simulate")
    assert code == 1 and "refused" in out["msg"]
