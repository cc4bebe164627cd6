"""message_test: the two parameter sets, the script, check mode, success and failure, and passwords that never
leave the module (in messages, results or the errors of a failing script)."""
from __future__ import annotations

import json

import pytest
import tree_sitter
import tree_sitter_powershell
from hypothesis import given, settings
from hypothesis import strategies as st
from steps_harness import run

from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import SINGLE_QUOTES
from ansible_collections.lync.persistent_chat.plugins.module_utils.winrm import (
    PowerShellError,
    WinRMConnectionError,
    parse_powershell_error,
    wrap_script,
)
from ansible_collections.lync.persistent_chat.plugins.modules import message_test

PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
SENDER_PW = "S3nder-'Pw\u2019$(x)"
RECEIVER_PW = "Rec3iver-Pw-77"
FQDN = "fe01.contoso.local"
CREDENTIALS = {"sender": {"sip_address": "pctest1@contoso.local", "username": "CONTOSO\\pctest1", "password": SENDER_PW},
               "receiver": {"sip_address": "sip:pctest2@contoso.local", "username": "pctest2@contoso.local",
                            "password": RECEIVER_PW}}
SUCCESS = [{"TargetFqdn": FQDN, "Result": "Success", "Latency": "00:00:01.2500000", "Error": "", "Diagnosis": ""}]


def params(**extra):
    base = {"target_fqdn": FQDN, "sender": None, "receiver": None, "chat_room_uri": None, "authentication": None,
            "registrar_port": None, "fail_on_failure": True}
    base.update(extra)
    return base


def args(**extra):
    """Module arguments: only what a task would write."""
    return {key: value for key, value in params(**extra).items() if value is not None}


def without_passwords(out):
    text = json.dumps(out, ensure_ascii=False)
    for secret in (SENDER_PW, RECEIVER_PW, "S3nder", "Rec3iver"):
        assert secret not in text, (secret, text)


def count(tree, node_type):
    total, stack = 0, [tree.root_node]
    while stack:
        node = stack.pop()
        total += node.type == node_type
        stack.extend(node.children)
    return total


def parse(script):
    tree = PARSER.parse(script.encode("utf-8"))
    assert not tree.root_node.has_error, script
    return tree


def test_client_platform_script_builds_both_credentials_before_the_test():
    script = message_test.build_script(params(authentication="Negotiate", registrar_port=5061,
                                              chat_room_uri="ma-chan://pc/1", **CREDENTIALS))
    lines = script.splitlines()
    assert lines[:5] == [
        "Import-Module Lync",
        "$p1=ConvertTo-SecureString -String 'S3nder-''Pw\u2019\u2019$(x)' -AsPlainText -Force",
        "$c1=New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList 'CONTOSO\\pctest1',$p1",
        "$p2=ConvertTo-SecureString -String 'Rec3iver-Pw-77' -AsPlainText -Force",
        "$c2=New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList 'pctest2@contoso.local',$p2",
    ]
    assert lines[5].startswith(
        "@(Test-CsPersistentChatMessage -TargetFqdn 'fe01.contoso.local' -SenderSipAddress 'sip:pctest1@contoso.local' "
        "-SenderCredential $c1 -ReceiverSipAddress 'sip:pctest2@contoso.local' -ReceiverCredential $c2 "
        "-ChatRoomUri 'ma-chan://pc/1' -Authentication 'Negotiate' -RegistrarPort 5061|Select-Object ")
    assert "@{Name='Result';Expression={[string]$_.Result}}" in lines[5] and "@{Name='Latency';Expression={[string]$_.Latency}}" in lines[5]
    wrapped = wrap_script(script, depth=3)
    parse(wrapped)


def test_server_platform_sends_no_credential_and_only_the_addresses_given():
    script = message_test.build_script(params(sender={"sip_address": "a@contoso.local"}))
    assert "Credential" not in script and "ConvertTo-SecureString" not in script
    assert "-TargetFqdn 'fe01.contoso.local' -SenderSipAddress 'sip:a@contoso.local'|Select-Object" in script
    assert "ReceiverSipAddress" not in script
    assert message_test.parameter_set(params()) == "ServerPlatform"
    assert message_test.parameter_set(params(**CREDENTIALS)) == "ClientPlatform"


@pytest.mark.parametrize("extra, text", [
    ({"sender": CREDENTIALS["sender"]}, "credentials are given for sender only"),
    ({"receiver": CREDENTIALS["receiver"], "sender": {"sip_address": "a@b"}}, "credentials are given for receiver only"),
    ({"sender": {"sip_address": "a@b", "username": "u", "password": None},
      "receiver": CREDENTIALS["receiver"]}, "sender.username and sender.password go together"),
    ({"sender": {"sip_address": None, "username": "u", "password": "p"},
      "receiver": CREDENTIALS["receiver"]}, "sender.sip_address is required with credentials"),
    ({"receiver": {"sip_address": "nobody"}}, "receiver.sip_address must look like user@domain"),
    ({"target_fqdn": "fe01 contoso"}, "target_fqdn: 'fe01 contoso' is not a fully qualified domain name"),
])
def test_options_that_make_no_parameter_set_are_refused(extra, text):
    assert any(text in error for error in message_test.option_errors(params(**extra)))


def test_a_complete_set_has_no_errors():
    assert message_test.option_errors(params(**CREDENTIALS)) == []
    assert message_test.option_errors(params()) == []


@pytest.mark.parametrize("text, seconds", [("00:00:01.2500000", 1.25), ("1.02:03:04", 93784.0), ("00:00:00", 0.0),
                                           ("", None), (None, None), ("soon", None)])
def test_latency_in_seconds(text, seconds):
    assert message_test.latency_seconds(text) == seconds


def test_success_is_one_round_trip_and_never_changed(monkeypatch, capsys):
    code, out, client = run(message_test, monkeypatch, capsys, args(**CREDENTIALS), [SUCCESS[0]])
    assert code == 0 and out["changed"] is False and len(client.scripts) == 1
    assert out["result"] == "Success" and out["latency_seconds"] == 1.25 and out["error"] is None
    assert out["parameter_set"] == "ClientPlatform" and out["target_fqdn"] == FQDN and "test" in out["durations"]
    without_passwords(out)


def test_check_mode_sends_nothing_and_says_what_would_run(monkeypatch, capsys):
    code, out, client = run(message_test, monkeypatch, capsys, args(**CREDENTIALS), [], check_mode=True)
    assert code == 0 and client.scripts == [] and out["changed"] is False and out["skipped"] is True
    assert out["msg"] == ("check mode: Test-CsPersistentChatMessage through fe01.contoso.local from "
                          "sip:pctest1@contoso.local to sip:pctest2@contoso.local would run")
    # Like a task skipped with when: no result, so a role's result | default('Success') reads both alike.
    assert "result" not in out and out["parameter_set"] == "ClientPlatform"
    without_passwords(out)


def test_a_failed_test_fails_the_task_naming_the_host_with_error_and_diagnosis(monkeypatch, capsys):
    failure = {"TargetFqdn": FQDN, "Result": "Failure", "Latency": "00:00:00",
               "Error": "User sip:pctest2@contoso.local is not enabled for Persistent Chat.",
               "Diagnosis": "Grant a Persistent Chat policy with EnablePersistentChat = True."}
    code, out, _client = run(message_test, monkeypatch, capsys, args(**CREDENTIALS), [failure])
    assert code == 1 and out["changed"] is False and out["result"] == "Failure"
    assert out["msg"].startswith("fe01.contoso.local: run Test-CsPersistentChatMessage through fe01.contoso.local")
    assert out["msg"].endswith("the test failed: User sip:pctest2@contoso.local is not enabled for Persistent Chat. "
                               "Diagnosis: Grant a Persistent Chat policy with EnablePersistentChat = True.")
    without_passwords(out)
    code, out, _client = run(message_test, monkeypatch, capsys, args(fail_on_failure=False), [failure])
    assert code == 0 and out["result"] == "Failure" and out["error"].startswith("User sip:pctest2")


def test_no_output_is_a_clear_failure(monkeypatch, capsys):
    code, out, _client = run(message_test, monkeypatch, capsys, args(), [None])
    assert code == 1 and "Test-CsPersistentChatMessage returned no result" in out["msg"]


def failing_script_stderr():
    """What PowerShell prints when the credential line fails: the position block echoes the line, password
    and all, and the message quotes the value."""
    return "\n".join([
        "ConvertTo-SecureString : Cannot process argument 'S3nder-'Pw\u2019$(x)'.",
        "At line:5 char:5",
        "+ $p1=ConvertTo-SecureString -String 'S3nder-''Pw\u2019\u2019$(x)' -AsPlainText -Force",
        "+     ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
        "    + CategoryInfo          : InvalidArgument: (S3nder-'Pw\u2019$(x):String) [ConvertTo-SecureString], "
        "ArgumentException",
        "    + FullyQualifiedErrorId : ImportSecureString_InvalidArgument,Rec3iver-Pw-77",
    ])


@pytest.mark.parametrize("error", [
    parse_powershell_error(failing_script_stderr(), exit_code=1),
    PowerShellError("Test-CsPersistentChatMessage failed: bad password Rec3iver-Pw-77 for pctest2",
                    cmdlet="Test-CsPersistentChatMessage", reason="bad password Rec3iver-Pw-77",
                    category="S3nder-'Pw\u2019$(x)", error_id="x," + RECEIVER_PW),
    WinRMConnectionError("WinRM http://fe01:5985/wsman: cannot connect (S3nder-''Pw\u2019\u2019$(x))"),
])
def test_a_failing_script_never_shows_a_password(monkeypatch, capsys, error):
    code, out, _client = run(message_test, monkeypatch, capsys, args(**CREDENTIALS), [error])
    assert code == 1 and out["msg"].startswith("fe01.contoso.local: run Test-CsPersistentChatMessage")
    without_passwords(out)
    # Masked by the module itself, not only by Ansible's no_log filter.
    scrubbed = message_test.scrubbed_error(error, message_test.secrets(params(**CREDENTIALS)))
    for text in (str(scrubbed), getattr(scrubbed, "reason", ""), getattr(scrubbed, "stderr", ""),
                 getattr(scrubbed, "category", ""), getattr(scrubbed, "error_id", "")):
        assert SENDER_PW not in (text or "") and RECEIVER_PW not in (text or "")
        assert "S3nder-''Pw" not in (text or "")


def test_a_failure_message_echoing_a_password_is_masked(monkeypatch, capsys):
    failure = {"TargetFqdn": FQDN, "Result": "Failure", "Latency": "00:00:00",
               "Error": "Logon failed for CONTOSO\\pctest1 with password Rec3iver-Pw-77", "Diagnosis": SENDER_PW}
    code, out, _client = run(message_test, monkeypatch, capsys, args(**CREDENTIALS), [failure])
    assert code == 1 and "Logon failed for CONTOSO\\pctest1" in out["msg"]
    without_passwords(out)
    assert message_test.scrub(failure["Error"], message_test.secrets(params(**CREDENTIALS))) == \
        "Logon failed for CONTOSO\\pctest1 with password ********"


@pytest.mark.parametrize("args", [
    {"sender": CREDENTIALS["sender"]},
    {"sender": dict(CREDENTIALS["sender"], sip_address=None), "receiver": CREDENTIALS["receiver"]},
    dict(CREDENTIALS, registrar_port=70000),
])
def test_bad_options_fail_before_any_round_trip_without_the_password(monkeypatch, capsys, args):
    code, out, client = run(message_test, monkeypatch, capsys, dict(args, target_fqdn=FQDN), [])
    assert code == 1 and client.scripts == [] and out["msg"].startswith("fe01.contoso.local: check the options: ")
    without_passwords(out)


def test_the_passwords_are_no_log_in_the_argument_spec():
    assert message_test.USER_OPTIONS["password"]["no_log"] is True


HOSTILE = st.text(alphabet=st.sampled_from(list(SINGLE_QUOTES) + list("a;|&$(){}`\"\n#@,-<>") + ["\u00e9"]),
                  min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(HOSTILE, HOSTILE, HOSTILE)
def test_hostile_users_passwords_and_rooms_add_no_code(username, password, room):
    def script(user, secret, uri):
        users = {side: {"sip_address": "x@contoso.local", "username": user, "password": secret}
                 for side in ("sender", "receiver")}
        return parse(wrap_script(message_test.build_script(params(chat_room_uri=uri, **users)), depth=3))
    baseline, hostile = script("u", "p", "r"), script(username, password, room)
    for node_type in ("command", "pipeline", "variable", "assignment_expression", "comment"):
        assert count(hostile, node_type) == count(baseline, node_type), (node_type, username, password, room)
