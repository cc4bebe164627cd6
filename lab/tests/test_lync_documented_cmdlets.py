"""Documented Lync cmdlets and parameters the lab once answered "not recognized" or refused (issue 11,
class 5), run through the PowerShell engine from Microsoft's own examples (MicrosoftDocs/office-docs-
powershell, skype/skype-ps/SkypeForBusiness/<Cmdlet>.md, and the Lync 2013 "Manage rooms" page)."""
from __future__ import annotations

import datetime as dt

import pytest

from pchat_lab.chatdb.store import ChatStore
from pchat_lab.lync import ldapfilter
from pchat_lab.powershell.api import REGISTRY

from test_lync_engine import ps

POOL = "pcpool.contoso.local"


def _room_with_messages(lab):
    """Category IT open to CN=Users and OU=Lync Users, auditorium room ITChatRoom with three messages."""
    code, _, err = ps(lab, (
        "New-CsPersistentChatCategory -Name IT -PersistentChatPoolFqdn %(p)s | Out-Null; "
        "Set-CsPersistentChatCategory -Identity '%(p)s\\IT' -AllowedMembers @{Add='CN=Users,DC=contoso,DC=local',"
        "'OU=Lync Users,DC=contoso,DC=local'} -DeniedMembers @{Add='sip:dave@contoso.local'} | Out-Null; "
        "New-CsPersistentChatRoom -Name ITChatRoom -Category '%(p)s\\IT' -Type Auditorium | Out-Null") % {"p": POOL})
    assert code == 0, err
    store = lab.backends["lync"].db.store()
    store.provision_from_directory = lab.backends["lync"].directory.chat_principal
    try:
        store.post_message("ITChatRoom", "sip:alice@contoso.local", "Fabrikam meeting moved", dt.datetime(2012, 3, 1))
        store.post_message("ITChatRoom", "sip:bob@contoso.local", "Contoso and Fabrikam news", dt.datetime(2012, 5, 1))
        store.post_message("ITChatRoom", "sip:alice@contoso.local", "For internal use only", dt.datetime(2012, 6, 1))
    finally:
        store.close()


def _contents(lab, room="ITChatRoom"):
    with ChatStore(lab.backends["lync"].db.mgc_path) as store:
        return [m["Content"] for m in store.messages(room)]


@pytest.mark.parametrize("name", ["Remove-CsPersistentChatMessage", "Get-CsPersistentChatEligiblePrincipal",
                                  "Set-CsPersistentChatActiveServer", "Get-CsPool", "Get-CsAdPrincipal"])
def test_documented_cmdlets_are_known_to_the_lync_module(lync_lab, name):
    # "Not recognized" is only for names Windows would not know: these are in the Lync module's help.
    assert REGISTRY.find(name).module == "Lync"
    code, _, err = ps(lync_lab, "Get-Command %s | Out-Null" % name)
    assert code == 0 and "is not recognized" not in err, err


def test_remove_message_example_1_replaces_messages_on_or_before_the_end_date(lync_lab):
    _room_with_messages(lync_lab)
    # Example 1: Remove-CsPersistentChatMessage -Identity "atl-persistentchat-001.litwareinc.com\ITChatRoom"
    #            -EndDate "4/1/2012"  -- "removes all the Persistent Chat messages posted on or before April 1"
    # -ReplaceMessage: "By default, the replacement message reads 'This message was replaced by the
    # Persistent Chat administrator.'"
    code, _, err = ps(lync_lab, "Remove-CsPersistentChatMessage -Identity '%s\\ITChatRoom' -EndDate '4/1/2012'" % POOL)
    assert code == 0, err
    assert _contents(lync_lab) == ["This message was replaced by the Persistent Chat administrator.",
                                   "Contoso and Fabrikam news", "For internal use only"]


def test_remove_message_example_2_by_user_and_the_remove_switch(lync_lab):
    _room_with_messages(lync_lab)
    # Example 2: ... -Identity "...\ITChatRoom" -UserUri "sip:kenmyer@litwareinc.com"; -Remove "removes the
    # Persistent Chat message without leaving a replacement message".
    code, _, err = ps(lync_lab, "Remove-CsPersistentChatMessage -Identity '%s\\ITChatRoom' "
                                "-UserUri 'sip:alice@contoso.local' -Remove" % POOL)
    assert code == 0, err
    assert _contents(lync_lab) == ["Contoso and Fabrikam news"]


def test_remove_message_keywords_match_clause_and_replacement(lync_lab):
    _room_with_messages(lync_lab)
    # -Filter: "By default ... all the specified keywords"; MatchClause Or: "one or more of the keywords";
    # Exact: `-Filter "For internal use only" -MatchClause "Exact"`.
    assert ps(lync_lab, "Remove-CsPersistentChatMessage -Identity '%s\\ITChatRoom' -Filter 'Fabrikam Contoso' "
                        "-ReplaceMessage 'removed (all)'" % POOL)[0] == 0
    assert _contents(lync_lab) == ["Fabrikam meeting moved", "removed (all)", "For internal use only"]
    assert ps(lync_lab, "Remove-CsPersistentChatMessage -Identity '%s\\ITChatRoom' -Filter 'internal use only' "
                        "-MatchClause Exact -ReplaceMessage 'removed (exact)'" % POOL)[0] == 0
    assert _contents(lync_lab)[2] == "removed (exact)"
    # -CaseSensitive: "an uppercase 'A' will be treated as a different character than a lowercase 'a'"
    assert ps(lync_lab, "Remove-CsPersistentChatMessage -Identity '%s\\ITChatRoom' -Filter 'fabrikam' "
                        "-CaseSensitive $true -Remove" % POOL)[0] == 0
    assert len(_contents(lync_lab)) == 3
    assert ps(lync_lab, "Remove-CsPersistentChatMessage -Identity '%s\\ITChatRoom' -Filter 'fabrikam nothing' "
                        "-MatchClause Or -Remove" % POOL)[0] == 0
    assert _contents(lync_lab) == ["removed (all)", "removed (exact)"]


def test_remove_message_whatif_and_both_modes_refused(lync_lab):
    _room_with_messages(lync_lab)
    code, out, _ = ps(lync_lab, "Remove-CsPersistentChatMessage -Identity '%s\\ITChatRoom' -Remove -WhatIf" % POOL)
    assert code == 0 and "What if:" in out and len(_contents(lync_lab)) == 3
    # "You cannot use both the Remove parameter and the ReplaceMessage parameter in the same command."
    code, _, err = ps(lync_lab, "Remove-CsPersistentChatMessage -Identity '%s\\ITChatRoom' -Remove "
                                "-ReplaceMessage x" % POOL)
    assert code != 0 and "Parameter set cannot be resolved" in err


def test_eligible_principals_expand_containers_ous_and_skip_the_denied(lync_lab):
    _room_with_messages(lync_lab)
    # Example 1: Get-CsPersistentChatEligiblePrincipal -PersistentChatPoolFqdn "..." -Category "ITChat"
    code, out, err = ps(lync_lab, "Get-CsPersistentChatEligiblePrincipal -PersistentChatPoolFqdn %s -Category IT "
                                  "| ForEach-Object { $_.SipAddress }" % POOL)
    assert code == 0, err
    sips = set(out.split())
    assert {"sip:alice@contoso.local", "sip:pctest1@contoso.local", "sip:erin@contoso.local"} <= sips
    assert "sip:dave@contoso.local" not in sips              # on DeniedMembers
    # Example 3: ... -Room "HelpDeskChatRoom" -Presenters | Where-Object {$_.PersistentChatPrincipalType -ne "user"}
    code, out, err = ps(lync_lab, "Get-CsPersistentChatEligiblePrincipal -PersistentChatPoolFqdn %s -Room ITChatRoom "
                                  "-Presenters | Where-Object {$_.PersistentChatPrincipalType -ne 'user'} | "
                                  "ForEach-Object { $_.Identity }" % POOL)
    assert code == 0, err
    assert out.split("\r\n")[:2] == ["CN=Users,DC=contoso,DC=local", "OU=Lync Users,DC=contoso,DC=local"]
    # -Filter "can only filter on user SIP addresses"; -ResultSize limits the records.
    code, out, _ = ps(lync_lab, "(Get-CsPersistentChatEligiblePrincipal -Category IT -Filter '*alice*').Count; "
                                "(Get-CsPersistentChatEligiblePrincipal -Category IT -ResultSize 2).Count")
    assert out.split() == ["1", "2"]


def test_eligible_presenters_only_of_auditorium_rooms(lync_lab):
    _room_with_messages(lync_lab)
    ps(lync_lab, "New-CsPersistentChatRoom -Name Normal1 -Category '%s\\IT' | Out-Null" % POOL)
    # -Presenters "can only return information for rooms configured as auditoriums".
    code, _, err = ps(lync_lab, "Get-CsPersistentChatEligiblePrincipal -Room Normal1 -Presenters")
    assert code != 0 and "auditorium" in err


def test_container_principals_as_on_the_manage_rooms_page(lync_lab):
    _room_with_messages(lync_lab)
    # Manage rooms (Lync 2013, JJ205292): Set-CsPersistentChatRoom -Identity testCat -Members
    #   @{Add="sip:user1@contoso.com", "CN=container,DC=contoso,DC=com"}
    code, out, err = ps(lync_lab, "Set-CsPersistentChatRoom -Identity '%s\\ITChatRoom' -Members "
                                  "@{Add='sip:pctest1@contoso.local', 'CN=Users,DC=contoso,DC=local'}; "
                                  "(Get-CsPersistentChatRoom -Identity '%s\\ITChatRoom').Members" % (POOL, POOL))
    assert code == 0, err
    assert set(out.split("\r\n")[:2]) == {"sip:pctest1@contoso.local", "CN=Users,DC=contoso,DC=local"}
    # A container AD does not hold is still refused as not provisioned.
    code, _, err = ps(lync_lab, "Set-CsPersistentChatRoom -Identity '%s\\ITChatRoom' -Members "
                                "@{Add='CN=NoSuchContainer,DC=contoso,DC=local'}" % POOL)
    assert code != 0 and "not provisioned" in err


def test_set_active_server_examples(lync_lab):
    # Example 1: -Identity "PChatServerCollection" -ActiveServers @{Add="atl-gc-001.litwareinc.com"};
    # Example 2: @{Remove=...}; Example 3: -ActiveServers $Null "removes all the active Persistent Chat servers".
    backend = lync_lab.backends["lync"]
    assert ps(lync_lab, "Set-CsPersistentChatActiveServer -Identity 'PChatServerCollection' -ActiveServers $Null")[0] == 0
    assert backend.pc_active_servers == []
    assert ps(lync_lab, "Set-CsPersistentChatActiveServer -Identity 'PChatServerCollection' "
                        "-ActiveServers @{Add='pc01.contoso.local'}")[0] == 0
    assert backend.pc_active_servers == ["pc01.contoso.local"]
    assert ps(lync_lab, "Set-CsPersistentChatActiveServer -Identity 'PChatServerCollection' "
                        "-ActiveServers @{Remove='pc01.contoso.local'}")[0] == 0
    assert backend.pc_active_servers == []
    code, _, err = ps(lync_lab, "Set-CsPersistentChatActiveServer -ActiveServers @{Add='fe01.contoso.local'}")
    assert code != 0 and "is not a server of Persistent Chat pool" in err
    # -ActiveServers is mandatory in the Explicit set, -Swap in the Swap set.
    code, _, err = ps(lync_lab, "Set-CsPersistentChatActiveServer -Identity PChatServerCollection")
    assert code != 0 and "ActiveServers" in err


def test_an_empty_active_server_list_stops_new_connections(lync_lab):
    # Set-CsPersistentChatActiveServer: "Servers that do not appear on the list are not able to accept new
    # client connections"; Example 3 (`-ActiveServers $Null`) "removes all the active Persistent Chat servers".
    _room_with_messages(lync_lab)
    test = ("Test-CsPersistentChatMessage -TargetFqdn fe01.contoso.local -SenderSipAddress sip:pctest1@contoso.local "
            "-ReceiverSipAddress sip:pctest2@contoso.local | ForEach-Object { $_.Result; $_.Diagnosis }")
    assert ps(lync_lab, test)[1].split("\r\n")[0] == "Success"
    ps(lync_lab, "Set-CsPersistentChatActiveServer -Identity PChatServerCollection -ActiveServers $Null")
    result, diagnosis = ps(lync_lab, test)[1].split("\r\n")[:2]
    assert result == "Failure" and "active server list" in diagnosis
    ps(lync_lab, "Set-CsPersistentChatActiveServer -Identity PChatServerCollection -ActiveServers @{Add='pc01.contoso.local'}")
    assert ps(lync_lab, test)[1].split("\r\n")[0] == "Success"


def test_get_cs_pool_examples(lync_lab):
    # Example 1 `Get-CsPool`, 2 `Get-CsPool | Select-Object -ExpandProperty Computers`,
    # 3 `Get-CsPool -Identity atl-cs-001.litwareinc.com`, 4 `Get-CsPool -Site "Redmond"`,
    # 5 `Get-CsPool | Where-Object {$_.Services.Count -eq 0}`.
    code, out, err = ps(lync_lab, "Get-CsPool | Select-Object -ExpandProperty Computers")
    assert code == 0, err
    assert {"pc01.contoso.local", "fe01.contoso.local"} <= set(out.split())
    code, out, _ = ps(lync_lab, "(Get-CsPool -Identity pcpool.contoso.local).Services")
    assert out.strip() == "PersistentChatServer:pcpool.contoso.local"
    code, out, _ = ps(lync_lab, "(Get-CsPool -Site Redmond).Count; (Get-CsPool -Site Elsewhere).Count; "
                                "(Get-CsPool | Where-Object {$_.Services.Count -eq 0}).Count")
    assert out.split()[1:] == ["0", "0"] and int(out.split()[0]) >= 3


def test_get_cs_ad_principal_examples(lync_lab):
    # Example 3: Get-CsAdPrincipal | Where-Object {$_.ObjectClass -contains "contact"}  (the endpoint contact)
    code, out, err = ps(lync_lab, "Get-CsAdPrincipal | Where-Object {$_.ObjectClass -contains 'contact'} | "
                                  "ForEach-Object { $_.SipAddress }")
    assert code == 0 and out.strip().startswith("sip:GC-1-PersistentChatService-2@"), err
    # Description: Get-CsAdPrincipal | Where-Object {$_.ObjectClass -match "organizationalUnit"} | Select-Object Name
    code, out, _ = ps(lync_lab, "Get-CsAdPrincipal | Where-Object {$_.ObjectClass -match 'organizationalUnit'} | "
                                "ForEach-Object { $_.Name }")
    assert out.split("\r\n")[:3] == ["Lync Users", "Chat", "Service Accounts"]
    # Example 2: -Filter {SipAddress -eq "sip:..."};  -OU "cn=Users,dc=litwareinc,dc=com"
    code, out, _ = ps(lync_lab, "(Get-CsAdPrincipal -Filter {SipAddress -eq 'sip:pctest1@contoso.local'}).Name; "
                                "(Get-CsAdPrincipal -OU 'cn=Users,dc=contoso,dc=local' | "
                                "Where-Object {$_.ObjectClass -contains 'user'}).Count -ge 2")
    assert out.split("\r\n")[:2] == ["PC Test User 1", "True"]
    # Identity: "You can use the asterisk (*) wildcard character when using the Display Name"
    code, out, _ = ps(lync_lab, "Get-CsAdPrincipal -Identity 'PC Test User*' | ForEach-Object { $_.Name }")
    assert out.split("\r\n")[:2] == ["PC Test User 1", "PC Test User 2"]


def test_ldap_filter_documented_subset_where_declared(lync_lab):
    # Get-CsAdPrincipal -LDAPFilter example: -LdapFilter "l=Redmond" (an attribute the lab's objects leave
    # empty: valid, matches nothing); the LDAP query language with &, | and !.
    code, out, err = ps(lync_lab, "(Get-CsAdPrincipal -LDAPFilter 'l=Redmond').Count; "
                                  "(Get-CsUser -LdapFilter '(&(objectClass=user)(sAMAccountName=pctest*))').Count; "
                                  "(Get-CsAdUser -LdapFilter '(|(sAMAccountName=alice)(sAMAccountName=bob))').Count; "
                                  "(Get-CsPersistentChatEndpoint -LdapFilter '(objectClass=contact)').Count; "
                                  "(Get-ADUser -LDAPFilter '(!(sAMAccountName=*))').Count; "
                                  "(Get-ADObject -LDAPFilter '(objectClass=group)' | "
                                  "Where-Object {$_.Name -eq 'Helpdesk'}).Name")
    assert code == 0, err
    assert out.split("\r\n")[:6] == ["0", "2", "2", "1", "0", "Helpdesk"]


@pytest.mark.parametrize("cmdlet", ["Get-CsUser -LdapFilter", "Get-CsAdPrincipal -LDAPFilter", "Get-ADUser -LDAPFilter"])
def test_ldap_filter_beyond_the_subset_is_refused_clearly(lync_lab, cmdlet):
    code, _, err = ps(lync_lab, "%s '(whenCreated>=20200101000000.0Z)'" % cmdlet)
    assert code != 0 and "PchatLabUnsupportedLdapFilter" in err and "does not evaluate" in err
    code, _, err = ps(lync_lab, "%s '(&(cn=a)'" % cmdlet)
    assert code != 0 and "The search filter is invalid." in err


def test_ldap_filter_parser_units():
    keep = ldapfilter.parse("(&(objectClass=user)(!(cn=B*))(|(sAMAccountName=a*)(displayName=*x*)))")
    assert keep({"objectclass": ["top", "user"], "cn": "Alice", "samaccountname": "alice"})
    assert not keep({"objectclass": ["top", "user"], "cn": "Bob", "samaccountname": "alice"})
    assert not keep({"objectclass": ["group"], "cn": "Alice", "samaccountname": "alice"})
    assert ldapfilter.parse("(cn=*)")({"cn": "x"}) and not ldapfilter.parse("(cn=*)")({"cn": None})
    assert ldapfilter.parse("(cn=a.b)")({"cn": "a.b"}) and not ldapfilter.parse("(cn=a.b)")({"cn": "axb"})
    for bad, unsupported in (("(cn~=a)", True), ("(cn:1.2.840.113556.1.4.803:=2)", True), ("(cn=\\2)", False),
                             ("(foo=1)", True), ("(cn=a", False), ("()", False), ("(!(cn=a)(cn=b))", False)):
        with pytest.raises(ldapfilter.LdapFilterError) as info:
            ldapfilter.parse(bad)
        assert info.value.unsupported is unsupported, bad


def test_test_persistent_chat_message_documented_aliases(lync_lab):
    # Aliases of the cmdlet reference: TargetFqdn t, SenderSipAddress sa, ReceiverSipAddress ra,
    # SenderCredential sc, ReceiverCredential rc, Authentication Ath, RegistrarPort rp, OutLoggerVariable olv,
    # OutVerboseVariable ovv; -Setup <Boolean>.
    code, out, err = ps(lync_lab, "Test-CsPersistentChatMessage -t fe01.contoso.local -sa sip:pctest1@contoso.local "
                                  "-ra sip:pctest2@contoso.local -Ath TrustedServer -rp 5061 -olv log -ovv verbose "
                                  "-Setup $false | ForEach-Object { $_.TargetFqdn }")
    assert code == 0 and out.strip() == "fe01.contoso.local", err
    code, _, err = ps(lync_lab, "$p = ConvertTo-SecureString 'x' -AsPlainText -Force; "
                                "$c = New-Object System.Management.Automation.PSCredential('CONTOSO\\pctest1', $p); "
                                "Test-CsPersistentChatMessage -t fe01.contoso.local -sa sip:pctest1@contoso.local "
                                "-sc $c -ra sip:pctest2@contoso.local -rc $c | Out-Null")
    assert "A parameter cannot be found" not in err, err


def test_stop_and_start_cs_windows_service_take_force(lync_lab):
    # Stop-CsWindowsService [[-Name] <String>] [-ComputerName <String>] [-Graceful] [-NoWait] [-Force] ...
    code, _, err = ps(lync_lab, "Stop-CsWindowsService -Name RTCCHAT -ComputerName pc01.contoso.local -Force")
    assert code == 0, err
    assert lync_lab.host("PC01").services["RTCCHAT"].status == "Stopped"
    code, _, err = ps(lync_lab, "Start-CsWindowsService -Name RTCCHAT -ComputerName pc01.contoso.local -Force")
    assert code == 0, err
    assert lync_lab.host("PC01").services["RTCCHAT"].status == "Running"


def test_documented_but_unsimulated_cmdlets_are_the_labs_refusal_not_unknown(lync_lab):
    # "Not recognized" is only for names Windows would not know: Get-CsSite and Install-CsDatabase are in
    # the Lync Server 2013 module (their help pages apply to Lync Server 2013), so where the module is
    # installed the lab says it does not simulate them.
    code, _, err = ps(lync_lab, "Get-CsSite")
    assert code != 0 and "PchatLabUnsupportedConstruct" in err and "is not recognized" not in err
    code, _, err = ps(lync_lab, "Get-Command Install-CsDatabase")
    assert code != 0 and "does not simulate the cmdlet Install-CsDatabase" in err
    # A name no documentation knows stays PowerShell's CommandNotFoundException; so does a documented one
    # on a computer without the Lync module (GC01, a legacy Group Chat server).
    code, _, err = ps(lync_lab, "Get-CsNoSuchThing")
    assert code != 0 and "is not recognized" in err
    code, _, err = ps(lync_lab, "Get-CsSite", host="GC01")
    assert code != 0 and "is not recognized" in err


def test_the_documented_list_holds_the_persistent_chat_cmdlets():
    from pchat_lab.lync.documented import lync_2013_cmdlets
    from test_coverage_doc import DOCUMENTED_PERSISTENT_CHAT_CMDLETS
    assert {n.lower() for n in DOCUMENTED_PERSISTENT_CHAT_CMDLETS} <= lync_2013_cmdlets()
    assert {"get-cspool", "get-csadprincipal", "stop-cswindowsservice"} <= lync_2013_cmdlets()
