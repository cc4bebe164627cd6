"""message_test against the lab: check mode sends nothing, a failing test names the host with the error and
diagnosis, the pool's test users (ServerPlatform) and named users with credentials (ClientPlatform) succeed
once a room exists, a wrong password fails, and no password ever shows, even at -vvv."""
from __future__ import annotations

import json

from conftest import run_ansible
from steps_support import READONLY, module, playbook, round_trips, scripts

# The lab's Front End pool, where the test users are homed.
TARGET = "pool01.contoso.local"
PASSWORDS = {"pctest1": "PcTest1-Lab!", "pctest2": "PcTest2-Lab!"}


def user(name, password=None):
    return {"sip_address": "%s@contoso.local" % name, "username": "CONTOSO\\%s" % name,
            "password": PASSWORDS[name] if password is None else password}


WITH_CREDENTIALS = {"target_fqdn": TARGET, "sender": user("pctest1"), "receiver": user("pctest2"),
                    "authentication": "Negotiate"}


def with_a_room(lab):
    status, result, _log = module(lab, "fe01", "category", {"name": "Synthetic tests"})
    assert status == "CHANGED", result
    status, result, _log = module(lab, "fe01", "room", {"name": "Synthetic test room", "category": "Synthetic tests"})
    assert status == "CHANGED", result


def verbose_run(lab, args, *extra):
    """An ad hoc run at -vvv; (status, result, everything Ansible printed)."""
    results = run_ansible("fe01", "-vvv", "-m", "lync.persistent_chat.message_test", "-a", json.dumps(args),
                          "-e", "pchat_lab_state_dir=%s" % lab.state_dir, *extra)
    process = results["_process"]
    status, result = results.get("fe01", (None, None))
    return status, result, process.stdout + process.stderr


def assert_no_password(text):
    for password in PASSWORDS.values():
        assert password not in text
    assert "Wrong-Pass" not in text


def test_check_mode_sends_nothing(lab):
    before = lab.log_length()
    status, _result, output = verbose_run(lab, WITH_CREDENTIALS, "--check")
    # The oneline callback prints a skipped task without its result; the play below reads it.
    assert status is None and "fe01 | SKIPPED" in output, output[-3000:]
    assert round_trips(lab.log(before)) == 0
    assert_no_password(output)


def test_in_a_play(clean_lab):
    process = playbook(clean_lab, "message_test", "-vvv")
    assert_no_password(process.stdout + process.stderr)


def test_a_failed_test_fails_naming_the_host_the_error_and_the_diagnosis(clean_lab):
    status, result, log = module(clean_lab, "fe01", "message_test", {"target_fqdn": TARGET})
    assert status == "FAILED!" and round_trips(log) == 1, result
    assert result["msg"].startswith("127.0.0.1: run Test-CsPersistentChatMessage through pool01.contoso.local from "
                                    "the pool's first test user to the pool's second test user: the test failed: ")
    assert "No chat room is available for the test. Diagnosis: Create at least one chat room." in result["msg"]
    assert result["result"] == "Failure" and result["changed"] is False
    status, result, _log = module(clean_lab, "fe01", "message_test", {"target_fqdn": TARGET, "fail_on_failure": False})
    assert status == "SUCCESS" and result["result"] == "Failure" and result["diagnosis"] == "Create at least one chat room."


def test_the_wrong_pool_is_diagnosed(lab):
    status, result, _log = module(lab, "fe01", "message_test", {"target_fqdn": "pcpool.contoso.local"})
    assert status == "FAILED!" and "is not a Lync Server 2013 registrar pool" in result["msg"]


def test_the_pools_test_users_succeed_once_a_room_exists(clean_lab):
    with_a_room(clean_lab)
    args = {"target_fqdn": TARGET, "sender": {"sip_address": "pctest1@contoso.local"},
            "receiver": {"sip_address": "sip:pctest2@contoso.local"}}
    status, result, log = module(clean_lab, "fe01", "message_test", args)
    assert status == "SUCCESS" and result["result"] == "Success" and result["changed"] is False, result
    assert result["parameter_set"] == "ServerPlatform" and result["latency_seconds"] >= 0
    assert round_trips(log) == 1 and "Credential" not in scripts(log)[0]


def test_named_users_with_credentials_succeed_and_no_password_shows(clean_lab):
    with_a_room(clean_lab)
    before = clean_lab.log_length()
    status, result, output = verbose_run(clean_lab, WITH_CREDENTIALS)
    assert status == "SUCCESS" and result["result"] == "Success", output[-3000:]
    assert result["parameter_set"] == "ClientPlatform" and result["target_fqdn"] == TARGET
    sent = scripts(clean_lab.log(before))
    assert len(sent) == 1 and "-SenderCredential $c1" in sent[0] and "-ReceiverCredential $c2" in sent[0]
    assert_no_password(output)


def test_a_wrong_password_fails_without_showing_it(clean_lab):
    with_a_room(clean_lab)
    args = dict(WITH_CREDENTIALS, receiver=user("pctest2", "Wrong-Pass'1"))
    status, result, output = verbose_run(clean_lab, args)
    assert status == "FAILED!", output[-3000:]
    assert "the test failed: Registration of user sip:pctest2@contoso.local failed: 401 Unauthorized" in result["msg"]
    assert result["msg"].startswith("127.0.0.1: run Test-CsPersistentChatMessage through pool01.contoso.local")
    assert_no_password(output)


def test_bad_arguments_are_refused_before_connecting(lab):
    for args, text in [({"target_fqdn": TARGET, "sender": user("pctest1")}, "credentials are given for sender only"),
                       ({"target_fqdn": TARGET, "authentication": "Kerberos"}, "value of authentication must be one of"),
                       ({"target_fqdn": "pool 01"}, "is not a fully qualified domain name")]:
        status, result, output = verbose_run(lab, args)
        assert status == "FAILED!" and text in result["msg"], result
        assert_no_password(output)


def test_an_account_without_rights_is_refused(lab):
    status, result, _log = module(lab, "fe01", "message_test", {"target_fqdn": TARGET}, *READONLY)
    assert status == "FAILED!" and "readonly" in result["msg"]
