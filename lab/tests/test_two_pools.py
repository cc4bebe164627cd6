"""Two legacy Group Chat pools and two Persistent Chat pools in one lab (topologies/lync2010-two-pools.yaml):
each pool keeps its own databases, state, services, endpoint and content, so that two migrations can run
side by side without one touching the other's data. Cmdlets are called directly (test_lync_backend.run)."""
from __future__ import annotations

import collections
import copy
import sqlite3

import pytest

from pchat_lab.chatdb import datasets
from pchat_lab.lab import Lab, load_topology
from pchat_lab.lync import topology as lync_topology_model
from pchat_lab.powershell.api import PSError

from conftest import lync_topology
from test_lync_backend import run

GC1, GC2 = "sql01.contoso.local\\GROUPCHAT", "sql01.contoso.local\\GROUPCHAT2"
RTC1, RTC2 = "sql01.contoso.local\\RTC", "sql01.contoso.local\\RTC2"
POOL1, POOL2 = "pcpool.contoso.local", "pcpool2.contoso.local"


@pytest.fixture
def two_pools(tmp_path) -> Lab:
    lab = Lab(lync_topology("lync2010-two-pools"), tmp_path, dataset="small")
    yield lab
    lab.backends["lync"].stop()


def _contents(path) -> collections.Counter:
    conn = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return collections.Counter(row[0] for row in conn.execute("SELECT content FROM tblChat"))
    finally:
        conn.close()


def _export(lab, instance, name):
    run(lab, "Export-CsPersistentChatData", host="FS01", DBInstance=instance, DBName="GroupChat",
        FileName="D:\\Backups\\%s.zip" % name)
    return "D:\\Backups\\%s.zip" % name


def test_the_topology_reads_two_pools_of_each_kind_and_single_pool_topologies_stay_as_they_were():
    two = lync_topology_model.parse(load_topology("lync2010-two-pools"))
    assert [p.fqdn for p in two.pc_pools] == [POOL1, POOL2]
    assert [g.store.instance for g in two.legacies] == [GC1, GC2]
    assert [g.lookup_user for g in two.legacies] == ["ocschat@contoso.local", "ocschat2@contoso.local"]
    one = lync_topology_model.parse(load_topology("lync2010"))
    assert len(one.pc_pools) == 1 and len(one.legacies) == 1
    assert (one.pc_pool.store.instance, one.legacy.store.instance) == (RTC1, GC1)


def test_two_pools_on_one_database_are_refused_when_the_topology_is_read():
    topology = copy.deepcopy(load_topology("lync2010-two-pools"))
    topology["lync"]["persistent_chat_pools"][1]["store"]["instance"] = RTC1
    with pytest.raises(ValueError, match="use the same database mgc"):
        lync_topology_model.parse(topology)


def test_each_legacy_pool_is_seeded_with_its_own_data(two_pools):
    db = two_pools.backends["lync"].db
    legacy1, legacy2 = (db.legacy_path_of(g) for g in db.topo.legacies)
    assert legacy1 != legacy2 and legacy1.is_file() and legacy2.is_file()
    assert _contents(legacy1) != _contents(legacy2)
    mgc1, mgc2 = (db.mgc_path_of(p) for p in db.topo.pc_pools)
    assert mgc1 != mgc2 and mgc1.is_file() and mgc2.is_file()


def test_import_by_db_instance_fills_that_pool_only(two_pools):
    db = two_pools.backends["lync"].db
    mgc1, mgc2 = (db.mgc_path_of(p) for p in db.topo.pc_pools)
    before = datasets.digest(mgc1)
    run(two_pools, "Import-CsPersistentChatData", host="FS01", DBInstance=RTC2, FileName=_export(two_pools, GC2, "gc2"))
    assert datasets.digest(mgc1) == before
    legacy2 = db.legacy_path_of(db.topo.legacies[1])
    imported = _contents(mgc2)
    assert imported and set(imported) <= set(_contents(legacy2))
    rooms2, _ = run(two_pools, "Get-CsPersistentChatRoom", PersistentChatPoolFqdn=POOL2)
    rooms1, _ = run(two_pools, "Get-CsPersistentChatRoom", PersistentChatPoolFqdn=POOL1)
    assert rooms2 and not rooms1
    assert {r["PersistentChatPoolFqdn"] for r in rooms2} == {POOL2}
    everything, _ = run(two_pools, "Get-CsPersistentChatRoom")
    assert len(everything) == len(rooms2)


def test_the_pool_state_is_kept_per_pool(two_pools):
    states, _ = run(two_pools, "Get-CsPersistentChatState")
    assert sorted(s["Identity"] for s in states) == ["PersistentChatServer:" + POOL1, "PersistentChatServer:" + POOL2]
    run(two_pools, "Set-CsPersistentChatState", Identity="PersistentChatServer:" + POOL2, PoolState="FailedOver")
    one, _ = run(two_pools, "Get-CsPersistentChatState", Identity="PersistentChatServer:" + POOL1)
    two, _ = run(two_pools, "Get-CsPersistentChatState", Identity="service:" + POOL2)
    assert (str(one[0]["PoolState"]), str(two[0]["PoolState"])) == ("Normal", "FailedOver")


def test_each_pool_is_a_service_with_its_own_store_and_endpoint(two_pools):
    servers, _ = run(two_pools, "Get-CsService", PersistentChatServer=True)
    assert [s["PoolFqdn"] for s in servers] == [POOL1, POOL2]
    assert servers[0]["PersistentChatStore"] != servers[1]["PersistentChatStore"]
    only2, _ = run(two_pools, "Get-CsService", PersistentChatServer=True, PoolFqdn=POOL2)
    assert [s["Identity"] for s in only2] == ["PersistentChatServer:" + POOL2]
    stores, _ = run(two_pools, "Get-CsService", PersistentChatDatabase=True)
    assert sorted(s["SqlInstanceName"] for s in stores) == ["rtc", "rtc2"]
    endpoints, _ = run(two_pools, "Get-CsPersistentChatEndpoint", PersistentChatPoolFqdn=POOL2)
    assert [e["PersistentChatPoolFqdn"] for e in endpoints] == [POOL2]
    run(two_pools, "New-CsPersistentChatEndpoint", PersistentChatPoolFqdn=POOL2,
        SipAddress="sip:lookup2@contoso.local")
    endpoints, _ = run(two_pools, "Get-CsPersistentChatEndpoint", PersistentChatPoolFqdn=POOL2)
    assert "sip:lookup2@contoso.local" in [e["SipAddress"] for e in endpoints]


def test_content_cmdlets_need_the_pool_once_there_are_two_and_keep_objects_in_their_pool(two_pools):
    with pytest.raises(PSError, match="More than one Persistent Chat pool"):
        run(two_pools, "New-CsPersistentChatCategory", Name="Residency")
    run(two_pools, "New-CsPersistentChatCategory", Name="Residency", PersistentChatPoolFqdn=POOL2)
    found, _ = run(two_pools, "Get-CsPersistentChatCategory", Identity=POOL2 + "\\Residency")
    assert found[0]["PersistentChatPoolFqdn"] == POOL2
    in_pool1, _ = run(two_pools, "Get-CsPersistentChatCategory", PersistentChatPoolFqdn=POOL1)
    assert "Residency" not in [c["Name"] for c in in_pool1]
    with pytest.raises(PSError):
        run(two_pools, "Get-CsPersistentChatCategory", Identity=POOL1 + "\\Residency")
    with pytest.raises(PSError, match="was not found in the topology"):
        run(two_pools, "Get-CsPersistentChatCategory", PersistentChatPoolFqdn="pcpool3.contoso.local")


def test_stopping_one_pools_services_leaves_the_other_running(two_pools):
    backend = two_pools.backends["lync"]
    pool1, pool2 = backend.topo.pc_pools
    legacy1, legacy2 = backend.topo.legacies
    two_pools.host("PC02").services["RTCCHAT"].status = "Stopped"
    two_pools.host("GC02").services["GroupChatChannel"].status = "Stopped"
    assert backend.pc_channel_running(pool1) and not backend.pc_channel_running(pool2)
    assert backend.legacy_channel_running(legacy1) and not backend.legacy_channel_running(legacy2)
    # Background traffic goes to the pools whose Channel service runs, and only there.
    assert backend.ticker._running_databases("legacy") == [backend.db.legacy_path_of(legacy1)]
    assert backend.ticker._running_databases("persistent_chat") == [backend.db.mgc_path_of(pool1)]


def test_the_two_pool_topology_opens_its_ports_in_one_window_of_the_offset(monkeypatch):
    from pchat_lab.lab import listening_ports
    monkeypatch.delenv("PCHAT_LAB_PORT_OFFSET", raising=False)
    topology = load_topology("lync2010-two-pools")
    base = listening_ports(topology)
    control = topology["control_port"]
    assert len(base) == 16 and all(control <= port < control + 20 for port in base)
    monkeypatch.setenv("PCHAT_LAB_PORT_OFFSET", "1100")
    assert listening_ports(load_topology("lync2010-two-pools")) == {port + 1100: what for port, what in base.items()}
