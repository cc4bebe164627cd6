"""The two info modules, driven through `ansible` ad hoc against the lab, as an operator would."""
from __future__ import annotations

from conftest import PORT_OFFSET, run_ansible


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


def test_wrong_password_fails_naming_host_and_transport_but_not_the_password(lab):
    results = run_ansible("pchat_frontend", "-m", "lync.persistent_chat.pool_info",
                          "-e", "ansible_password=Not-The-Password-42")
    status, result = results["fe01"]
    assert status == "FAILED!"
    message = result["msg"]
    assert "127.0.0.1:%d" % (15985 + PORT_OFFSET) in message and "ntlm" in message.lower()
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
