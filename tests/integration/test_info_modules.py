"""The two info modules, driven through `ansible` ad hoc against the lab, as an operator would."""
from __future__ import annotations

import json

import pytest

from conftest import PORT_OFFSET, run_ansible
from steps_support import READONLY


def _shells_opened(entries: list) -> int:
    return sum(1 for entry in entries if entry["action"] == "Create")


def test_pool_info_ad_hoc_prints_the_lab_pools(lab):
    before = lab.log_length()
    results = run_ansible("pchat_frontend", "-m", "lync.persistent_chat.pool_info")
    status, result = results["fe01"]
    assert status == "SUCCESS", results["_process"].stdout + results["_process"].stderr
    assert result["changed"] is False
    pools = [pool["PoolFqdn"] for pool in result["pools"]]
    assert "pcpool.contoso.local" in pools
    # One shell per module run, counted from the lab's request log.
    assert _shells_opened(lab.log(before)) == 1


def test_pool_info_in_check_mode_reads_the_same(lab):
    results = run_ansible("pchat_frontend", "-m", "lync.persistent_chat.pool_info", "--check")
    status, result = results["fe01"]
    assert status == "SUCCESS"
    assert result["pools"]


@pytest.mark.parametrize("transport, extra, said", [
    ("kerberos", [], "kinit: Password incorrect"),          # the inventory's: managed kinit refuses it
    ("ntlm", ["-e", "ansible_winrm_transport=ntlm", "-e", "ansible_user=CONTOSO\\lyncadmin"], "rejected"),
])
def test_wrong_password_fails_naming_host_and_transport_but_not_the_password(lab, transport, extra, said):
    results = run_ansible("pchat_frontend", "-m", "lync.persistent_chat.pool_info",
                          "-e", "ansible_password=Not-The-Password-42", *extra)
    status, result = results["fe01"]
    assert status == "FAILED!"
    message = result["msg"]
    assert "127.0.0.1:%d" % (15985 + PORT_OFFSET) in message and "transport %s" % transport in message
    assert said in message
    assert "Not-The-Password-42" not in results["_process"].stdout
    assert "Not-The-Password-42" not in results["_process"].stderr


def test_unreachable_port_fails_clearly(lab):
    results = run_ansible("pchat_frontend", "-m", "lync.persistent_chat.pool_info",
                          "-e", "ansible_port=1", "-e", "ansible_winrm_read_timeout_sec=5",
                          "-e", "ansible_winrm_operation_timeout_sec=3")
    status, result = results["fe01"]
    assert status == "FAILED!"
    assert "127.0.0.1" in result["msg"] and ":1" in result["msg"]


def test_bad_argument_is_refused_before_connecting(lab):
    before = lab.log_length()
    results = run_ansible("pchat_frontend", "-m", "lync.persistent_chat.pool_info", "-a", "no_such_option=1")
    status, result = results["fe01"]
    assert status == "FAILED!"
    assert "no_such_option" in result["msg"]
    assert _shells_opened(lab.log(before)) == 0


def test_admin_roles_are_those_of_the_logon_account(lab):
    results = run_ansible("pchat_frontend", "-m", "lync.persistent_chat.pool_info", "-a",
                          json.dumps({"include": ["admin_roles"]}), "--check")
    status, result = results["fe01"]
    assert status == "SUCCESS", results["_process"].stdout + results["_process"].stderr
    # ansible_user is CONTOSO\lyncadmin; Get-CsAdminRoleAssignment takes only the sAMAccountName.
    assert result["admin_user"] == "lyncadmin"
    # The topology puts lyncadmin in CsPersistentChatAdministrator and in no other Cs* role group.
    assert result["admin_roles"] == ["CsPersistentChatAdministrator"]
    assert "pools" not in result and result["counts"] == {"admin_roles": 1}


def test_an_account_outside_the_rtcuniversal_admin_groups_may_not_read_role_assignments(lab):
    # readonly may open a shell on fe01 only (Remote Management Users there) and is in no RTCUniversal group.
    results = run_ansible("fe01", "-m", "lync.persistent_chat.pool_info", "-a",
                          json.dumps({"include": ["admin_roles"]}), *READONLY)
    status, result = results["fe01"]
    assert status == "FAILED!", results["_process"].stdout + results["_process"].stderr
    assert result["cmdlet"] == "Get-CsAdminRoleAssignment" and "Access denied" in result["msg"]
    assert "CONTOSO\\readonly" in result["msg"]


def test_admin_roles_of_another_named_account(lab):
    results = run_ansible("fe01", "-m", "lync.persistent_chat.pool_info", "-a",
                          json.dumps({"include": ["admin_roles"], "admin_user": "CONTOSO\\readonly"}))
    status, result = results["fe01"]
    assert status == "SUCCESS", results["_process"].stdout + results["_process"].stderr
    assert (result["admin_user"], result["admin_roles"]) == ("readonly", [])


def test_admin_roles_of_an_unknown_account_fail_with_lyncs_error(lab):
    results = run_ansible("fe01", "-m", "lync.persistent_chat.pool_info", "-a",
                          json.dumps({"include": ["admin_roles"], "admin_user": "no.such.user"}))
    status, result = results["fe01"]
    assert status == "FAILED!"
    assert result["cmdlet"] == "Get-CsAdminRoleAssignment" and "no.such.user" in result["msg"]
