"""The Lync backend and its cmdlets called directly (without the PowerShell engine): state, documented
rules and permissions. Parameter binding through the engine is tested in test_lync_engine.py."""
from __future__ import annotations

import datetime as dt

import pytest

import pchat_lab.lync.cmdlets  # noqa: F401  registers the cmdlets even before a Lab exists
from pchat_lab.lab import Lab
from pchat_lab.powershell.api import REGISTRY, BoundArguments, CmdletContext, PSError, PSListModifier

from conftest import lync_topology


class FakeContext(CmdletContext):
    def __init__(self, lab, host, name, user, whatif=False):
        self.lab, self.host, self.name, self.user = lab, host, name, user
        self._whatif = whatif
        self.warnings, self.errors, self.verbose = [], [], []

    def write_warning(self, message):
        self.warnings.append(message)

    def write_verbose(self, message):
        self.verbose.append(message)

    def write_error(self, error):
        self.errors.append(error)

    def should_process(self, target, action):
        return not self._whatif

    @property
    def whatif(self):
        return self._whatif

    def get_variable(self, name, default=None):
        return default


def run(lab, name, host="FE01", user="lyncadmin", whatif=False, **params):
    spec = REGISTRY.find(name)
    assert spec is not None, name
    declared = {p.name for p in spec.params}
    assert set(params) <= declared, "undeclared parameters %s" % (set(params) - declared)
    ctx = FakeContext(lab, lab.host(host), spec.name, user, whatif)
    args = BoundArguments(params)
    result = spec.func(ctx, args, [])
    return list(result or []), ctx


def params_of(name):
    return {p.name: p for p in REGISTRY.find(name).params}


# ------------------------------------------------------------------------------------------- topology

def test_init_adds_persistent_chat_and_legacy_services_to_their_hosts(lync_lab):
    assert lync_lab.host("PC01").services["RTCCHAT"].status == "Running"
    assert lync_lab.host("PC01").services["RTCCHATCOMPLIANCE"].display_name == "Lync Server Persistent Chat Compliance"
    assert lync_lab.host("GC01").services["GroupChatChannel"].status == "Running"
    assert "RTCCHAT" not in lync_lab.host("GC01").services


def test_rbac_groups_hold_the_topology_accounts(lync_lab):
    directory = lync_lab.backends["lync"].directory
    assert directory.is_member("lyncadmin", "CsPersistentChatAdministrator")
    assert directory.is_member("lyncadmin", "RTCUniversalServerAdmins")
    assert not directory.is_member("readonly", "CsPersistentChatAdministrator")


def test_legacy_database_principals_are_ad_users_homed_on_the_legacy_pool(lync_lab):
    lync = lync_lab.backends["lync"]
    user = lync.directory.find_user("sip:user0000@contoso.local")
    assert user is not None and user.registrar_pool == "pool2010.contoso.local"
    assert lync.directory.find_user("sip:partner00@fabrikam.com") is None      # federated: no AD object


def test_odbc_connection_strings_name_every_instance(lync_lab):
    strings = lync_lab.backends["lync"].odbc_connection_strings()
    assert "groupchat.db" in strings["sql01.contoso.local\\GROUPCHAT"]
    assert "mgc.db" in strings["sql01.contoso.local\\RTC"]
    assert "mgccomp.db" in strings["sql01.contoso.local\\RTC/mgccomp"]


def test_ocs2007r2_topology_has_no_trusted_application_pool(tmp_path):
    lab = Lab(lync_topology("ocs2007r2"), tmp_path, dataset="small")
    try:
        pools, _ = run(lab, "Get-CsTrustedApplicationPool")
        assert pools == []
        assert lab.backends["lync"].topo.legacy.flavour == "ocs2007r2"
        assert lab.host("GC01").products[0]["version"] == "3.5.6907.0"
    finally:
        lab.backends["lync"].stop()


# --------------------------------------------------------------------------------------- declarations

def test_export_declares_only_documented_parameters():
    assert set(params_of("Export-CsPersistentChatData")) == {
        "DBInstance", "DBName", "FileName", "AsBytes", "Level", "Scope", "StartDate", "DisableExportedNodes",
        "Report"}
    assert params_of("Export-CsPersistentChatData")["Level"].values == (
        "All", "User", "Category", "RoomDirectory", "Content")


def test_import_has_no_dbname_and_supports_whatif():
    assert set(params_of("Import-CsPersistentChatData")) == {"DBInstance", "FileName", "ByteInput", "Report"}
    assert REGISTRY.find("Import-CsPersistentChatData").should_process


def test_pool_state_values_are_normal_and_failedover_only():
    assert params_of("Set-CsPersistentChatState")["PoolState"].values == ("Normal", "FailedOver")


def test_cmdlets_are_registered_in_their_modules():
    assert REGISTRY.find("Get-CsService").module == "Lync"
    assert REGISTRY.find("Remove-ADUser").module == "ActiveDirectory"
    assert REGISTRY.find("Invoke-Sqlcmd").module == "SqlServer"


# ------------------------------------------------------------------------------------------ services

def test_get_cs_service_persistent_chat_server(lync_lab):
    services, _ = run(lync_lab, "Get-CsService", PersistentChatServer=True)
    assert [s["Identity"] for s in services] == ["PersistentChatServer:pcpool.contoso.local"]
    assert services[0]["PoolFqdn"] == "pcpool.contoso.local"
    assert services[0]["SiteId"] == "Site:Redmond"


def test_stop_and_start_cs_windows_service_on_another_computer(lync_lab):
    run(lync_lab, "Stop-CsWindowsService", ComputerName="pc01.contoso.local")
    assert lync_lab.host("PC01").services["RTCCHAT"].status == "Stopped"
    assert lync_lab.host("FE01").services["RTCSRV"].status == "Running"
    listed, _ = run(lync_lab, "Get-CsWindowsService", host="PC01", Name="RTCCHAT")
    assert str(listed[0]["Status"]) == "Stopped"
    run(lync_lab, "Start-CsWindowsService", host="PC01", Name="RTCCHAT")
    assert lync_lab.host("PC01").services["RTCCHAT"].status == "Running"


def test_cs_windows_service_refuses_the_legacy_server(lync_lab):
    with pytest.raises(PSError, match="not a Lync Server computer"):
        run(lync_lab, "Stop-CsWindowsService", ComputerName="gc01")


def test_unknown_service_name_is_an_error(lync_lab):
    with pytest.raises(PSError, match="Cannot find any service"):
        run(lync_lab, "Get-CsWindowsService", host="PC01", Name="RTCNOPE")


# --------------------------------------------------------------------------------------- permissions

def test_readonly_user_is_denied_lync_cmdlets(lync_lab):
    with pytest.raises(PSError) as info:
        run(lync_lab, "Get-CsPersistentChatState", user="readonly")
    assert info.value.category == "PermissionDenied"
    assert "CONTOSO\\readonly" in info.value.message


def test_export_needs_persistent_chat_administrator(lync_lab):
    lync = lync_lab.backends["lync"]
    group = lync.directory.groups["cspersistentchatadministrator"]
    group.members = [m for m in group.members if m.lower() != "lyncadmin"]
    with pytest.raises(PSError) as info:
        run(lync_lab, "Export-CsPersistentChatData", DBInstance="sql01.contoso.local\\GROUPCHAT",
            DBName="GroupChat", FileName="C:\\gc.zip")
    assert info.value.category == "PermissionDenied"
    # RTCUniversalServerAdmins still runs the other cmdlets
    run(lync_lab, "Get-CsPersistentChatState")


def test_unknown_user_is_denied(lync_lab):
    with pytest.raises(PSError):
        run(lync_lab, "Get-CsService", user="")


# -------------------------------------------------------------------------------------- state/config

def test_pool_state_round_trip_and_identity_forms(lync_lab):
    run(lync_lab, "Set-CsPersistentChatState", Identity="service:pcpool.contoso.local", PoolState="FailedOver")
    states, _ = run(lync_lab, "Get-CsPersistentChatState", Identity="PersistentChatServer:pcpool.contoso.local")
    assert str(states[0]["PoolState"]) == "FailedOver"
    with pytest.raises(PSError):
        run(lync_lab, "Get-CsPersistentChatState", Identity="PersistentChatServer:other.contoso.local")


def test_configuration_defaults_new_scope_and_global_reset(lync_lab):
    config, _ = run(lync_lab, "Get-CsPersistentChatConfiguration", Identity="global")
    assert (config[0]["DefaultChatHistory"], config[0]["MaxFileSizeKB"], config[0]["ParticipantUpdateLimit"]) == (
        30, 20000, 75)
    run(lync_lab, "Set-CsPersistentChatConfiguration", DefaultChatHistory=100)
    assert run(lync_lab, "Get-CsPersistentChatConfiguration")[0][0]["DefaultChatHistory"] == 100
    run(lync_lab, "New-CsPersistentChatConfiguration", Identity="site:Redmond", MaxFileSizeKB=5000)
    with pytest.raises(PSError, match="already exists"):
        run(lync_lab, "New-CsPersistentChatConfiguration", Identity="site:Redmond")
    with pytest.raises(PSError):
        run(lync_lab, "New-CsPersistentChatConfiguration", Identity="site:Nowhere")
    run(lync_lab, "Remove-CsPersistentChatConfiguration", Identity="global")
    assert run(lync_lab, "Get-CsPersistentChatConfiguration", Identity="global")[0][0]["DefaultChatHistory"] == 30


def test_policy_off_by_default_and_grant(lync_lab):
    policies, _ = run(lync_lab, "Get-CsPersistentChatPolicy")
    assert policies[0]["EnablePersistentChat"] is False
    run(lync_lab, "New-CsPersistentChatPolicy", Identity="PCEnabled", EnablePersistentChat=True)
    run(lync_lab, "Grant-CsPersistentChatPolicy", Identity="sip:alice@contoso.local", PolicyName="PCEnabled")
    users, _ = run(lync_lab, "Get-CsUser", Filter="PersistentChatPolicy -eq $null")
    assert "sip:alice@contoso.local" not in [u["SipAddress"] for u in users]
    assert "sip:bob@contoso.local" in [u["SipAddress"] for u in users]
    with pytest.raises(PSError, match="does not exist"):
        run(lync_lab, "Grant-CsPersistentChatPolicy", Identity="bob", PolicyName="Missing")


def test_compliance_run_interval_range(lync_lab):
    run(lync_lab, "Set-CsPersistentChatComplianceConfiguration", RunInterval=dt.timedelta(minutes=30))
    with pytest.raises(PSError):
        run(lync_lab, "Set-CsPersistentChatComplianceConfiguration", RunInterval=dt.timedelta(seconds=10))


# ------------------------------------------------------------------------------------------ endpoint

def test_endpoint_conflicts_with_ocschat_until_the_user_is_removed(lync_lab):
    with pytest.raises(PSError) as info:
        run(lync_lab, "New-CsPersistentChatEndpoint", SipAddress="sip:ocschat@contoso.local",
            PersistentChatPoolFqdn="pcpool.contoso.local")
    assert "already in use" in info.value.message
    run(lync_lab, "Remove-ADUser", Identity="ocschat")
    made, _ = run(lync_lab, "New-CsPersistentChatEndpoint", SipAddress="sip:ocschat@contoso.local",
                  PersistentChatPoolFqdn="pcpool.contoso.local", PassThru=True)
    assert made[0]["SipAddress"] == "sip:ocschat@contoso.local"
    found, _ = run(lync_lab, "Get-CsPersistentChatEndpoint", Identity="sip:ocschat@contoso.local")
    assert found[0]["PersistentChatPoolFqdn"] == "pcpool.contoso.local"


def test_endpoint_needs_sip_prefix_and_known_pool(lync_lab):
    with pytest.raises(PSError):
        run(lync_lab, "New-CsPersistentChatEndpoint", SipAddress="pc@contoso.local",
            PersistentChatPoolFqdn="pcpool.contoso.local")
    with pytest.raises(PSError):
        run(lync_lab, "New-CsPersistentChatEndpoint", SipAddress="sip:pc@contoso.local",
            PersistentChatPoolFqdn="nopool.contoso.local")


def test_remove_aduser_needs_domain_admins(lync_lab):
    with pytest.raises(PSError, match="Insufficient access rights"):
        run(lync_lab, "Remove-ADUser", user="readonly", Identity="ocschat")
    assert lync_lab.backends["lync"].directory.find_user("ocschat") is not None


def test_get_aduser_not_found_message(lync_lab):
    with pytest.raises(PSError, match="Cannot find an object with identity: 'nobody' under: 'DC=contoso,DC=local'"):
        run(lync_lab, "Get-ADUser", Identity="nobody")
    users, _ = run(lync_lab, "Get-ADUser", Filter="SamAccountName -eq 'ocschat'",
                   Properties=["msRTCSIP-PrimaryUserAddress"])
    assert users[0]["msRTCSIP-PrimaryUserAddress"] == "sip:ocschat@contoso.local"


def test_get_adgroupmember_lists_rbac_members(lync_lab):
    members, _ = run(lync_lab, "Get-ADGroupMember", Identity="CsPersistentChatAdministrator")
    assert [m["SamAccountName"] for m in members] == ["lyncadmin"]
    roles, _ = run(lync_lab, "Get-CsAdminRoleAssignment", Identity="lyncadmin")
    assert "CsPersistentChatAdministrator" in roles


# ------------------------------------------------------------------------------------------ content

def test_category_room_addin_lifecycle_and_rules(lync_lab):
    pool = "pcpool.contoso.local"
    run(lync_lab, "New-CsPersistentChatCategory", Name="IT", EnableInvitations=True)
    run(lync_lab, "New-CsPersistentChatAddin", Name="Wiki2013", Url="https://wiki.contoso.local")
    run(lync_lab, "New-CsPersistentChatRoom", Name="Helpdesk", Category="%s\\IT" % pool, Addin="Wiki2013")
    room, _ = run(lync_lab, "Get-CsPersistentChatRoom", Identity="%s\\Helpdesk" % pool)
    assert (room[0]["Type"], room[0]["Privacy"], room[0]["Invitations"], room[0]["Addin"]) == (
        "Normal", "Closed", "Inherit", "Wiki2013")
    with pytest.raises(PSError, match="contains"):
        run(lync_lab, "Remove-CsPersistentChatCategory", Identity="%s\\IT" % pool)
    with pytest.raises(PSError, match="already exists"):
        run(lync_lab, "New-CsPersistentChatRoom", Name="IT", Category="IT")
    # a principal AD does not hold: the documented "not provisioned" error [§6.14] (AD users such as
    # alice are provisioned on demand, as the pool's AD sync does)
    with pytest.raises(PSError, match="not provisioned"):
        run(lync_lab, "Set-CsPersistentChatCategory", Identity="%s\\IT" % pool,
            AllowedMembers=PSListModifier(add=["sip:nobody@contoso.local"]))
    run(lync_lab, "Remove-CsPersistentChatRoom", Identity="%s\\Helpdesk" % pool)
    run(lync_lab, "Remove-CsPersistentChatCategory", Identity="%s\\IT" % pool)
    assert run(lync_lab, "Get-CsPersistentChatCategory")[0] == []


# ------------------------------------------------------------------------------ users and test message

def test_test_message_needs_home_pool_policy_room_and_running_service(lync_lab):
    def result(**extra):
        params = dict(TargetFqdn="pool01.contoso.local", SenderSipAddress="sip:carol@contoso.local",
                      ReceiverSipAddress="sip:bob@contoso.local")
        params.update(extra)
        out, _ = run(lync_lab, "Test-CsPersistentChatMessage", **params)
        return out[0]["Result"], out[0]["Error"]

    assert "not homed" in result()[1]                       # carol is on the 2010 pool
    run(lync_lab, "Move-CsUser", Identity="carol", Target="pool01.contoso.local")
    assert "not enabled for Persistent Chat" in result()[1]  # the global policy is off by default
    run(lync_lab, "Set-CsPersistentChatPolicy", EnablePersistentChat=True)
    assert "No chat room" in result()[1]
    run(lync_lab, "New-CsPersistentChatCategory", Name="Tests")
    run(lync_lab, "New-CsPersistentChatRoom", Name="Test room", Category="Tests")
    assert result() == ("Success", None)
    run(lync_lab, "Stop-CsWindowsService", host="PC01", Name="RTCCHAT")
    assert result()[0] == "Failure"


def test_move_cs_user_refuses_unknown_pool(lync_lab):
    with pytest.raises(PSError, match="was not found"):
        run(lync_lab, "Move-CsUser", Identity="carol", Target="pool99.contoso.local")
    users, _ = run(lync_lab, "Get-CsUser", OnLyncServer=True)
    assert "sip:carol@contoso.local" in [u["SipAddress"] for u in users]
    assert "sip:frank@contoso.local" not in [u["SipAddress"] for u in users]   # not SIP-enabled


def test_trusted_application_and_pool_removal(lync_lab):
    apps, _ = run(lync_lab, "Get-CsTrustedApplication")
    assert apps[0]["Identity"] == "gcpool.contoso.local/urn:application:groupchat"
    run(lync_lab, "Remove-CsTrustedApplication", Identity=apps[0]["Identity"], Force=True)
    run(lync_lab, "Remove-CsTrustedApplicationPool", Identity="TrustedApplicationPool:gcpool.contoso.local",
        Force=True)
    assert run(lync_lab, "Get-CsTrustedApplicationPool")[0] == []
    with pytest.raises(PSError, match="does not exist"):
        run(lync_lab, "Remove-CsTrustedApplicationPool", Identity="gcpool.contoso.local")
