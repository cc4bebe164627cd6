"""WinRM authorization per host: an authenticated account is let in only through a local group the
listener's RootSDDL grants (Administrators by default). A member of a remote management group the
cmd shell does not grant gets the WSManFault "Access is denied." (code 5) on Create; anyone else gets
HTTP 401, as a wrong password would. readonly is in Remote Management Users on FE01 only, and FE01's
listener grants that group."""
from __future__ import annotations

import pytest
import winrm
from winrm.exceptions import InvalidCredentialsError, WinRMError

from conftest import LAB_PASSWORD, LAB_USER

READONLY = ("CONTOSO\\readonly", "Read-0nly!")


@pytest.mark.parametrize("transport", ["plaintext", "ntlm"])
def test_readonly_reaches_fe01_through_remote_management_users(labtest, endpoints, transport):
    session = winrm.Session(endpoints["FE01"]["http"], auth=READONLY, transport=transport)
    assert session.run_cmd("labtest whoami").std_out == b"CONTOSO\\readonly|437|FE01"


@pytest.mark.parametrize("host", ["PC01", "GC01", "SQL01", "FS01"])
def test_readonly_is_refused_with_401_on_the_other_hosts(labtest, endpoints, lab, host):
    start = len(lab.log.dump())
    for transport in ("plaintext", "ntlm"):
        session = winrm.Session(endpoints[host]["http"], auth=READONLY, transport=transport)
        with pytest.raises(InvalidCredentialsError):
            session.run_cmd("labtest echo should not run")
    refused = [entry for entry in lab.log.dump()[start:] if entry.get("host") == host]
    assert refused and all(entry.get("status") == 401 for entry in refused)
    assert not any("should not run" in str(entry) for entry in refused)


def test_administrators_reach_every_host(labtest, endpoints):
    for host, urls in endpoints.items():
        session = winrm.Session(urls["http"], auth=(LAB_USER, LAB_PASSWORD), transport="ntlm")
        assert session.run_cmd("labtest whoami").std_out == ("CONTOSO\\lyncadmin|437|%s" % host).encode()


def test_a_remote_management_user_the_listener_does_not_grant_is_denied_the_shell(labtest, endpoints, lab,
                                                                                   monkeypatch):
    # FE01 with the default RootSDDL: Remote Management Users may use PowerShell remoting, not the cmd shell.
    monkeypatch.setattr(lab.host("FE01"), "winrm_access_groups", ["Administrators"])
    for transport in ("plaintext", "ntlm"):
        session = winrm.Session(endpoints["FE01"]["http"], auth=READONLY, transport=transport)
        with pytest.raises(WinRMError) as info:
            session.run_cmd("labtest echo should not run")
        assert "Access is denied." in str(info.value)
        assert getattr(info.value, "code", 500) == 500


def test_membership_through_a_domain_group_counts(labtest, endpoints, lab, monkeypatch):
    gc01 = lab.host("GC01")
    monkeypatch.setattr(gc01, "local_groups", dict(gc01.local_groups, **{
        "Remote Management Users": ["CONTOSO\\Domain Users"]}))
    monkeypatch.setattr(gc01, "winrm_access_groups", ["Administrators", "Remote Management Users"])
    session = winrm.Session(endpoints["GC01"]["http"], auth=READONLY)
    assert session.run_cmd("labtest whoami").std_out == b"CONTOSO\\readonly|437|GC01"


def test_winrm_access_from_the_topology(lab):
    from pchat_lab.windows.host import SimHost   # noqa: F401  (the model under test)
    readonly, admin = lab.account("readonly"), lab.account("lyncadmin")
    assert lab.host("FE01").winrm_access(readonly) == "allowed"
    assert lab.host("GC01").winrm_access(readonly) == "unauthorized"
    assert lab.host("GC01").winrm_access_groups == ["Administrators"]      # the default RootSDDL
    assert all(host.winrm_access(admin) == "allowed" for host in lab.hosts.values())
