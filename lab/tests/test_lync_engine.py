"""The Lync, ActiveDirectory and SqlServer cmdlets run through the PowerShell engine, as WinRM would run
them: parameter binding refuses what Microsoft does not document, modules exist only where installed,
and the WinRM user's RBAC groups decide what runs."""
from __future__ import annotations

import pytest

from pchat_lab.chatdb import datasets
from pchat_lab.powershell.engine import run_script
from pchat_lab.sink import OutputSink


def ps(lab, script, host="FE01", user="lyncadmin"):
    sink = OutputSink()
    sink.user = user
    code = run_script(lab, lab.host(host), script, sink)
    out, err, _ = sink.take(0)
    return code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace").replace("_x000D__x000A_", "\n")


def test_undocumented_export_parameter_is_refused(lync_lab):
    code, _, err = ps(lync_lab, "Export-CsPersistentChatData -DBInstance 'sql01.contoso.local\\GROUPCHAT' "
                                "-DBName GroupChat -FileName C:\\gc.zip -Legacy")
    assert code != 0
    assert "A parameter cannot be found that matches parameter name 'Legacy'." in err


def test_filestoremigration_pool_state_is_refused_and_nothing_changes(lync_lab):
    code, _, err = ps(lync_lab, "Set-CsPersistentChatState -Identity 'PersistentChatServer:pcpool.contoso.local' "
                                "-PoolState FileStoreMigration")
    assert code != 0
    assert "FileStoreMigration" in err and "Normal, FailedOver" in err
    assert lync_lab.backends["lync"].pool_state["PersistentChatServer:pcpool.contoso.local"] == "Normal"


def test_failedover_pool_state_is_accepted(lync_lab):
    code, _, err = ps(lync_lab, "Set-CsPersistentChatState -Identity 'PersistentChatServer:pcpool.contoso.local' "
                                "-PoolState FailedOver")
    assert code == 0, err
    assert lync_lab.backends["lync"].pool_state["PersistentChatServer:pcpool.contoso.local"] == "FailedOver"


def test_room_privacy_outside_the_enum_is_refused(lync_lab):
    code, _, err = ps(lync_lab, "Get-CsPersistentChatRoom -Privacy Hidden")
    assert code != 0 and "Open, Closed, Secret" in err


def test_lync_cmdlets_exist_only_where_the_module_is_installed(lync_lab):
    code, _, err = ps(lync_lab, "Get-CsService -PersistentChatServer", host="GC01")
    assert code != 0 and "is not recognized" in err
    code, _, err = ps(lync_lab, "Get-CsService -PersistentChatServer", host="SQL01")
    assert code != 0 and "is not recognized" in err
    code, out, err = ps(lync_lab, "Get-CsService -PersistentChatServer", host="PC01")
    assert code == 0 and "PersistentChatServer:pcpool.contoso.local" in out, err


def test_winrm_user_without_rbac_group_is_denied(lync_lab):
    code, _, err = ps(lync_lab, "Get-CsPersistentChatState", user="readonly")
    assert code != 0 and "Access denied" in err


def test_import_whatif_through_the_engine_changes_nothing(lync_lab):
    code, _, err = ps(lync_lab, "Export-CsPersistentChatData -DBInstance 'sql01.contoso.local\\GROUPCHAT' "
                                "-DBName GroupChat -FileName \\\\fs01\\Backups\\gc.zip")
    assert code == 0, err
    mgc = lync_lab.backends["lync"].db.mgc_path
    before = datasets.digest(mgc)
    _, _, err = ps(lync_lab, "Import-CsPersistentChatData -DBInstance 'sql01.contoso.local\\RTC' "
                                "-FileName \\\\fs01\\Backups\\gc.zip -WhatIf")
    # the small dataset's over-long room name is an error record (non-terminating): exit code 1
    assert "ROOM_NAME_TOO_LONG" in err and "invitations are set to False" in err
    assert datasets.digest(mgc) == before


def test_lookup_user_then_endpoint_sequence(lync_lab):
    script = ("New-CsPersistentChatEndpoint -SipAddress 'sip:ocschat@contoso.local' "
              "-PersistentChatPoolFqdn pcpool.contoso.local")
    code, _, err = ps(lync_lab, script)
    assert code != 0 and "already in use" in err
    code, _, err = ps(lync_lab, "Remove-ADUser -Identity ocschat")
    assert code != 0 and "NonInteractive mode" in err      # the documented prompt cannot be shown
    code, _, err = ps(lync_lab, "Remove-ADUser -Identity ocschat -Confirm:$false")
    assert code == 0, err
    code, _, err = ps(lync_lab, script)
    assert code == 0, err
    assert lync_lab.backends["lync"].directory.find_endpoint("sip:ocschat@contoso.local") is not None


@pytest.mark.parametrize("script", [
    "Invoke-Sqlcmd -ServerInstance 'sql01.contoso.local\\GROUPCHAT' -Database GroupChat -Query 'DROP TABLE tblNode'",
    "Backup-SqlDatabase -ServerInstance 'sql01.contoso.local\\GROUPCHAT' -Database GroupChat -Differential",
])
def test_sql_cmdlets_refuse_what_the_lab_does_not_do(lync_lab, script):
    code, _, err = ps(lync_lab, script, host="SQL01")
    assert code != 0, err


def test_a_fresh_pool_provisions_ad_principals_on_demand(lync_lab):
    """Real pools resolve AD users, groups and OUs when a cmdlet names them; the lab does the same."""
    code, _, err = ps(lync_lab, "New-CsPersistentChatCategory -Name Fresh -PersistentChatPoolFqdn pcpool.contoso.local")
    assert code == 0, err
    code, out, err = ps(lync_lab, "Set-CsPersistentChatCategory -Identity 'pcpool.contoso.local\\Fresh' "
                                  "-AllowedMembers @{Add='sip:alice@contoso.local','OU=Chat,OU=Lync Users,DC=contoso,DC=local'} "
                                  "-Creators @{Add='sip:alice@contoso.local'}; "
                                  "(Get-CsPersistentChatCategory -Identity 'pcpool.contoso.local\\Fresh').AllowedMembers")
    assert code == 0, err
    assert "sip:alice@contoso.local" in out and "OU=Chat,OU=Lync Users,DC=contoso,DC=local" in out


def test_principals_ad_does_not_hold_are_not_provisioned(lync_lab):
    ps(lync_lab, "New-CsPersistentChatCategory -Name Fresh2 -PersistentChatPoolFqdn pcpool.contoso.local")
    for who in ("sip:nobody@contoso.local", "sip:partner01@fabrikam.com", "OU=Nowhere,DC=contoso,DC=local"):
        code, _, err = ps(lync_lab, "Set-CsPersistentChatCategory -Identity 'pcpool.contoso.local\\Fresh2' "
                                    "-AllowedMembers @{Add='%s'}" % who)
        assert code != 0 and "is not provisioned" in err, who
