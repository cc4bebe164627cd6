"""pool_state: the state is matched to the pool whatever identity form Lync prints, and set with -Confirm:$false."""
from __future__ import annotations

import pytest
from lync_object_runner import POOL, POOLS, run_module

from ansible_collections.lync.persistent_chat.plugins.modules import pool_state


@pytest.mark.parametrize("identity", ["PersistentChatServer:" + POOL, "service:" + POOL,
                                      "service:PersistentChatServer:" + POOL.upper()])
def test_state_found_by_pool_in_any_identity_form(monkeypatch, capsys, identity):
    states = [{"Identity": "PersistentChatServer:other.contoso.local", "PoolState": "FailedOver"},
              {"Identity": identity, "PoolState": "Normal"}]
    run = run_module(pool_state, monkeypatch, capsys, {"pool_state": "Normal"}, answers=[{"pools": POOLS, "state": states}])
    assert run.output["changed"] is False and run.output["state"]["Identity"] == identity


def test_failover_sets_and_reads_back(monkeypatch, capsys):
    identity = "PersistentChatServer:" + POOL
    run = run_module(pool_state, monkeypatch, capsys, {"pool_state": "FailedOver", "pool_fqdn": POOL},
                     answers=[{"pools": POOLS, "state": [{"Identity": identity, "PoolState": "Normal"}]},
                              {"state": [{"Identity": identity, "PoolState": "FailedOver"}]}], diff=True)
    assert run.output["changed"] is True
    assert "Set-CsPersistentChatState -Identity $id -PoolState 'FailedOver' -Confirm:$false" in run.scripts[1]
    assert run.output["diff"] == {"before": {"Identity": identity, "PoolState": "Normal"},
                                  "after": {"Identity": identity, "PoolState": "FailedOver"}}
    assert run.clients[0].idempotent == [True, False]


def test_check_mode_and_unknown_values(monkeypatch, capsys):
    run = run_module(pool_state, monkeypatch, capsys, {"pool_state": "FailedOver"},
                     answers=[{"pools": POOLS, "state": [{"Identity": "service:" + POOL, "PoolState": "Normal"}]}],
                     check=True)
    assert run.output["changed"] is True and len(run.scripts) == 1
    run = run_module(pool_state, monkeypatch, capsys, {"pool_state": "FileStoreMigration"})
    assert run.code == 1 and run.clients == []
    run = run_module(pool_state, monkeypatch, capsys, {"pool_state": "Normal", "pool_fqdn": "x.contoso.local"},
                     answers=[{"pools": POOLS, "state": []}])
    assert run.code == 1 and "no Persistent Chat pool x.contoso.local" in run.output["msg"]
