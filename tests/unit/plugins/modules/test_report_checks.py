"""The report's checks (free space, RBAC roles, the test message): listed in the page and the summary, and
a failed one fails the report."""
from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lync.persistent_chat.plugins.module_utils import report_html
from ansible_collections.lync.persistent_chat.plugins.modules import report

CHECKS = [{"name": "Free space on fs01 D: (backups)", "status": "passed", "detail": "900.0 GB free, 0.01 GB needed"},
          {"name": "Test-CsPersistentChatMessage (ClientPlatform)", "status": "failed", "detail": "Failure in 00:00:00"}]


def run(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            report.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def test_a_failed_check_fails_the_report_and_is_named_in_the_summary(tmp_path, capsys):
    code, result = run({"migration": "m", "dest": str(tmp_path), "checks": CHECKS}, capsys)
    assert code == 0 and result["status"] == "failed"
    assert "  checks: 1 passed, 1 failed: Test-CsPersistentChatMessage (ClientPlatform)" in result["summary"]
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert '<h2 id="checks">Checks</h2>' in page and "900.0 GB free, 0.01 GB needed" in page
    assert json.loads((tmp_path / "m.json").read_text())["checks"][1]["status"] == "failed"


def test_passing_checks_leave_the_report_passed_and_no_checks_no_section():
    passed = report_html.build_report("m", checks=CHECKS[:1])
    assert passed["status"] == "passed" and "  checks: 1 passed, 0 failed" in passed["summary"]
    assert 'id="checks"' not in report_html.render_html(report_html.build_report("m"))


def test_a_check_status_outside_the_choices_is_refused(tmp_path, capsys):
    code, result = run({"migration": "m", "dest": str(tmp_path),
                        "checks": [{"name": "x", "status": "maybe"}]}, capsys)
    assert code == 1 and "maybe" in result["msg"] and not (tmp_path / "m.json").exists()
