"""Every example invocation of migration-reference §3 (the ``Example:`` lines of §3.1–§3.12, the two
complete inline invocations of §3.9 and §3.12, and the §3.13 block) runs through plain pywinrm
``Session.run_ps`` against the session lab and does what the reference says.

The invocations are the reference's text; the only change is the visible PLACEHOLDERS table, which puts
the lab's names where the reference has placeholder host, instance, path and object names. They run in
the order the reference implies (export before import, the ``ocschat`` user removed before the endpoint
that takes its SIP address), on one freshly reset lab; every effect is probed afterwards through
pywinrm or the control endpoint's GET /state, never through lab internals.

The whole sequence runs once per worker in a module fixture; each example is then its own test case, so a
failure names the example. Setup steps the reference takes for granted (a ``PCEnabled`` policy to grant,
a running Persistent Chat service for the test message) are listed as such in SEQUENCE."""
from __future__ import annotations

import json
import re
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import pytest
import winrm

from conftest import LAB_PASSWORD, LAB_USER, requires_powershell

pytestmark = requires_powershell

REFERENCE = Path("/work/shared/domain/migration-reference.md")

# Reference placeholder -> lab name, applied in this order (longest and most specific first).
PLACEHOLDERS = [
    ("gcsql.contoso.com\\gcinst", "sql01.contoso.local\\GROUPCHAT"),   # legacy Group Chat SQL instance
    ("gcsql.contoso.com\\gc", "sql01.contoso.local\\GROUPCHAT"),
    ("pcsql.contoso.com", "sql01.contoso.local"),                      # \rtc kept: the lab's RTC instance
    ("<legacy db>", "GroupChat"),                                      # legacy database name (§4.1)
    ("D:\\Migr\\", "\\\\fs01\\Backups\\"),                             # migration working folder
    ("<legacy repository>", "GroupChatFiles"),                         # \\gc01 file repository share
    ("<PC file store folder>", "1-PersistentChatService-1"),          # Persistent Chat file store folder
    ("pc.contoso.com\\IT Helpdesk", "pcpool.contoso.local\\Help Desk"),   # an imported room ...
    ("pc.contoso.com\\IT", "pcpool.contoso.local\\Engineering"),           # ... in an imported category
    ("pc01.contoso.com", "pc01.contoso.local"),                        # Persistent Chat server
    ("pc.contoso.com", "pcpool.contoso.local"),                        # Persistent Chat pool
    ("fe.contoso.com", "pool01.contoso.local"),                        # registrar (Front End) pool, §3.11
    ("gcpool.contoso.com", "gcpool.contoso.local"),                    # Lync 2010 trusted application pool
    ("<appId>", "urn:application:groupchat"),
    ("OU=IT,DC=contoso,DC=com", "OU=Lync Users,DC=contoso,DC=local"),
    ("sip:admin@contoso.com", "sip:alice@contoso.local"),              # a creator inside that OU
    ("sip:oldroot@contoso.com", "sip:user0000@contoso.local"),         # the dataset's legacy root manager
    ("sip:t1@contoso.com", "sip:alice@contoso.local"),                 # test users homed on 2013
    ("sip:t2@contoso.com", "sip:bob@contoso.local"),
    ("DC=contoso,DC=com", "DC=contoso,DC=local"),
    ("contoso.com", "contoso.local"),                                  # SIP / AD domain
]


def for_lab(reference_text: str) -> str:
    script = reference_text
    for placeholder, lab_name in PLACEHOLDERS:
        script = script.replace(placeholder, lab_name)
    return script


# --------------------------------------------------------------------------------------- the examples

@dataclass
class Step:
    id: str
    section: str
    reference: str                      # the reference's text, verbatim ("" for setup steps)
    rc: int                             # expected run_ps status code
    check: Callable = None              # check(env, result) -> raises AssertionError
    setup: str = ""                     # a setup step's own script (not an example)
    before: Optional[Callable] = None   # probe run before the step; its value reaches check as env.before

    @property
    def script(self) -> str:
        return self.setup or for_lab(self.reference)

    @property
    def is_example(self) -> bool:
        return not self.setup


@dataclass
class Outcome:
    step: Step
    rc: int = None
    out: str = ""
    err: str = ""
    failure: str = ""


@dataclass
class Env:
    fe01: winrm.Session
    control_url: str
    before: object = None

    def ps(self, script: str):
        result = self.fe01.run_ps(script)
        # pywinrm's shell runs under codepage 437 (its default), so that is what the output is in.
        return result.status_code, result.std_out.decode("cp437"), result.std_err.decode("cp437")

    def json(self, script: str):
        rc, out, err = self.ps(script)
        assert rc == 0, "probe failed: %s\n%s" % (script, err)
        return json.loads(out) if out.strip() else None

    def count(self, script: str) -> int:
        rc, out, err = self.ps("@(%s).Count" % script)
        assert rc == 0, "probe failed: %s\n%s" % (script, err)
        return int(out.strip())

    def state(self) -> dict:
        with urllib.request.urlopen(self.control_url + "/state", timeout=30) as response:
            return json.loads(response.read())["backends"]["lync"]


def listed(out: str, name: str) -> list:
    """Values of ``Name : value`` lines of Format-List output."""
    return [m.group(1).strip() for m in re.finditer(r"^%s\s*:\s*(.*)$" % re.escape(name), out, re.M)]


def measured_count(out: str) -> int:
    counts = listed(out, "Count")
    assert len(counts) == 1, out
    return int(counts[0])


def as_list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


# --- checks, one per step ------------------------------------------------------------------------

def check_service(env, r):
    assert "PersistentChatServer:pcpool.contoso.local" in listed(r.out, "Identity"), r.out
    assert listed(r.out, "PoolFqdn") == ["pcpool.contoso.local"]


def check_state(env, r):
    assert re.search(r"^PersistentChatServer:pcpool\.contoso\.local\s+Normal\s*$", r.out, re.M), r.out


def check_stopped(env, r):
    services = env.state()["services"]["pc01"]
    assert services and set(services.values()) == {"Stopped"}, services     # every Lync service on PC01
    assert set(env.state()["services"]["fe01"].values()) == {"Running"}     # other boxes untouched


def check_export(level):
    def check(env, r):
        export = env.state()["migration_log"][-1]
        assert (export["action"], export["level"]) == ("export", level), export
        assert export["source"].lower().endswith("groupchat.db"), export            # the legacy database
        seeded = env.state()["databases"]["seed_summary"]["legacy"]
        assert export["counts"]["rooms"] == seeded["rooms"] and export["counts"]["categories"] == seeded["categories"]
        files = env.json("Get-ChildItem \\\\fs01\\Backups | Select-Object Name,Length | ConvertTo-Json -Compress")
        sizes = {f["Name"]: f["Length"] for f in as_list(files)}
        report = "export.html"
        assert sizes.get("gc.zip", 0) > 0 and sizes.get(report, 0) > 0, sizes
    return check


def probe_mgc_rooms(env):
    return env.count("Get-CsPersistentChatRoom")


def check_whatif(report):
    def check(env, r):
        assert env.before == 0 and probe_mgc_rooms(env) == 0, "-WhatIf wrote to mgc"
        entry = env.state()["migration_log"][-1]
        assert (entry["action"], entry["whatif"]) == ("import", True), entry
        # The standard dataset plants a room whose prefixed name passes 256 characters (§6.5): -WhatIf
        # reports it as an error (hence exit 1) and the invitation conflict as a warning (§6.3).
        assert entry["errors"] == 1 and "256" in r.err, r.err[-2000:]
        assert "Invitation conflict room" in r.err
        assert env.count("Get-ChildItem \\\\fs01\\Backups\\%s" % report) == 1
    return check


def check_import(env, r):
    seeded = env.state()["databases"]["seed_summary"]["legacy"]
    assert env.before == 0
    assert probe_mgc_rooms(env) == seeded["rooms"] - 1          # all but the one over 256 characters
    assert env.count("Get-CsPersistentChatCategory") == seeded["categories"]
    entry = env.state()["migration_log"][-1]
    assert (entry["action"], entry["whatif"], entry["errors"]) == ("import", False, 1), entry
    assert env.count("Get-ChildItem \\\\fs01\\Backups\\import.html") == 1


def check_robocopy(env, r):
    assert "Files :" in r.out and "\\\\gc01\\GroupChatFiles\\" in r.out, r.out[-1500:]
    source = env.count("Get-ChildItem -Recurse -File \\\\gc01\\GroupChatFiles")
    copied = env.count("Get-ChildItem -Recurse -File \\\\fs01\\LyncShare\\1-PersistentChatService-1")
    assert source > 0 and copied == source, (source, copied)


def check_category_count(env, r):
    assert measured_count(r.out) == env.state()["databases"]["seed_summary"]["legacy"]["categories"]


def check_room_count(env, r):
    assert measured_count(r.out) == env.state()["databases"]["seed_summary"]["legacy"]["rooms"] - 1


def check_disabled_rooms(env, r):
    flags = listed(r.out, "Disabled")
    seeded = env.state()["databases"]["seed_summary"]["legacy"]["notable"]["disabled_rooms"]
    assert flags and set(flags) == {"True"} and len(flags) == len(seeded), r.out
    names = listed(r.out, "Name")
    for room in seeded:        # nested categories prefix the room name on import (§1.7)
        room = room.encode("cp437", "replace").decode("cp437")      # as codepage 437 prints it
        assert any(name == room or name.endswith("_" + room) for name in names), (room, names)


def check_addins(env, r):
    assert {"pcpool.contoso.local\\Wiki", "pcpool.contoso.local\\Tickets"} <= set(r.out.split()), r.out


def check_new_category(env, r):
    category = env.json("Get-CsPersistentChatCategory -Identity 'pcpool.contoso.local\\HelpDesk' | ConvertTo-Json")
    assert (category["Name"], category["Invites"], category["FileUpload"]) == ("HelpDesk", True, True), category


def check_new_addin(env, r):
    addin = env.json("Get-CsPersistentChatAddin -Identity 'pcpool.contoso.local\\ITAddin' | ConvertTo-Json")
    assert addin["Url"] == "https://intranet.contoso.local/it", addin


def check_configuration(env, r):
    assert env.state()["configuration"]["Global"]["DefaultChatHistory"] == 100
    assert env.json("(Get-CsPersistentChatConfiguration -Identity global).DefaultChatHistory | ConvertTo-Json") == 100


def check_category_acl(env, r):
    category = env.json("Get-CsPersistentChatCategory -Identity 'pcpool.contoso.local\\Engineering' | ConvertTo-Json")
    assert "OU=Lync Users,DC=contoso,DC=local" in category["AllowedMembers"], category
    assert "sip:alice@contoso.local" in category["Creators"], category


def room_managers(env):
    room = env.json("Get-CsPersistentChatRoom -Identity 'pcpool.contoso.local\\Help Desk' | ConvertTo-Json")
    return as_list(room["Managers"])


def check_manager_removed(env, r):
    assert "sip:user0000@contoso.local" in env.before, env.before      # a root manager became room manager (§6.4)
    after = room_managers(env)
    assert "sip:user0000@contoso.local" not in after
    assert set(after) == set(env.before) - {"sip:user0000@contoso.local"}


ENDPOINT = ('New-CsPersistentChatEndpoint -SipAddress "sip:ocschat@contoso.com" -PersistentChatPoolFqdn '
            'pc.contoso.com -DisplayName "Legacy Group Chat lookup"')


def check_endpoint_refused(env, r):
    assert "SipAddressInUse" in r.err and "already in use" in r.err, r.err
    endpoints = [e["sip_address"] for e in env.state()["directory"]["endpoints"]]
    assert endpoints and "sip:ocschat@contoso.local" not in endpoints, endpoints
    assert env.count("Get-CsPersistentChatEndpoint | Where-Object {$_.SipAddress -eq 'sip:ocschat@contoso.local'}") == 0


def check_user_removed(env, r):
    assert not [u for u in env.state()["directory"]["users"] if u["sam"] == "ocschat"]


def check_endpoint(env, r):
    endpoint = env.json("Get-CsPersistentChatEndpoint -Identity 'sip:ocschat@contoso.local' | ConvertTo-Json")
    assert (endpoint["DisplayName"], endpoint["PersistentChatPoolFqdn"]) == (
        "Legacy Group Chat lookup", "pcpool.contoso.local"), endpoint


def check_global_policy(env, r):
    assert env.state()["policies"]["Global"]["EnablePersistentChat"] is True


def check_grant(env, r):
    # -OU takes the OU and the OUs below it; the standard dataset's users sit in OU=Users,OU=Chat.
    users = [u for u in env.state()["directory"]["users"] if u["sip_address"]]
    in_ou = [u for u in users if u["dn"].endswith(",OU=Chat,DC=contoso,DC=local")]
    assert len(in_ou) > 100 and {u["persistent_chat_policy"] for u in in_ou} == {"PCEnabled"}, in_ou[:3]
    # The synthetic-test users keep the policy the topology granted them; everyone else outside is untouched
    # (alice, in OU=Chat,OU=Lync Users, is not below it).
    synthetic = [u for u in users if u["sip_address"] in SYNTHETIC_TEST_USERS]
    assert {u["persistent_chat_policy"] for u in synthetic} == {"PCSyntheticTests"} and len(synthetic) == 2
    others = [u for u in users if u not in in_ou and u not in synthetic]
    assert others and {u["persistent_chat_policy"] for u in others} == {None}, others


def check_users_without_policy(env, r):
    expected = {u["sip_address"] for u in env.state()["directory"]["users"]
                if u["sip_address"] and u["persistent_chat_policy"] is None}
    assert expected and set(listed(r.out, "SipAddress")) == expected, r.out[:1500]


def check_compliance(env, r):
    config = env.state()["compliance"]["Global"]
    assert config["AdapterType"] == "Microsoft.Rtc.Internal.Chat.Server.Compliance.XmlAdapter,compliance"
    assert (config["AdapterOutputDirectory"], str(config["RunInterval"])) == ("\\\\fs01\\pccompliance", "0:15:00")


def check_test_message_null_credentials(env, r):
    # $c1/$c2 are not set in the example: PowerShell refuses to bind $null to a mandatory PSCredential.
    assert "Cannot bind argument to parameter 'SenderCredential' because it is null." in r.err, r.err
    assert "ParameterArgumentValidationErrorNullNotAllowed" in r.err
    assert "Result" not in r.out


def check_credential_without_password_refused(env, r):
    # The documented way to build $c1/$c2, with $pw never set: the PSCredential constructor's own error.
    assert 'Exception calling ".ctor" with "2" argument(s): "Cannot process argument because the value of argument ' \
           '"password" is null.' in r.err, r.err
    assert "ConstructorInvokedThrowException,Microsoft.PowerShell.Commands.NewObjectCommand" in r.err


def check_test_message_success(env, r):
    # Without credentials (the pool's test-user set) the same test succeeds: alice and bob are homed on
    # the 2013 pool, the global policy enables them, rooms exist and the service runs again (§6.10).
    assert listed(r.out, "Result") == ["Success"], r.out


def check_get_credential_refused(env, r):
    # Lync's synthetic-transaction help builds the credentials with Get-Credential: refused as such.
    assert "NotImplemented" in r.err and "does not support the cmdlet Get-Credential" in r.err, r.err


def check_test_message_with_string_credentials_refused(env, r):
    # A user name is no PSCredential: the parameter binder refuses it before the cmdlet runs.
    assert "Cannot bind parameter 'SenderCredential'. Cannot convert the \"CONTOSO\\alice\" value of type " \
           "\"System.String\" to type \"System.Management.Automation.PSCredential\"." in r.err, r.err
    assert "Result" not in r.out


def check_test_message_with_credentials_success(env, r):
    # The synthetic-test users log on with their lab passwords; the other checks hold as without credentials.
    assert listed(r.out, "Result") == ["Success"], r.out + r.err
    assert "PcTest" not in r.out and "PcTest" not in r.err


def check_test_message_wrong_password(env, r):
    assert listed(r.out, "Result") == ["Failure"], r.out
    assert "Registration of user sip:pctest2@contoso.local failed: 401 Unauthorized" in r.out, r.out
    assert "Wrong-" not in r.out and "PcTest" not in r.out


def check_trusted_apps_removed(env, r):
    assert env.state()["trusted_applications"] == [] and env.state()["trusted_application_pools"] == []
    assert env.count("Get-CsTrustedApplicationPool") == 0


def check_admin_role(env, r):
    roles = listed(r.out, "Identity")
    assert roles == ["CsPersistentChatAdministrator"], r.out[:1500]     # §6.11: the only role for Export


def no_check(env, r):
    pass


TEST_MESSAGE = ("Test-CsPersistentChatMessage -TargetFqdn fe.contoso.com -SenderSipAddress sip:t1@contoso.com "
                "-SenderCredential $c1 -ReceiverSipAddress sip:t2@contoso.com -ReceiverCredential $c2")

# The topology's synthetic-test users and the script a collection sends to test with their credentials.
SYNTHETIC_TEST_USERS = ("sip:pctest1@contoso.local", "sip:pctest2@contoso.local")
TEST_MESSAGE_SYNTHETIC = (
    "Test-CsPersistentChatMessage -TargetFqdn 'pool01.contoso.local' -SenderSipAddress 'sip:pctest1@contoso.local' "
    "-SenderCredential $c1 -ReceiverSipAddress 'sip:pctest2@contoso.local' -ReceiverCredential $c2 "
    "-Authentication Negotiate -RegistrarPort 5061 | Select-Object TargetFqdn, Result, Latency, Error, Diagnosis")


def credentials_script(password1: str, password2: str) -> str:
    return ("$p1=ConvertTo-SecureString -String '%s' -AsPlainText -Force\n"
            "$c1=New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList 'CONTOSO\\pctest1',$p1\n"
            "$p2=ConvertTo-SecureString -String '%s' -AsPlainText -Force\n"
            "$c2=New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList 'CONTOSO\\pctest2',$p2\n"
            % (password1, password2))


SEQUENCE = [
    Step("3.13-get-service", "3.13", "Get-CsService -PersistentChatServer                                   "
         "# pool availability / identity \"PersistentChatServer:pc.contoso.com\"", 0, check_service),
    Step("3.13-get-state", "3.13", "Get-CsPersistentChatState -Identity \"PersistentChatServer:pc.contoso.com\"   "
         "# expect PoolState = Normal", 0, check_state),
    Step("3.13-stop-services", "3.13", "Stop-CsWindowsService -ComputerName pc01.contoso.com                  "
         "# -Name is optional; without it all Lync services on the box stop [INF; switches -Graceful, -NoWait, "
         "-LeaveClsAgentRunning, -LeaveWebServerRunning exist]. -Name takes the service name, not display name "
         "(PC name: see §5)", 0, check_stopped),
    Step("3.1-export", "3.1", "Export-CsPersistentChatData -DBInstance \"gcsql.contoso.com\\gcinst\" -DBName "
         "\"GroupChat\" -FileName \"D:\\Migr\\gc.zip\" -Level All -Report \"D:\\Migr\\export.html\"", 0,
         check_export("All")),
    Step("3.2-import-whatif", "3.2", "Import-CsPersistentChatData -DBInstance \"pcsql.contoso.com\\rtc\" -FileName "
         "\"D:\\Migr\\gc.zip\" -Report \"D:\\Migr\\import-whatif.html\" -WhatIf", 1, check_whatif("import-whatif.html"),
         before=probe_mgc_rooms),
    Step("3.13-export", "3.13", "Export-CsPersistentChatData -DBInstance \"gcsql.contoso.com\\gc\" -DBName "
         "\"<legacy db>\" -FileName \"D:\\Migr\\gc.zip\" -Report \"D:\\Migr\\export.html\"", 0, check_export("All")),
    Step("3.13-import-whatif", "3.13", "Import-CsPersistentChatData -DBInstance \"pcsql.contoso.com\\rtc\" -FileName "
         "\"D:\\Migr\\gc.zip\" -Report \"D:\\Migr\\whatif.html\" -WhatIf", 1, check_whatif("whatif.html"),
         before=probe_mgc_rooms),
    Step("3.13-import", "3.13", "Import-CsPersistentChatData -DBInstance \"pcsql.contoso.com\\rtc\" -FileName "
         "\"D:\\Migr\\gc.zip\" -Report \"D:\\Migr\\import.html\" -Confirm:$false", 1, check_import,
         before=probe_mgc_rooms),
    Step("3.13-robocopy", "3.13", "robocopy \\\\gc01\\<legacy repository> \\\\fs01\\lyncshare\\<PC file store folder> "
         "/E /COPY:DAT   # docs say \"XCOPY … the entire folder\"", 1, check_robocopy),
    Step("3.13-count-categories", "3.13", "Get-CsPersistentChatCategory -PersistentChatPoolFqdn pc.contoso.com | "
         "Measure-Object", 0, check_category_count),
    Step("3.13-count-rooms", "3.13", "Get-CsPersistentChatRoom -PersistentChatPoolFqdn pc.contoso.com -ResultSize "
         "100000 | Measure-Object", 0, check_room_count),
    Step("3.13-disabled-rooms", "3.13", "Get-CsPersistentChatRoom -Disabled $true", 0, check_disabled_rooms),
    Step("3.13-addins", "3.13", "Get-CsPersistentChatAddin -PersistentChatPoolFqdn pc.contoso.com", 0, check_addins),
    Step("3.5-new-category", "3.5", "New-CsPersistentChatCategory -Name \"HelpDesk\" -PersistentChatPoolFqdn "
         "\"pc.contoso.com\" -EnableFileUpload -EnableInvitations", 0, check_new_category),
    Step("3.7-new-addin", "3.7", "New-CsPersistentChatAddin -Name \"ITAddin\" -PersistentChatPoolFqdn "
         "\"pc.contoso.com\" -Url \"https://intranet.contoso.com/it\"", 0, check_new_addin),
    Step("3.8-set-configuration", "3.8", "Set-CsPersistentChatConfiguration -Identity global -DefaultChatHistory 100",
         0, check_configuration),
    Step("3.13-category-acl", "3.13", "Set-CsPersistentChatCategory -Identity \"pc.contoso.com\\IT\" -AllowedMembers "
         "@{Add=\"OU=IT,DC=contoso,DC=com\"} -Creators @{Add=\"sip:admin@contoso.com\"}", 0, check_category_acl),
    Step("3.13-remove-manager", "3.13", "Set-CsPersistentChatRoom -Identity \"pc.contoso.com\\IT Helpdesk\" "
         "-Managers @{Remove=\"sip:oldroot@contoso.com\"}", 0, check_manager_removed, before=room_managers),
    # §6.9: the endpoint cannot take the SIP address while the legacy ocschat user holds it.
    Step("3.13-endpoint-while-ocschat-exists", "3.13 + §6.9", ENDPOINT, 1, check_endpoint_refused),
    Step("setup-remove-ocschat", "§1.4/§6.9", "", 0, check_user_removed,
         setup="Remove-ADUser -Identity ocschat -Confirm:$false"),
    Step("3.13-endpoint", "3.13", ENDPOINT, 0, check_endpoint),
    Step("3.13-global-policy", "3.13", "Set-CsPersistentChatPolicy -Identity global -EnablePersistentChat $true", 0,
         check_global_policy),
    Step("setup-pcenabled-policy", "§3.9", "", 0, no_check,
         setup="New-CsPersistentChatPolicy -Identity PCEnabled -EnablePersistentChat $true"),
    Step("3.13-grant-policy", "3.13", "Get-CsUser -OU \"OU=Chat,DC=contoso,DC=com\" | Grant-CsPersistentChatPolicy "
         "-PolicyName \"PCEnabled\"", 0, check_grant),
    Step("3.9-users-without-policy", "3.9", "Get-CsUser -Filter {PersistentChatPolicy -eq $null}", 0,
         check_users_without_policy),
    Step("3.13-compliance", "3.13", "Set-CsPersistentChatComplianceConfiguration -Identity global -AdapterType "
         "\"Microsoft.Rtc.Internal.Chat.Server.Compliance.XmlAdapter,compliance\" -AdapterOutputDirectory "
         "\"\\\\fs01\\pccompliance\" -RunInterval \"00:15:00\"", 0, check_compliance),
    Step("setup-start-services", "§1.9", "", 0, no_check,
         setup="Start-CsWindowsService -ComputerName pc01.contoso.local"),
    Step("3.13-test-message", "3.13", TEST_MESSAGE, 1, check_test_message_null_credentials),
    Step("setup-test-message-without-credentials", "§3.11", "", 0, check_test_message_success,
         setup=for_lab(TEST_MESSAGE).replace(" -SenderCredential $c1", "").replace(" -ReceiverCredential $c2", "")),
    Step("setup-credentials", "§3.11", "", 1, check_credential_without_password_refused,
         setup='$c1 = New-Object System.Management.Automation.PSCredential -ArgumentList "CONTOSO\\alice", $pw'),
    Step("setup-test-message-with-credentials", "§3.11", "", 0, check_test_message_with_credentials_success,
         setup=credentials_script("PcTest1-Lab!", "PcTest2-Lab!") + TEST_MESSAGE_SYNTHETIC),
    Step("setup-test-message-wrong-password", "§3.11", "", 0, check_test_message_wrong_password,
         setup=credentials_script("PcTest1-Lab!", "Wrong-Passw0rd") + TEST_MESSAGE_SYNTHETIC),
    Step("setup-get-credential", "§3.11", "", 1, check_get_credential_refused,
         setup='$c1 = Get-Credential "CONTOSO\\alice"'),
    Step("setup-test-message-with-credential", "§3.11", "", 1, check_test_message_with_string_credentials_refused,
         setup="$c1 = 'CONTOSO\\alice'; $c2 = 'CONTOSO\\bob'; " + for_lab(TEST_MESSAGE)),
    Step("3.13-remove-trusted-application", "3.13", "Remove-CsTrustedApplication -Identity "
         "\"gcpool.contoso.com/<appId>\" -Force ; Remove-CsTrustedApplicationPool -Identity gcpool.contoso.com -Force",
         0, check_trusted_apps_removed),
    Step("3.12-admin-roles", "3.12",
         "Get-CsAdminRole | Where-Object {$_.Cmdlets -match \"Export-CsPersistentChatData\"}", 0, check_admin_role),
]


# ----------------------------------------------------------------------------------------- fixtures

def _reset(control_url: str) -> None:
    request = urllib.request.Request(control_url + "/reset", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200


@pytest.fixture(scope="module")
def outcomes(lab, endpoints, control_url):
    """Run SEQUENCE once, in order, on a freshly reset lab; the lab is reset again afterwards."""
    _reset(control_url)
    # Export/Import sleep rows / rows_per_second to imitate real durations; the pacing is not what these
    # tests are about, so it is switched off for this run (the reset below restores the topology's).
    lab.backends["lync"].rows_per_second = 0
    # CredSSP: the sequence crosses the second hop (export from the legacy SQL host, robocopy between
    # shares), which the lab refuses to a network logon as a domain does.
    session = winrm.Session(endpoints["FE01"]["http"], auth=("CONTOSO\\" + LAB_USER, LAB_PASSWORD),
                            transport="credssp")
    env = Env(session, control_url)
    results = {}
    try:
        for step in SEQUENCE:
            outcome = Outcome(step)
            try:
                env.before = step.before(env) if step.before else None
                outcome.rc, outcome.out, outcome.err = env.ps(step.script)
                assert outcome.rc == step.rc, "exit code %s, expected %s" % (outcome.rc, step.rc)
                step.check(env, outcome)
            except AssertionError as exc:
                outcome.failure = str(exc) or repr(exc)
            results[step.id] = outcome
    finally:
        _reset(control_url)
    return results


# ------------------------------------------------------------------------------------------- tests

@pytest.mark.parametrize("step", SEQUENCE, ids=[s.id for s in SEQUENCE])
def test_reference_invocation(outcomes, step):
    outcome = outcomes[step.id]
    if outcome.failure:
        pytest.fail("%s\nscript: %s\nrc: %s\nstdout: %s\nstderr: %s" % (
            outcome.failure, step.script, outcome.rc, outcome.out[-2000:], outcome.err[-2000:]), pytrace=False)


def test_placeholders_leave_no_reference_name_behind():
    for step in SEQUENCE:
        if step.is_example:
            script = step.script
            assert "contoso.com" not in script and not re.search(r"<[a-z][^>]*>", script), script
            assert "litwareinc" not in script


@pytest.mark.skipif(not REFERENCE.is_file(), reason="the domain reference is not on this machine")
def test_table_holds_every_example_of_the_reference():
    """The table is the reference's §3.1–§3.13 examples, verbatim, and all of them."""
    text = REFERENCE.read_text(encoding="utf-8")
    section = text[text.index("## 3. Cmdlets"):text.index("## 4. Data model")]
    examples = re.findall(r"^- Example: `([^`]+)`", section, re.M)
    block = section[section.index("### 3.13"):]
    block = block[block.index("```powershell") + len("```powershell"):]
    examples += [line for line in block[:block.index("```")].splitlines() if line.strip()]
    inline = ["Get-CsUser -Filter {PersistentChatPolicy -eq $null}",
              "Get-CsAdminRole | Where-Object {$_.Cmdlets -match \"Export-CsPersistentChatData\"}"]
    for command in inline:
        assert "`%s`" % command in section
    in_table = {step.reference for step in SEQUENCE if step.is_example}
    assert set(examples) | set(inline) == in_table
