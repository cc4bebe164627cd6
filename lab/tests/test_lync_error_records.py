"""Error records: one FullyQualifiedErrorId scheme per cmdlet (the error id, a comma, the cmdlet's
implementing type, for binding and runtime errors alike), and conversion errors that name the parameter's
documented .NET type."""
from __future__ import annotations

import pytest

from pchat_lab.powershell import api
from pchat_lab.powershell.binding import cmdlet_type
from pchat_lab.powershell.engine import load_cmdlets

from lync_shell import shell

ROOM_TYPE = "Microsoft.Rtc.Management.PersistentChat.Cmdlets.GetPersistentChatRoomCmdlet"
CONFIG_TYPE = "Microsoft.Rtc.Management.Internal.SetPersistentChatConfigurationCmdlet"
UNLIMITED = "Microsoft.Rtc.Management.ADConnect.Core.Unlimited`1[System.UInt32]"


def test_binding_and_runtime_errors_share_the_cmdlets_type(lync_lab):
    binding = shell(lync_lab, "Get-CsPersistentChatRoom -NoSuchParameter x")
    runtime = shell(lync_lab, "Get-CsPersistentChatRoom -Identity 'no pool separator'")
    assert binding.ids() == ["NamedParameterNotFound,%s" % ROOM_TYPE]
    assert [i.split(",", 1)[1] for i in runtime.ids()] == [ROOM_TYPE]


def test_every_module_cmdlet_declares_its_type():
    # Without a declared type_name a Lync cmdlet's ids would carry an invented "Lync.<Verb><Noun>Command".
    load_cmdlets()
    for spec in api.REGISTRY.by_name.values():
        if spec.module in ("Lync", "ActiveDirectory", "SqlServer"):
            assert spec.type_name, spec.name
            assert cmdlet_type(spec) == spec.type_name


@pytest.mark.parametrize("argument, inner", [
    ("40000", "Value was either too large or too small for an Int16."),
    ("abc", "Input string was not in a correct format."),
])
def test_default_chat_history_is_an_int16(lync_lab, argument, inner):
    # Set-CsPersistentChatConfiguration help: -DefaultChatHistory "Type: Int16".
    result = shell(lync_lab, "Set-CsPersistentChatConfiguration -Identity global -DefaultChatHistory %s" % argument)
    assert ("Cannot bind parameter 'DefaultChatHistory'. Cannot convert value \"%s\" to type \"System.Int16\". "
            "Error: \"%s\"" % (argument, inner)) in result.error_text
    assert result.ids() == ["CannotConvertArgumentNoMessage,%s" % CONFIG_TYPE]


def test_max_file_size_is_a_uint32(lync_lab):
    # Set-CsPersistentChatConfiguration help: -MaxFileSizeKB "Type: UInt32".
    result = shell(lync_lab, "Set-CsPersistentChatConfiguration -Identity global -MaxFileSizeKB -1; "
                             "Set-CsPersistentChatConfiguration -Identity global -MaxFileSizeKB 4294967295; "
                             "(Get-CsPersistentChatConfiguration -Identity global).MaxFileSizeKB")
    assert ("Cannot bind parameter 'MaxFileSizeKB'. Cannot convert value \"-1\" to type \"System.UInt32\". "
            "Error: \"Value was either too large or too small for a UInt32.\"") in result.error_text
    assert result.lines() == ["4294967295"]


def test_result_size_is_unlimited_uint32(lync_lab):
    # Get-CsUser / Get-CsPersistentChatEndpoint help: -ResultSize
    # <Microsoft.Rtc.Management.ADConnect.Core.Unlimited`1[System.UInt32]>: a number or Unlimited.
    everyone = shell(lync_lab, "@(Get-CsUser).Count; @(Get-CsUser -ResultSize Unlimited).Count; "
                               "@(Get-CsUser -ResultSize 2).Count")
    assert everyone.errors == []
    total, unlimited, two = everyone.lines()
    assert unlimited == total and two == "2"
    refused = shell(lync_lab, "Get-CsPersistentChatEndpoint -ResultSize -1")
    assert ("Cannot bind parameter 'ResultSize'. Cannot convert value \"-1\" to type \"%s\"." % UNLIMITED
            ) in refused.error_text
    assert refused.ids() == ["CannotConvertArgumentNoMessage,Microsoft.Rtc.Management.AD.Cmdlets."
                             "GetPersistentChatEndpointCmdlet"]


def test_an_instance_of_the_wrong_type_names_the_documented_type(lync_lab):
    # Remove-CsPersistentChatAddin help: -Instance <Addin>.
    result = shell(lync_lab, "Remove-CsPersistentChatAddin -Instance 'x' -Confirm:$false")
    assert ('Cannot bind parameter \'Instance\'. Cannot convert the "x" value of type "System.String" to type '
            '"Microsoft.Rtc.Management.PersistentChat.Cmdlets.AddinObject".') in result.error_text


def test_a_script_parameter_reports_an_argument_transformation(lync_lab):
    # A script parameter's type is an argument transformation (ArgumentTypeConverterAttribute): PowerShell says
    # "Cannot process argument transformation on parameter", where a cmdlet says "Cannot bind parameter".
    result = shell(lync_lab, "function Set-History {\n    param([int]$Days)\n    $Days\n}\nSet-History -Days abc")
    assert ("Set-History : Cannot process argument transformation on parameter 'Days'. Cannot convert value "
            "\"abc\" to type \"System.Int32\". Error: \"Input string was not in a correct format.\""
            ) in result.error_text
    assert result.ids() == ["ParameterArgumentTransformationError,Set-History"]
