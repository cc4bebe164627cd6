"""Credentials as Windows PowerShell 5.1 builds them (ConvertTo-SecureString, New-Object PSCredential) and
Test-CsPersistentChatMessage with user credentials: the topology's synthetic-test users log on with their lab
passwords; a wrong password or another user's credential is a Failure naming the SIP address, never the
password. Everything runs through plain pywinrm against a lab of this module's own (it adds a chat room)."""
from __future__ import annotations

import json
import urllib.request

import pytest
import winrm
from winrm.exceptions import InvalidCredentialsError

from conftest import LAB_PASSWORD, LAB_USER, requires_powershell, topology_with_free_ports
from pchat_lab.lab import Lab

pytestmark = requires_powershell

PASSWORD1, PASSWORD2 = "PcTest1-Lab!", "PcTest2-Lab!"
WRONG = "Wr0ng-Secret-42"


@pytest.fixture(scope="module")
def own_lab(tmp_path_factory):
    from pchat_lab.server import LabServer

    topology = topology_with_free_ports()
    topology["lync"]["traffic"] = {"legacy_messages_per_second": 0, "persistent_chat_messages_per_second": 0}
    lab = Lab(topology, tmp_path_factory.mktemp("credentials-lab"), dataset="small")
    server = LabServer(lab)
    server.start()
    yield lab, server
    server.stop()
    lab.backends["lync"].stop()


@pytest.fixture(scope="module")
def fe01(own_lab):
    lab, server = own_lab
    session = winrm.Session(server.endpoints()["FE01"]["http"], auth=(LAB_USER, LAB_PASSWORD), transport="ntlm")
    # The test message needs a room in mgc; a fresh lab has none before the import.
    result = session.run_ps("New-CsPersistentChatCategory -Name Synthetic -PersistentChatPoolFqdn pcpool.contoso.local "
                            "| Out-Null; New-CsPersistentChatRoom -Name 'Synthetic Test' -PersistentChatPoolFqdn "
                            "pcpool.contoso.local -Category 'pcpool.contoso.local\\Synthetic' | Out-Null")
    assert result.status_code == 0, result.std_err
    return session


def run(session, script):
    result = session.run_ps(script)
    return result.status_code, result.std_out.decode("utf-8"), result.std_err.decode("utf-8")


def credentials(user1="CONTOSO\\pctest1", password1=PASSWORD1, user2="CONTOSO\\pctest2", password2=PASSWORD2) -> str:
    """What the collection sends: one script building both credentials, then the test."""
    return ("$p1=ConvertTo-SecureString -String '%s' -AsPlainText -Force\n"
            "$c1=New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList '%s',$p1\n"
            "$p2=ConvertTo-SecureString -String '%s' -AsPlainText -Force\n"
            "$c2=New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList '%s',$p2\n"
            % (password1, user1, password2, user2))


TEST = ("Test-CsPersistentChatMessage -TargetFqdn 'fe01.contoso.local' -SenderSipAddress 'sip:pctest1@contoso.local' "
        "-SenderCredential $c1 -ReceiverSipAddress 'sip:pctest2@contoso.local' -ReceiverCredential $c2%s "
        "| Select-Object TargetFqdn, Result, Latency, Error, Diagnosis | ConvertTo-Json")


def outcome(session, script) -> dict:
    code, out, err = run(session, script)
    assert code == 0, err
    return json.loads(out)


# ------------------------------------------------------------------------------------------ SecureString

def test_a_secure_string_shows_only_its_type_and_length(fe01):
    code, out, err = run(fe01, "$p=ConvertTo-SecureString -String '%s' -AsPlainText -Force\n$p\n$p | ConvertTo-Json "
                               "-Compress\n\"[$p]\"\n$p.Length" % WRONG)
    assert code == 0, err
    assert out.split("\r\n")[:4] == ["System.Security.SecureString", '{"Length":%d}' % len(WRONG),
                                     "[System.Security.SecureString]", str(len(WRONG))]


def test_plain_text_without_force_is_refused_as_in_windows_powershell_5_1(fe01):
    code, out, err = run(fe01, "$p=ConvertTo-SecureString -String '%s' -AsPlainText\n$null -eq $p" % WRONG)
    assert code == 0 and out.strip() == "True"      # a non-terminating error; nothing was output
    assert "The system cannot protect plain text input. To suppress this warning and convert the plain text to a " \
           "SecureString, reissue the command specifying the Force parameter." in err
    assert "ImportSecureString_InvalidArgument,Microsoft.PowerShell.Commands.ConvertToSecureStringCommand" in err


def test_an_encrypted_standard_string_of_another_machine_cannot_be_decrypted(fe01):
    code, _, err = run(fe01, "ConvertTo-SecureString -String '01000000d08c9ddf0115d1118c7a00c04fc297eb'")
    assert code == 1 and "Key not valid for use in specified state." in err
    assert "ImportSecureString_InvalidArgument_CryptographicError" in err


# ------------------------------------------------------------------------------------------ PSCredential

def test_a_credential_shows_its_user_and_hides_its_password(fe01):
    code, out, err = run(fe01, credentials(password1=WRONG) + "$c1\n$c1 | ConvertTo-Json -Compress\n$c1.UserName")
    assert code == 0, err
    lines = [line for line in out.split("\r\n") if line.strip()]
    assert lines[0].split() == ["UserName", "Password"]
    assert lines[2].split() == ["CONTOSO\\pctest1", "System.Security.SecureString"]
    assert json.loads(lines[3]) == {"UserName": "CONTOSO\\pctest1", "Password": {"Length": len(WRONG)}}
    assert lines[4] == "CONTOSO\\pctest1"
    assert WRONG not in out and WRONG not in err


def test_the_parenthesised_constructor_form_builds_the_same_credential(fe01):
    code, out, err = run(fe01, "$p=ConvertTo-SecureString 'x' -AsPlainText -Force\n"
                               "$c=New-Object System.Management.Automation.PSCredential('CONTOSO\\pctest1', $p)\n"
                               "$c.UserName; $c.Password.GetType().FullName")
    assert code == 0, err
    assert out.split("\r\n")[:2] == ["CONTOSO\\pctest1", "System.Security.SecureString"]


@pytest.mark.parametrize("arguments, message", [
    ("'CONTOSO\\pctest1',$nothing", 'Exception calling ".ctor" with "2" argument(s): "Cannot process argument because '
                                    'the value of argument "password" is null.'),
    ("'',$p", 'Cannot process argument because the value of argument "userName" is not valid.'),
    ("'CONTOSO\\pctest1','plain'", 'Cannot convert argument "password", with value: "plain", for "PSCredential" to '
                                   'type "System.Security.SecureString"'),
    ("'CONTOSO\\pctest1'", 'Cannot find an overload for "PSCredential" and the argument count: "1".'),
])
def test_constructor_errors_are_powershells(fe01, arguments, message):
    code, out, err = run(fe01, "$p=ConvertTo-SecureString 'x' -AsPlainText -Force\n"
                               "New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList %s"
                               % arguments)
    assert code == 1 and out == ""
    assert message in err.replace("_x000D__x000A_", "").replace("\r\n", ""), err
    assert ",Microsoft.PowerShell.Commands.NewObjectCommand" in err


# ------------------------------------------------------------------------- Test-CsPersistentChatMessage

def test_the_synthetic_test_users_log_on_and_the_message_test_succeeds(fe01):
    result = outcome(fe01, credentials() + TEST % " -Authentication Negotiate -RegistrarPort 5061")
    assert (result["Result"], result["Error"]) == ("Success", None), result
    assert result["TargetFqdn"] == "fe01.contoso.local"


def test_a_wrong_password_fails_naming_the_sip_address_never_the_password(own_lab, fe01):
    lab, server = own_lab
    start = len(lab.log.dump())
    result = outcome(fe01, credentials(password2=WRONG) + TEST % "")
    assert result["Result"] == "Failure"
    assert result["Error"] == ("Registration of user sip:pctest2@contoso.local failed: 401 Unauthorized (the user "
                               "name or password of the credential is incorrect).")
    assert "-ReceiverCredential" in result["Diagnosis"] and WRONG not in json.dumps(result)
    # The request log holds what the request carried (the decoded script, once) and nothing the lab added.
    entries = json.dumps(lab.log.dump()[start:])
    assert entries.count(WRONG) == 1 and "401 Unauthorized" not in entries


def test_another_users_credential_fails_with_forbidden(fe01):
    result = outcome(fe01, credentials(user2="pctest1@contoso.local", password2=PASSWORD1) + TEST % "")
    assert result["Result"] == "Failure"
    assert result["Error"].startswith("Registration of user sip:pctest2@contoso.local failed: 403 Forbidden")
    assert "pctest1@contoso.local" in result["Error"] and PASSWORD1 not in json.dumps(result)


def test_a_user_of_another_domain_is_not_the_account(fe01):
    result = outcome(fe01, credentials(user1="FABRIKAM\\pctest1") + TEST % "")
    assert result["Result"] == "Failure" and "sip:pctest1@contoso.local failed: 403" in result["Error"]


def test_a_user_without_a_lab_password_never_logs_on(fe01):
    # alice is a Lync user homed on 2013, but the topology gives her no password: no credential works.
    script = credentials(user1="CONTOSO\\alice", password1="").replace("-String ''", "-String 'anything'")
    result = outcome(fe01, script + TEST.replace("sip:pctest1@", "sip:alice@") % "")
    assert result["Result"] == "Failure" and "sip:alice@contoso.local failed: 401" in result["Error"]


def test_a_string_is_no_credential(fe01):
    code, out, err = run(fe01, "$c1='CONTOSO\\pctest1'; $c2='CONTOSO\\pctest2'\n" + TEST % "")
    assert code == 1 and "Result" not in out
    assert ("Cannot bind parameter 'SenderCredential'. Cannot convert the \"CONTOSO\\pctest1\" value of type "
            "\"System.String\" to type \"System.Management.Automation.PSCredential\".") in err


def test_credentials_need_both_sip_addresses(fe01):
    code, _, err = run(fe01, credentials() + "Test-CsPersistentChatMessage -TargetFqdn fe01.contoso.local "
                                             "-SenderCredential $c1 -ReceiverCredential $c2")
    assert code == 1
    assert "missing mandatory parameters: SenderSipAddress ReceiverSipAddress." in err


def test_without_policy_the_logged_on_user_is_still_refused(fe01):
    # The logon passes; the existing checks still apply after it (here: the policy is taken away).
    code, _, err = run(fe01, "Grant-CsPersistentChatPolicy -Identity sip:pctest2@contoso.local -PolicyName $null")
    assert code == 0, err
    try:
        result = outcome(fe01, credentials() + TEST % "")
        assert result["Result"] == "Failure"
        assert result["Error"] == "User sip:pctest2@contoso.local is not enabled for Persistent Chat."
    finally:
        run(fe01, "Grant-CsPersistentChatPolicy -Identity sip:pctest2@contoso.local -PolicyName PCSyntheticTests")


# ---------------------------------------------------------------------------------- the topology's users

def test_synthetic_test_users_are_no_winrm_accounts(own_lab):
    lab, server = own_lab
    session = winrm.Session(server.endpoints()["FE01"]["http"], auth=("CONTOSO\\pctest1", PASSWORD1),
                            transport="ntlm")
    with pytest.raises(InvalidCredentialsError):
        session.run_cmd("hostname")


def test_the_state_shows_the_synthetic_users_but_never_their_passwords(own_lab):
    lab, server = own_lab
    with urllib.request.urlopen(server.control.url + "/state") as reply:
        state = reply.read().decode("utf-8")
    users = {u["sam"]: u for u in json.loads(state)["backends"]["lync"]["directory"]["users"]}
    assert users["pctest1"]["registrar_pool"] == "pool01.contoso.local"
    assert users["pctest1"]["persistent_chat_policy"] == "PCSyntheticTests"
    assert json.loads(state)["backends"]["lync"]["policies"]["Tag:PCSyntheticTests"]["EnablePersistentChat"] is True
    assert PASSWORD1 not in state and PASSWORD2 not in state


def test_synthetic_users_are_no_legacy_chat_principals(own_lab):
    import sqlite3

    lab, _server = own_lab
    db = sqlite3.connect(lab.backends["lync"].db.legacy_path)
    try:
        rows = db.execute("SELECT COUNT(*) FROM tblPrincipal WHERE prinUri LIKE '%pctest%'").fetchone()
    finally:
        db.close()
    assert rows == (0,)


def test_what_would_reveal_the_password_is_refused_as_not_simulated(fe01):
    for reveal in ("$c1.GetNetworkCredential().Password", "ConvertFrom-SecureString -SecureString $p1"):
        code, out, err = run(fe01, credentials(password1=WRONG) + reveal)
        assert code == 1 and "PchatLabUnsupportedConstruct" in err, err
        assert WRONG not in out and WRONG not in err
