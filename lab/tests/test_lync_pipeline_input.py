"""Pipeline input binds only by each parameter's documented ValueFromPipeline /
ValueFromPipelineByPropertyName (the "Accept pipeline input" line of each cmdlet's help); an object no
parameter takes is PowerShell's non-terminating InputObjectNotBound error for that object, and the
cmdlet does not run for it (it never runs unfiltered on everything)."""
from __future__ import annotations

from lync_shell import shell

NOT_BOUND = ("The input object cannot be bound to any parameters for the command either because the command "
             "does not take pipeline input or the input and its properties do not match any of the parameters "
             "that take pipeline input.")
STOP_TYPE = "Microsoft.Rtc.Management.Deployment.StopWindowsServiceCmdlet"


def _status(lab, host, name):
    return lab.host(host).services[name].status


def test_documented_example_3_stops_only_the_selected_service(lync_lab):
    # Stop-CsWindowsService help, Example 3:
    #   Get-CsWindowsService | Where-Object {$_.DisplayName -like "*Call Park*"} | Stop-CsWindowsService
    # "The filtered collection is then piped to the Stop-CsWindowsService cmdlet, which stops the Call Park
    # application service." -InputObject <NTService>: "Accept pipeline input: True (ByValue)".
    result = shell(lync_lab, 'Get-CsWindowsService | Where-Object {$_.DisplayName -like "*Compliance*"} | '
                             'Stop-CsWindowsService', host="PC01")
    assert result.errors == []
    assert _status(lync_lab, "PC01", "RTCCHATCOMPLIANCE") == "Stopped"
    assert _status(lync_lab, "PC01", "RTCCHAT") == "Running"


def test_a_service_name_piped_to_stop_is_not_bound_and_stops_nothing(lync_lab):
    # Stop-CsWindowsService help: -Name "Accept pipeline input: False"; only -InputObject <NTService> takes
    # pipeline input, by value. A string is no NTService.
    result = shell(lync_lab, "'RTCCHAT' | Stop-CsWindowsService", host="PC01")
    assert len(result.errors) == 1
    assert NOT_BOUND in result.errors[0]
    assert result.ids() == ["InputObjectNotBound,%s" % STOP_TYPE]
    assert "InvalidArgument: (RTCCHAT:String) [Stop-CsWindowsService], ParameterBindingException" in result.errors[0]
    assert _status(lync_lab, "PC01", "RTCCHAT") == "Running"
    assert _status(lync_lab, "PC01", "RTCCHATCOMPLIANCE") == "Running"


def test_input_object_takes_a_stored_service_object(lync_lab):
    # Stop-CsWindowsService help, -InputObject: "$x = Get-CsWindowsService -Name "RTCCPS"" then stop it by the
    # object reference (the InputObject parameter set, where -Name and -ComputerName do not belong).
    result = shell(lync_lab, "$x = Get-CsWindowsService -Name RTCCHAT; Stop-CsWindowsService -InputObject $x",
                   host="PC01")
    assert result.errors == []
    assert _status(lync_lab, "PC01", "RTCCHAT") == "Stopped"
    assert _status(lync_lab, "PC01", "RTCCHATCOMPLIANCE") == "Running"
    mixed = shell(lync_lab, "$x = Get-CsWindowsService -Name RTCCHAT; "
                            "Start-CsWindowsService -InputObject $x -Name RTCCHAT", host="PC01")
    assert mixed.ids() == ["AmbiguousParameterSet,Microsoft.Rtc.Management.Deployment.StartWindowsServiceCmdlet"]


def test_service_objects_carry_role_name(lync_lab):
    # Get-CsWindowsService help, Example 4: Get-CsWindowsService -Name "RTCSrv" | Select-Object -ExpandProperty
    # RoleName; Example 9 filters on $_.RoleName -contains "ApplicationServer".
    result = shell(lync_lab, 'Get-CsWindowsService -Name "RTCSrv" | Select-Object -ExpandProperty RoleName')
    assert result.errors == []
    assert result.lines() == ["Registrar", "UserServer"]
    chat = shell(lync_lab, 'Get-CsWindowsService | Where-Object {$_.RoleName -contains "PersistentChatServer"} | '
                           'ForEach-Object Name', host="PC01")
    assert chat.lines() == ["RTCCHAT", "RTCCHATCOMPLIANCE"]


def test_input_to_a_cmdlet_without_pipeline_parameters_is_refused_per_object(lync_lab):
    # Get-CsPersistentChatRoom help: every parameter "Accept pipeline input: False" (INPUTS: None). Each piped
    # string is one InputObjectNotBound error; the cmdlet never runs unfiltered.
    result = shell(lync_lab, "'a', 'b' | Get-CsPersistentChatRoom; 'done'")
    assert result.lines() == ["done"]
    assert result.ids() == ["InputObjectNotBound,Microsoft.Rtc.Management.PersistentChat.Cmdlets."
                            "GetPersistentChatRoomCmdlet"] * 2


def test_instance_accepts_only_its_documented_type(lync_lab):
    # Remove-CsPersistentChatRoom help: -Instance <ChatRoom>, "Accept pipeline input: True (ByValue)". A category
    # piped in is no chat room: not bound, and no room is removed.
    setup = ("New-CsPersistentChatCategory -Name Help -PersistentChatPoolFqdn pcpool.contoso.local | Out-Null; "
             "New-CsPersistentChatRoom -Name R1 -Category 'pcpool.contoso.local\\Help' | Out-Null; ")
    result = shell(lync_lab, setup + "Get-CsPersistentChatCategory | Remove-CsPersistentChatRoom -Confirm:$false; "
                                     "@(Get-CsPersistentChatRoom).Count")
    assert result.lines() == ["1"]
    assert result.ids() == ["InputObjectNotBound,Microsoft.Rtc.Management.PersistentChat.Cmdlets."
                            "RemovePersistentChatRoomCmdlet"]
    piped = shell(lync_lab, "Get-CsPersistentChatRoom | Remove-CsPersistentChatRoom -Confirm:$false; "
                            "@(Get-CsPersistentChatRoom).Count")
    assert piped.errors == []
    assert piped.lines() == ["0"]


def test_identity_by_property_name_binds_a_users_identity(lync_lab):
    # Get-CsUser help: -Identity "Accept pipeline input: True (ByPropertyName, ByValue)": an object with an
    # Identity property binds by name.
    result = shell(lync_lab, "$u = @(Get-CsUser)[0]; [pscustomobject]@{Identity=$u.SipAddress} | Get-CsUser | "
                             "ForEach-Object { $_.SipAddress -eq $u.SipAddress }")
    assert result.errors == []
    assert result.lines() == ["True"]
