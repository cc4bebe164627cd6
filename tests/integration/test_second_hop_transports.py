"""The second hop through the collection's own module: data_export on the Front End reads the legacy SQL
instance on sql01, another host. The lab refuses it, as a domain does, to a session without delegated
credentials (NTLM; Kerberos without delegation): SQL answers ANONYMOUS LOGON. CredSSP and Kerberos with
delegation (inventories/lab's default) export, and the far side sees the named user."""
from __future__ import annotations

import json

import pytest

from conftest import run_ansible
from steps_support import module

ANONYMOUS = "Login failed for user 'NT AUTHORITY\\ANONYMOUS LOGON'."
EXPORT = {"db_instance": "sql01.contoso.local\\GROUPCHAT", "db_name": "GroupChat",
          "file_name": "D:\\Migration\\hop.zip"}
NTLM = {"ansible_winrm_transport": "ntlm", "ansible_user": "CONTOSO\\lyncadmin"}
CREDSSP = {"ansible_winrm_transport": "credssp", "ansible_user": "CONTOSO\\lyncadmin"}
KERBEROS_WITHOUT_DELEGATION = {"ansible_winrm_kerberos_delegation": False}


def hops(entries):
    return [(e["host"], e["user"], e["status"]) for e in entries if e["action"] == "SecondHop"]


@pytest.mark.parametrize("name, settings", [("ntlm", NTLM), ("kerberos without delegation", KERBEROS_WITHOUT_DELEGATION)])
def test_without_delegated_credentials_the_export_is_anonymous_logon(clean_lab, name, settings):
    status, result, log = module(clean_lab, "fe01", "data_export", EXPORT, "-e", json.dumps(settings))
    assert status == "FAILED!", result
    assert ANONYMOUS in result["msg"], result["msg"]
    assert hops(log) == [("FE01", "NT AUTHORITY\\ANONYMOUS LOGON", 401)]


@pytest.mark.parametrize("name, settings", [("credssp", CREDSSP), ("kerberos with delegation", {})])
def test_with_delegated_credentials_the_export_succeeds_as_the_user(clean_lab, name, settings):
    extra = ("-e", json.dumps(settings)) if settings else ()
    status, result, log = module(clean_lab, "fe01", "data_export", EXPORT, *extra)
    assert status == "CHANGED", result
    assert hops(log) and set(hops(log)) == {("FE01", "CONTOSO\\lyncadmin", 200)}
    commands = [e for e in log if e["action"] == "Command"]
    assert commands and all(e["user"] == "CONTOSO\\lyncadmin" for e in commands)


def test_managed_kinit_leaves_no_credential_cache_behind(lab, tmp_path):
    # The module's kinit cache goes to a private folder under TMPDIR and is removed when the module ends.
    results = run_ansible("pchat_frontend", "-m", "lync.persistent_chat.pool_info", extra_env={"TMPDIR": str(tmp_path)})
    assert results["fe01"][0] == "SUCCESS", results["_process"].stdout[-3000:]
    assert not list(tmp_path.glob("pchat-krb5cc-*"))
    assert "Lab-Passw0rd!" not in results["_process"].stdout + results["_process"].stderr
