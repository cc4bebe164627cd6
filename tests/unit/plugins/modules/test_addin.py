"""addin: create needs a URL, URL changes go through Set-, limits checked before connecting."""
from __future__ import annotations

from lync_object_runner import POOL, POOLS, run_module

from ansible_collections.lync.persistent_chat.plugins.modules import addin

WIKI = {"Identity": POOL + "\\Wiki", "Name": "Wiki", "Url": "https://wiki/", "PersistentChatPoolFqdn": POOL}


def test_create_update_unchanged_absent(monkeypatch, capsys):
    run = run_module(addin, monkeypatch, capsys, {"name": "Wiki", "url": "https://wiki/"},
                     answers=[{"pools": POOLS, "addin": []}, {"addin": [WIKI]}])
    assert run.output["changed"] is True
    assert ("$null=New-CsPersistentChatAddin -Name 'Wiki' -Url 'https://wiki/' -PersistentChatPoolFqdn "
            "'pcpool.contoso.local'") in run.scripts[1]
    run = run_module(addin, monkeypatch, capsys, {"name": "WIKI", "url": "https://wiki/"},
                     answers=[{"pools": POOLS, "addin": [WIKI]}])
    assert run.output["changed"] is False and len(run.scripts) == 1
    run = run_module(addin, monkeypatch, capsys, {"name": "Wiki", "url": "https://WIKI/"},
                     answers=[{"pools": POOLS, "addin": [WIKI]}, {"addin": [dict(WIKI, Url="https://WIKI/")]}], diff=True)
    assert "Set-CsPersistentChatAddin -Identity $id -Url 'https://WIKI/'" in run.scripts[1]
    assert run.output["diff"] == {"before": WIKI, "after": dict(WIKI, Url="https://WIKI/")}
    run = run_module(addin, monkeypatch, capsys, {"name": "Wiki", "state": "absent"},
                     answers=[{"pools": POOLS, "addin": [WIKI]}, None], check=True)
    assert run.output["changed"] is True and len(run.scripts) == 1


def test_create_without_url_fails_naming_the_step(monkeypatch, capsys):
    run = run_module(addin, monkeypatch, capsys, {"name": "Wiki"}, answers=[{"pools": POOLS, "addin": []}])
    assert run.code == 1 and run.output["msg"] == "fe01.contoso.local: create add-in Wiki: url is required to create add-in Wiki"


def test_limits(monkeypatch, capsys):
    run = run_module(addin, monkeypatch, capsys, {"name": "n" * 51, "url": "u" * 256, "pool_fqdn": "bad fqdn"})
    assert run.code == 1 and run.clients == []
    for part in ("name is 51 characters long (at most 50)", "url is 256 characters long (at most 255)",
                 "pool_fqdn: 'bad fqdn' is not a fully qualified domain name"):
        assert part in run.output["msg"]
