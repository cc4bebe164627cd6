"""Names of categories, rooms and add-ins that begin or end with white space (issue 12, item 5): refused by
New-/Set- with an InvalidName error that changes nothing, unless the topology's
``persistent_chat_pool.outer_space_names: accept`` asks for the old leniency (COVERAGE.md, "Object names")."""
from __future__ import annotations

import pytest

from pchat_lab.lab import Lab
from pchat_lab.lync.topology import parse
from pchat_lab.powershell.api import PSError

from conftest import lync_topology
from test_lync_backend import run

POOL = "pcpool.contoso.local"


def names(lab, cmdlet):
    return sorted(item["Name"] for item in run(lab, cmdlet)[0])


def test_new_and_set_refuse_outer_white_space_and_change_nothing(lync_lab):
    run(lync_lab, "New-CsPersistentChatCategory", Name="IT")
    run(lync_lab, "New-CsPersistentChatRoom", Name="Helpdesk", Category="%s\\IT" % POOL)
    run(lync_lab, "New-CsPersistentChatAddin", Name="Wiki", Url="https://wiki.contoso.local")
    before = [names(lync_lab, c) for c in ("Get-CsPersistentChatCategory", "Get-CsPersistentChatRoom",
                                           "Get-CsPersistentChatAddin")]
    attempts = [("New-CsPersistentChatCategory", dict(Name="Sales ")),
                ("New-CsPersistentChatRoom", dict(Name=" Lobby", Category="%s\\IT" % POOL)),
                ("New-CsPersistentChatAddin", dict(Name="Board\t", Url="https://board.contoso.local")),
                ("Set-CsPersistentChatCategory", dict(Identity="%s\\IT" % POOL, Name="IT ")),
                ("Set-CsPersistentChatRoom", dict(Identity="%s\\Helpdesk" % POOL, Name="Helpdesk\u00a0")),
                ("Set-CsPersistentChatAddin", dict(Identity="%s\\Wiki" % POOL, Name=" Wiki"))]
    for cmdlet, params in attempts:
        with pytest.raises(PSError, match="begins or ends with white space") as error:
            run(lync_lab, cmdlet, **params)
        assert error.value.error_id.startswith("InvalidName,") and error.value.category == "InvalidArgument"
    after = [names(lync_lab, c) for c in ("Get-CsPersistentChatCategory", "Get-CsPersistentChatRoom",
                                          "Get-CsPersistentChatAddin")]
    assert after == before


def test_inner_spaces_are_names_like_any_other(lync_lab):
    run(lync_lab, "New-CsPersistentChatCategory", Name="Sales  and  Marketing")
    found, _ = run(lync_lab, "Get-CsPersistentChatCategory", Identity="%s\\Sales  and  Marketing" % POOL)
    assert found[0]["Name"] == "Sales  and  Marketing"


def test_accept_keeps_the_name_that_the_identity_then_cannot_reach(tmp_path):
    topology = lync_topology()
    topology["lync"]["persistent_chat_pool"]["outer_space_names"] = "accept"
    lab = Lab(topology, tmp_path, dataset="small")
    try:
        run(lab, "New-CsPersistentChatCategory", Name="Sales ")
        assert names(lab, "Get-CsPersistentChatCategory") == ["Sales "]
        with pytest.raises(PSError, match="Sales"):
            run(lab, "Get-CsPersistentChatCategory", Identity="%s\\Sales " % POOL)
    finally:
        lab.backends["lync"].stop()


def test_the_setting_takes_only_its_two_values():
    topology = lync_topology()
    assert parse(topology).pc_pool.outer_space_names == "refuse"
    topology["lync"]["persistent_chat_pool"]["outer_space_names"] = "trim"
    with pytest.raises(ValueError, match="outer_space_names must be one of refuse, accept"):
        parse(topology)
