"""The AD Recycle Bin as the migration's rollback uses it, through plain pywinrm: Remove-ADUser moves the
``ocschat`` Lookup user to CN=Deleted Objects, Get-ADObject -IncludeDeletedObjects finds it as AD prints it,
and Restore-ADObject (by GUID, by DN, or from the pipeline) brings it back a Lync user. Without the Recycle
Bin the object is a tombstone that comes back without its SIP settings. Each test has a lab of its own."""
from __future__ import annotations

import json

import pytest
import winrm

from conftest import LAB_PASSWORD, LAB_USER, requires_powershell, topology_with_free_ports
from pchat_lab.lab import Lab

pytestmark = requires_powershell

READONLY = ("CONTOSO\\readonly", "Read-0nly!")
PROPERTIES = "sAMAccountName,LastKnownParent,msDS-LastKnownRDN,whenChanged,isDeleted"
FIND_DELETED = ("Get-ADObject -Filter 'sAMAccountName -eq \"ocschat\"' -IncludeDeletedObjects -Properties %s"
                % PROPERTIES)
REMOVE = "Remove-ADUser -Identity ocschat -Confirm:$false"


def _lab(tmp_path, recycle_bin: bool):
    from pchat_lab.server import LabServer

    topology = topology_with_free_ports()
    topology["lync"]["traffic"] = {"legacy_messages_per_second": 0, "persistent_chat_messages_per_second": 0}
    topology["lync"]["directory"]["ad_recycle_bin"] = recycle_bin
    lab = Lab(topology, tmp_path, dataset="small")
    server = LabServer(lab)
    server.start()
    return lab, server


@pytest.fixture
def fe01(tmp_path):
    lab, server = _lab(tmp_path, True)
    yield Shell(server, lab)
    server.stop()
    lab.backends["lync"].stop()


@pytest.fixture
def fe01_without_recycle_bin(tmp_path):
    lab, server = _lab(tmp_path, False)
    yield Shell(server, lab)
    server.stop()
    lab.backends["lync"].stop()


class Shell:
    def __init__(self, server, lab):
        self.server, self.lab = server, lab
        self.url = server.endpoints()["FE01"]["http"]

    def run(self, script, auth=(LAB_USER, LAB_PASSWORD)):
        result = winrm.Session(self.url, auth=auth, transport="ntlm").run_ps(script)
        return result.status_code, result.std_out.decode("utf-8"), result.std_err.decode("utf-8")

    def json(self, script):
        code, out, err = self.run(script)
        assert code == 0, err
        return json.loads(out) if out.strip() else None


def test_a_removed_user_is_found_only_among_the_deleted_objects(fe01):
    guid = fe01.json("(Get-ADUser -Identity ocschat).ObjectGUID | ConvertTo-Json")
    fe01.run(REMOVE)
    assert fe01.json("Get-ADObject -Filter 'sAMAccountName -eq \"ocschat\"' | ConvertTo-Json") is None
    deleted = fe01.json(FIND_DELETED + " | ConvertTo-Json")
    assert deleted["Deleted"] is True and deleted["isDeleted"] is True
    assert deleted["DistinguishedName"] == ("CN=Group Chat Lookup\\0ADEL:%s,CN=Deleted Objects,DC=contoso,DC=local"
                                            % guid)
    assert deleted["Name"] == "Group Chat Lookup\nDEL:%s" % guid
    assert (deleted["ObjectClass"], deleted["ObjectGUID"], deleted["sAMAccountName"]) == ("user", guid, "ocschat")
    assert deleted["LastKnownParent"] == "OU=Service Accounts,DC=contoso,DC=local"
    assert deleted["msDS-LastKnownRDN"] == "Group Chat Lookup"
    assert deleted["whenChanged"].startswith("/Date(")


def test_live_objects_are_returned_with_or_without_the_switch(fe01):
    live = fe01.json("Get-ADObject -Filter 'sAMAccountName -eq \"alice\"' -Properties sAMAccountName | ConvertTo-Json")
    assert live["DistinguishedName"] == "CN=Alice Archer,OU=Chat,OU=Lync Users,DC=contoso,DC=local"
    assert "Deleted" not in live and live["sAMAccountName"] == "alice"
    both = fe01.json("Get-ADObject -Filter 'sAMAccountName -like \"*\"' -IncludeDeletedObjects | "
                     "Where-Object { $_.ObjectClass -eq 'user' } | Measure-Object | Select-Object Count | ConvertTo-Json")
    fe01.run(REMOVE)
    after = fe01.json("Get-ADObject -Filter 'sAMAccountName -like \"*\"' -IncludeDeletedObjects | "
                      "Where-Object { $_.ObjectClass -eq 'user' } | Measure-Object | Select-Object Count | ConvertTo-Json")
    assert after["Count"] == both["Count"]      # ocschat counted once, live before and deleted after


def test_restore_from_the_pipeline_makes_it_a_lync_user_again(fe01):
    fe01.run("Remove-ADUser -Identity alice -Confirm:$false")
    code, _, err = fe01.run("Get-CsAdUser -Identity sip:alice@contoso.local")
    assert code == 1 and "alice" in err
    code, out, err = fe01.run("Get-ADObject -Filter 'sAMAccountName -eq \"alice\"' -IncludeDeletedObjects | "
                              "Restore-ADObject -PassThru | ConvertTo-Json")
    assert code == 0, err
    assert json.loads(out)["DistinguishedName"] == "CN=Alice Archer,OU=Chat,OU=Lync Users,DC=contoso,DC=local"
    user = fe01.json("Get-CsAdUser -Identity sip:alice@contoso.local | Select-Object SipAddress, RegistrarPool | "
                     "ConvertTo-Json")
    assert user == {"SipAddress": "sip:alice@contoso.local", "RegistrarPool": "pool01.contoso.local"}
    # The Recycle Bin keeps linked attributes: alice is back in her groups.
    members = fe01.json("Get-ADGroupMember -Identity Helpdesk | Select-Object -ExpandProperty SamAccountName | "
                        "ConvertTo-Json")
    assert "alice" in members
    again = fe01.json(FIND_DELETED.replace("ocschat", "alice") + " | ConvertTo-Json")
    assert again["Deleted"] is None and again["isDeleted"] is None      # one object, live again


def test_restore_by_guid_and_by_dn(fe01):
    fe01.run(REMOVE)
    deleted = fe01.json(FIND_DELETED + " | ConvertTo-Json")
    code, out, err = fe01.run("Restore-ADObject -Identity '%s'" % deleted["ObjectGUID"])
    assert code == 0 and out == "", err
    assert fe01.json("Get-CsAdUser -Identity sip:ocschat@contoso.local | Select-Object RegistrarPool | ConvertTo-Json") \
        == {"RegistrarPool": "pool2010.contoso.local"}
    fe01.run(REMOVE)
    dn = fe01.json(FIND_DELETED + " | ConvertTo-Json")["DistinguishedName"]
    code, _, err = fe01.run("Restore-ADObject -Identity '%s' -Confirm:$false" % dn.replace("'", "''"))
    assert code == 0, err
    assert fe01.json("(Get-ADUser -Identity ocschat).DistinguishedName | ConvertTo-Json") == \
        "CN=Group Chat Lookup,OU=Service Accounts,DC=contoso,DC=local"


def test_whatif_restores_nothing(fe01):
    fe01.run(REMOVE)
    code, out, err = fe01.run(FIND_DELETED + " | Restore-ADObject -WhatIf")
    assert code == 0, err
    assert 'What if: Performing the operation "Restore" on target "CN=Group Chat Lookup\\0ADEL:' in out
    assert fe01.json(FIND_DELETED + " | ConvertTo-Json")["isDeleted"] is True


def test_what_cannot_be_restored_is_ads_error(fe01):
    code, _, err = fe01.run("Restore-ADObject -Identity '0f1e2d3c-0000-4000-8000-000000000000'")
    assert code == 1 and "Cannot find an object with identity: '0f1e2d3c-0000-4000-8000-000000000000' under: " \
                         "'DC=contoso,DC=local'." in err
    assert "ADIdentityNotFoundException" in err
    code, _, err = fe01.run("Get-ADObject -Filter 'sAMAccountName -eq \"alice\"' | Restore-ADObject")
    assert code == 1 and "Illegal modify operation. Some aspect of the modification is not permitted" in err
    assert "ActiveDirectoryServer:8311,Microsoft.ActiveDirectory.Management.Commands.RestoreADObject" in err


def test_restore_needs_domain_admins(fe01):
    fe01.run(REMOVE)
    guid = fe01.json(FIND_DELETED + " | ConvertTo-Json")["ObjectGUID"]
    code, _, err = fe01.run("Restore-ADObject -Identity '%s'" % guid, auth=READONLY)
    assert code == 1 and "Insufficient access rights to perform the operation" in err
    assert fe01.json(FIND_DELETED + " | ConvertTo-Json")["isDeleted"] is True


def test_an_unknown_property_is_refused(fe01):
    code, _, err = fe01.run("Get-ADObject -Filter * -Properties sAMAccountName,noSuchAttribute")
    assert code == 1 and "One or more properties are invalid." in err and "noSuchAttribute" in err


def test_without_the_recycle_bin_a_restored_tombstone_has_lost_its_sip_settings(fe01_without_recycle_bin):
    shell = fe01_without_recycle_bin
    shell.run(REMOVE)
    tombstone = shell.json(FIND_DELETED + ",msRTCSIP-PrimaryUserAddress | ConvertTo-Json")
    assert tombstone["isDeleted"] is True and tombstone["sAMAccountName"] == "ocschat"
    assert tombstone["msRTCSIP-PrimaryUserAddress"] is None
    code, _, err = shell.run(FIND_DELETED + " | Restore-ADObject")
    assert code == 0, err
    back = shell.json("Get-ADUser -Identity ocschat -Properties msRTCSIP-PrimaryUserAddress | "
                      "Select-Object Enabled, msRTCSIP-PrimaryUserAddress | ConvertTo-Json")
    assert back == {"Enabled": False, "msRTCSIP-PrimaryUserAddress": None}
    code, _, err = shell.run("Get-CsAdUser -Identity sip:ocschat@contoso.local")
    assert code == 1


def test_the_state_lists_the_deleted_objects(fe01):
    import urllib.request

    fe01.run(REMOVE)
    with urllib.request.urlopen(fe01.server.control.url + "/state") as reply:
        directory = json.loads(reply.read())["backends"]["lync"]["directory"]
    assert directory["recycle_bin"] is True
    assert [d["sam"] for d in directory["deleted_objects"]] == ["ocschat"]
    assert "ocschat" not in [u["sam"] for u in directory["users"]]
