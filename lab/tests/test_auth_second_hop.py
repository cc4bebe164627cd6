"""The second hop with UNMODIFIED pywinrm, under ``second_hop: enforce``: a session without delegated
credentials (NTLM, Basic) is refused what it does on ANOTHER host with integrated authentication, as
Windows refuses it; CredSSP's delegated credentials cross as the named user; same-host work is untouched;
and ``allow`` (no longer the default) keeps the lab as it was."""
from __future__ import annotations

import uuid

import pytest
import winrm

from conftest import LAB_PASSWORD, requires_powershell
from pchat_lab.auth import second_hop

pytestmark = requires_powershell

LEGACY_SQL = "sql01.contoso.local\\GROUPCHAT"
ANONYMOUS = "Login failed for user 'NT AUTHORITY\\ANONYMOUS LOGON'."


@pytest.fixture
def enforce(lab, lab_server, monkeypatch):
    monkeypatch.setitem(lab.topology, "second_hop", "enforce")
    lab.faults.clear()
    return lab


def ps(endpoints, host, transport, script):
    user = "lyncadmin" if transport == "basic" else "CONTOSO\\lyncadmin"
    session = winrm.Session(endpoints[host]["http"], auth=(user, LAB_PASSWORD),
                            transport="plaintext" if transport == "basic" else transport)
    result = session.run_ps(script)
    return result.status_code, result.std_out.decode("utf-8", "replace"), result.std_err.decode("utf-8", "replace")


def hops(lab, start):
    return [(e["host"], e["user"], e["status"]) for e in lab.log.dump(start) if e["action"] == "SecondHop"]


def export_script(path):
    return ("Export-CsPersistentChatData -DBInstance '%s' -DBName GroupChat -FileName '%s' -ErrorAction Stop; "
            "(Get-Item '%s').Length -gt 0; Remove-Item '%s'" % (LEGACY_SQL, path, path, path))


# --- the export of the cutover: Front End -> legacy SQL instance ----------------------------------------

def test_ntlm_export_from_a_remote_instance_is_anonymous_logon(enforce, endpoints):
    start = len(enforce.log.dump())
    code, out, err = ps(endpoints, "FE01", "ntlm", export_script("C:\\Users\\%s.zip" % uuid.uuid4().hex))
    assert code == 1
    assert "Export-CsPersistentChatData : " + ANONYMOUS in err
    assert "SqlException" in err
    assert hops(enforce, start) == [("FE01", second_hop.ANONYMOUS, 401)]


def test_credssp_export_from_a_remote_instance_succeeds_as_the_named_user(enforce, endpoints):
    start = len(enforce.log.dump())
    code, out, err = ps(endpoints, "FE01", "credssp", export_script("C:\\Users\\%s.zip" % uuid.uuid4().hex))
    assert (code, out.strip()) == (0, "True"), err
    assert hops(enforce, start) == [("FE01", "CONTOSO\\lyncadmin", 200)]


def test_ntlm_import_into_a_remote_instance_is_anonymous_logon(enforce, endpoints):
    code, out, err = ps(endpoints, "FE01", "ntlm",
                        "Import-CsPersistentChatData -DBInstance 'sql01.contoso.local\\RTC' -FileName C:\\none.zip")
    assert code == 1
    assert "Import-CsPersistentChatData : " + ANONYMOUS in err


def test_enforce_is_the_default_of_the_ready_made_topologies_and_of_a_topology_without_the_key():
    from pchat_lab.lab import load_topology

    for name in ("lync2010", "ocs2007r2"):
        assert second_hop.mode(type("Lab", (), {"topology": load_topology(name)})) == "enforce"
    assert second_hop.mode(type("Lab", (), {"topology": {}})) == "enforce"


def test_allow_lets_an_ntlm_export_through_and_logs_nothing(lab, lab_server, endpoints, monkeypatch):
    monkeypatch.setitem(lab.topology, "second_hop", "allow")
    start = len(lab.log.dump())
    code, out, err = ps(endpoints, "FE01", "ntlm", export_script("C:\\Users\\%s.zip" % uuid.uuid4().hex))
    assert (code, out.strip()) == (0, "True"), err
    assert hops(lab, start) == []


# --- SQL Server cmdlets ----------------------------------------------------------------------------------

def test_invoke_sqlcmd_against_a_remote_instance_is_anonymous_logon(enforce, endpoints):
    code, out, err = ps(endpoints, "FE01", "ntlm",
                        "Invoke-Sqlcmd -ServerInstance '%s' -Database GroupChat -Query 'SELECT 1 AS x'" % LEGACY_SQL)
    assert code == 1
    assert "Invoke-Sqlcmd : " + ANONYMOUS in err
    assert "SqlExectionError,Microsoft.SqlServer.Management.PowerShell.GetScriptCommand" in err


def test_invoke_sqlcmd_on_the_instance_host_itself_works(enforce, endpoints):
    code, out, err = ps(endpoints, "SQL01", "ntlm",
                        "(Invoke-Sqlcmd -ServerInstance '%s' -Database GroupChat -Query 'SELECT 7 AS x').x" % LEGACY_SQL)
    assert (code, out.strip()) == (0, "7"), err


def test_backup_of_a_remote_instance_fails_to_connect(enforce, endpoints):
    code, out, err = ps(endpoints, "FE01", "basic",
                        "Backup-SqlDatabase -ServerInstance '%s' -Database GroupChat -BackupFile 'x.bak'" % LEGACY_SQL)
    assert code == 1
    assert "Backup-SqlDatabase : Failed to connect to server %s." % LEGACY_SQL in err


def test_a_local_backup_to_another_servers_share_is_written_by_the_engine(enforce, endpoints):
    """The database engine opens the backup file under its own service account, not the caller's logon."""
    name = "\\\\fs01\\Backups\\%s.bak" % uuid.uuid4().hex
    code, out, err = ps(endpoints, "SQL01", "ntlm",
                        "Backup-SqlDatabase -ServerInstance '%s' -Database GroupChat -BackupFile '%s'; 'ok'"
                        % (LEGACY_SQL, name))
    assert (code, out.strip()) == (0, "ok"), err
    code, out, err = ps(endpoints, "FS01", "ntlm", "Test-Path 'D:\\Backups\\%s'" % name.rsplit("\\", 1)[1])
    assert out.strip() == "True"


def test_credssp_backup_of_a_remote_instance_succeeds(enforce, endpoints):
    code, out, err = ps(endpoints, "FE01", "credssp",
                        "Backup-SqlDatabase -ServerInstance '%s' -Database GroupChat -BackupFile '%s.bak'; 'ok'"
                        % (LEGACY_SQL, uuid.uuid4().hex))
    assert (code, out.strip()) == (0, "ok"), err


# --- shares of other servers -----------------------------------------------------------------------------

@pytest.mark.parametrize("transport", ["ntlm", "basic"])
def test_test_path_on_another_servers_share_is_false_without_delegation(enforce, endpoints, transport):
    code, out, err = ps(endpoints, "FE01", transport, "Test-Path \\\\fs01\\Backups; Test-Path '\\\\fe01\\C$\\Windows'")
    assert out.split() == ["False", "True"], err


def test_test_path_on_another_servers_share_is_true_with_credssp(enforce, endpoints):
    code, out, err = ps(endpoints, "FE01", "credssp", "Test-Path \\\\fs01\\Backups")
    assert out.strip() == "True", err


def test_get_childitem_on_another_servers_share_is_access_denied(enforce, endpoints):
    code, out, err = ps(endpoints, "FE01", "ntlm", "Get-ChildItem \\\\gc01\\GroupChatFiles")
    assert "Get-ChildItem : Access is denied" in err
    assert "PermissionDenied: (\\\\gc01\\GroupChatFiles:String) [Get-ChildItem], UnauthorizedAccessException" in err
    assert "ItemExistsUnauthorizedAccessError,Microsoft.PowerShell.Commands.GetChildItemCommand" in err


def test_copy_item_to_another_servers_share_is_access_denied(enforce, endpoints):
    code, out, err = ps(endpoints, "FE01", "ntlm", "Copy-Item C:\\Windows\\win.ini \\\\fs01\\Backups\\")
    assert "Copy-Item : Access is denied" in err


def test_robocopy_from_another_servers_share_is_error_5(enforce, endpoints):
    """The cutover's file copy runs on the file server and reads the legacy repository on GC01."""
    session = winrm.Session(endpoints["FS01"]["http"], auth=("CONTOSO\\lyncadmin", LAB_PASSWORD), transport="ntlm")
    result = session.run_cmd("robocopy", ["\\\\gc01\\GroupChatFiles", "D:\\LyncShare\\copy", "/E"])
    assert result.status_code == 16
    assert b"ERROR 5 (0x00000005) Accessing Source Directory \\\\gc01\\GroupChatFiles\\\r\nAccess is denied." \
        in result.std_out


def test_robocopy_with_credssp_copies(enforce, endpoints):
    session = winrm.Session(endpoints["FS01"]["http"], auth=("CONTOSO\\lyncadmin", LAB_PASSWORD),
                            transport="credssp")
    result = session.run_cmd("robocopy", ["\\\\gc01\\GroupChatFiles", "D:\\LyncShare\\copy-%s" % uuid.uuid4().hex,
                                          "/E"])
    assert result.status_code < 8, result.std_out


def test_dir_of_another_servers_share_is_access_denied(enforce, endpoints):
    session = winrm.Session(endpoints["FE01"]["http"], auth=("CONTOSO\\lyncadmin", LAB_PASSWORD), transport="ntlm")
    result = session.run_cmd("dir", ["\\\\fs01\\Backups"])
    assert result.status_code == 1
    assert result.std_err == b"Access is denied.\r\n"


def test_the_setting_refuses_unknown_values(lab, monkeypatch):
    monkeypatch.setitem(lab.topology, "second_hop", "sometimes")
    with pytest.raises(ValueError):
        second_hop.mode(lab)


# --- the request log records how each session logged on --------------------------------------------------

@pytest.mark.parametrize("transport, method, delegated", [("ntlm", "NTLM", False), ("basic", "Basic", False),
                                                          ("credssp", "CredSSP", True)])
def test_every_request_of_a_session_is_logged_with_its_logon(enforce, endpoints, transport, method, delegated):
    """What a Security log's logon event says (authentication package, delegation), on each request of the
    session: a reader of the log tells which transport a client really used."""
    start = len(enforce.log.dump())
    marker = "'%s'" % uuid.uuid4().hex
    assert ps(endpoints, "FE01", transport, marker)[0] == 0
    entries = [e for e in enforce.log.dump(start) if e["action"] in ("Create", "Command", "Send", "Receive", "Delete")]
    assert [e for e in entries if e["action"] == "Command" and e["script"] == marker]
    assert {(e["logon"], e["delegated"]) for e in entries} == {(method, delegated)}
