"""trusted_application: selection, order of removals, whole runs."""
from __future__ import annotations

from steps_harness import run

from ansible_collections.lync.persistent_chat.plugins.modules import trusted_application

RAW = {"pools": {"Identity": "TrustedApplicationPool:gc.contoso.local", "PoolFqdn": "gc.contoso.local",
                 "Computers": "gc01.contoso.local", "Applications": ["urn:application:groupchat"]},
       "apps": [{"Identity": "gc.contoso.local/urn:application:groupchat", "ApplicationId": "urn:application:groupchat",
                 "TrustedApplicationPoolFqdn": "gc.contoso.local", "Port": 5041},
                {"Identity": "other/urn:application:x", "ApplicationId": "urn:application:x",
                 "TrustedApplicationPoolFqdn": "other", "Port": 1}]}


def test_select_removes_applications_then_the_pool():
    pool, apps, removals = trusted_application.select(RAW, "GC.contoso.local", None)
    assert pool["Computers"] == ["gc01.contoso.local"] and len(apps) == 1
    assert removals == [("app", "gc.contoso.local/urn:application:groupchat"),
                        ("pool", "TrustedApplicationPool:gc.contoso.local")]
    assert trusted_application.select(RAW, "gc.contoso.local", "groupchat")[2] == [
        ("app", "gc.contoso.local/urn:application:groupchat")]
    assert trusted_application.select(RAW, "nope", None)[2] == []


def test_change_script():
    script = trusted_application.change_script([("app", "a/b"), ("pool", "P")], True)
    assert script.splitlines()[1:4] == ["Remove-CsTrustedApplication -Identity 'a/b' -Force -Confirm:$false",
                                        "Remove-CsTrustedApplicationPool -Identity 'P' -Force -Confirm:$false",
                                        "Enable-CsTopology -Confirm:$false"]
    assert "Enable-CsTopology" not in trusted_application.change_script([("app", "a/b")], False)


def test_runs(monkeypatch, capsys):
    code, out, client = run(trusted_application, monkeypatch, capsys, {"pool_fqdn": "gc.contoso.local"}, [RAW, True])
    assert code == 0 and out["changed"] and out["topology_enabled"] and client.idempotent == [True, False]
    assert out["diff"]["after"] == {"pool": None, "applications": []}
    code, out, client = run(trusted_application, monkeypatch, capsys, {"pool_fqdn": "gc.contoso.local"}, [RAW],
                            check_mode=True)
    assert code == 0 and out["changed"] and not out["topology_enabled"] and len(client.scripts) == 1
    code, out, client = run(trusted_application, monkeypatch, capsys, {"pool_fqdn": "gone"}, [{"pools": [], "apps": []}])
    assert code == 0 and not out["changed"] and out["removed"] == []
