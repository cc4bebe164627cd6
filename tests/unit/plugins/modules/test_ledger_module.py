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


def test_data_the_stage_does_not_declare_fails_naming_the_stage_and_key_and_writes_nothing(tmp_path, capsys):
    code, out = run(tmp_path, capsys, stage="cutover", step="export", state="done", data={"sha": "AB"})
    assert code == 1 and out["msg"].startswith("cutover/export does not record 'sha' (it records: counts, file, ")
    assert not (tmp_path / "m1.json").exists()
    code, out = run(tmp_path, capsys, stage="preflight", state="done", data={"legacy_files": "twelve"})
    assert code == 1 and out["msg"] == "preflight records 'legacy_files' as int, not str ('twelve')"


def test_a_query_returns_recorded_values_by_name(tmp_path, capsys):
    run(tmp_path, capsys, stage="backup", state="done", data={"legacy_backup_sha256": "AB", "files": 3})
    run(tmp_path, capsys, stage="cutover", state="started")
    run(tmp_path, capsys, stage="cutover", step="export", state="done", data={"report_messages": 40})
    run(tmp_path, capsys, stage="cutover", step="import_whatif", state="failed", error="-WhatIf: ROOM_NAME_TOO_LONG")
    code, out = run(tmp_path, capsys, stage="cutover", keys=[
        "backup.legacy_backup_sha256", "backup.legacy_backup_taken", "cutover/export.report_messages",
        "cutover/start_pchat.opened"])
    assert code == 0 and not out["changed"]
    assert out["recorded"] == {"backup.legacy_backup_sha256": "AB", "backup.legacy_backup_taken": None,
                               "cutover/export.report_messages": 40, "cutover/start_pchat.opened": None}
    assert out["steps"] == {"export": "done", "import_whatif": "failed"}
    assert out["stages"] == {"backup": "done", "cutover": "running"}
    assert out["status"] == "running" and out["attempts"] == 1 and out["error"] is None
    assert "ledger" not in out           # the file's layout stays the module's business


def test_a_rolled_back_stage_shows_its_error_and_no_steps(tmp_path, capsys):
    run(tmp_path, capsys, stage="cutover", state="started")
    run(tmp_path, capsys, stage="cutover", step="endpoint", state="done", data={"removed_user": {"SamAccountName": "ocschat"}})
    code, out = run(tmp_path, capsys, stage="cutover", keys=["cutover/endpoint.removed_user"])
    assert out["recorded"] == {"cutover/endpoint.removed_user": {"SamAccountName": "ocschat"}}
    run(tmp_path, capsys, stage="cutover", state="rolled_back", error="Injected fault")
    code, out = run(tmp_path, capsys, stage="cutover", keys=["cutover/endpoint.removed_user"])
    assert code == 0 and out["status"] == "rolled_back" and out["error"] == "Injected fault"
    assert out["steps"] == {} and out["recorded"] == {"cutover/endpoint.removed_user": None}


def test_a_misspelt_name_in_keys_fails_even_a_recording_before_it_writes(tmp_path, capsys):
    code, out = run(tmp_path, capsys, stage="backup", keys=["backup.sha256"])
    assert code == 1 and out["msg"].startswith("backup does not record 'sha256' (it records: bytes, files")
    code, out = run(tmp_path, capsys, stage="backup", state="started", keys=["backup/copy.files"])
    assert code == 1 and out["msg"] == "stage 'backup' has no step 'copy' (its steps: none)"
    code, out = run(tmp_path, capsys, stage="bakup", state="started")
    assert code == 1 and out["msg"].startswith("the ledger has no stage 'bakup'")
    assert not (tmp_path / "m1.json").exists()
