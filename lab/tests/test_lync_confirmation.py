"""Confirmation as PowerShell's ShouldProcess does it: a cmdlet asks when -Confirm is given, or when its
ConfirmImpact is at or above $ConfirmPreference (default High; about_Preference_Variables); -Confirm:$false
never asks; -WhatIf answers first. Under powershell.exe -NonInteractive (as WinRM clients start it) Windows
PowerShell 5.1 refuses the prompt with its own wording, and the cmdlet changes nothing."""
from __future__ import annotations

import copy

import pytest

from pchat_lab.lab import Lab

from conftest import lync_topology
from lync_shell import shell

REFUSAL = "Windows PowerShell is in NonInteractive mode. Read and Prompt functionality is not available."
PC = "Microsoft.Rtc.Management.PersistentChat.Cmdlets."
ROOM = "pcpool.contoso.local\\R1"
SETUP = ("New-CsPersistentChatCategory -Name Help -PersistentChatPoolFqdn pcpool.contoso.local | Out-Null; "
         "New-CsPersistentChatRoom -Name R1 -Category 'pcpool.contoso.local\\Help' | Out-Null; ")
COUNT = "; @(Get-CsPersistentChatRoom).Count"


def test_clear_room_asks_and_is_refused_non_interactively(lync_lab):
    # Clear-CsPersistentChatRoom help, Example 2: "in order to suppress the confirmation prompt which would
    # otherwise appear each time you tried to clear a different chat room, the Confirm parameter is added
    # using this syntax: -Confirm:$False" -- the cmdlet prompts by default (ConfirmImpact High).
    shell(lync_lab, SETUP)
    result = shell(lync_lab, 'Clear-CsPersistentChatRoom -Identity "%s" -EndDate "3/1/2018"' % ROOM)
    assert len(result.errors) == 1
    assert "Clear-CsPersistentChatRoom : " + REFUSAL in result.errors[0]
    assert "InvalidOperation: (:) [Clear-CsPersistentChatRoom], PSInvalidOperationException" in result.errors[0]
    assert result.ids() == ["InvalidOperation,%sClearPersistentChatRoomCmdlet" % PC]
    example = shell(lync_lab, 'Get-CsPersistentChatRoom | Clear-CsPersistentChatRoom -EndDate "3/1/2018" '
                              '-Confirm:$False')
    assert example.errors == []


def test_a_removal_is_refused_without_confirm_false_and_proceeds_with_it(lync_lab):
    # [ASSUMED] Remove-CsPersistentChatRoom: ConfirmImpact High (Microsoft is silent; COVERAGE.md).
    refused = shell(lync_lab, SETUP + 'Remove-CsPersistentChatRoom -Identity "%s"' % ROOM + COUNT)
    assert refused.lines() == ["1"]
    assert refused.ids() == ["InvalidOperation,%sRemovePersistentChatRoomCmdlet" % PC]
    done = shell(lync_lab, 'Remove-CsPersistentChatRoom -Identity "%s" -Confirm:$false' % ROOM + COUNT)
    assert done.errors == []
    assert done.lines() == ["0"]


def test_whatif_answers_before_confirmation(lync_lab):
    result = shell(lync_lab, SETUP + 'Remove-CsPersistentChatRoom -Identity "%s" -WhatIf' % ROOM + COUNT)
    assert result.errors == []
    assert result.lines() == ['What if: Performing the operation "Remove-CsPersistentChatRoom" on target "%s".'
                              % ROOM, "1"]


def test_confirm_preference_decides_for_the_cmdlets_impact(lync_lab):
    # about_Preference_Variables: $ConfirmPreference None never asks; a cmdlet asks when its ConfirmImpact is
    # equal to or greater than the preference. Set-CsPersistentChatConfiguration declares no impact (Medium).
    none = shell(lync_lab, SETUP + '$ConfirmPreference = "None"; Remove-CsPersistentChatRoom -Identity "%s"'
                 % ROOM + COUNT)
    assert none.errors == []
    assert none.lines() == ["0"]
    medium = shell(lync_lab, '$ConfirmPreference = "Medium"; '
                             'Set-CsPersistentChatConfiguration -Identity global -DefaultChatHistory 40; '
                             '(Get-CsPersistentChatConfiguration -Identity global).DefaultChatHistory')
    assert medium.ids() == ["InvalidOperation,Microsoft.Rtc.Management.Internal."
                            "SetPersistentChatConfigurationCmdlet"]
    assert medium.lines() == ["30"]
    default = shell(lync_lab, 'Set-CsPersistentChatConfiguration -Identity global -DefaultChatHistory 40; '
                              '(Get-CsPersistentChatConfiguration -Identity global).DefaultChatHistory')
    assert default.errors == []
    assert default.lines() == ["40"]


def test_explicit_confirm_asks_any_cmdlet(lync_lab):
    # Set-CsPersistentChatConfiguration help: -Confirm "Prompts you for confirmation before executing the command."
    result = shell(lync_lab, 'Set-CsPersistentChatConfiguration -Identity global -DefaultChatHistory 40 -Confirm; '
                             '(Get-CsPersistentChatConfiguration -Identity global).DefaultChatHistory')
    assert REFUSAL in result.error_text
    assert result.lines() == ["30"]


def test_trusted_application_removal_asks_unless_force(lync_lab):
    # Remove-CsTrustedApplicationPool help, -Force: "Suppresses any confirmation prompts that would otherwise be
    # displayed before making changes." -Confirm:$false does not answer that prompt; -Force does.
    pool = "Get-CsTrustedApplicationPool | Select-Object -First 1 -ExpandProperty PoolFqdn"
    asked = shell(lync_lab, "Remove-CsTrustedApplicationPool -Identity (%s) -Confirm:$false; "
                            "@(Get-CsTrustedApplicationPool).Count" % pool)
    assert REFUSAL in asked.error_text
    assert asked.lines() == ["1"]
    forced = shell(lync_lab, "Remove-CsTrustedApplicationPool -Identity (%s) -Force -Confirm:$false; "
                             "@(Get-CsTrustedApplicationPool).Count" % pool)
    assert forced.errors == []
    assert forced.lines() == ["0"]


def test_without_noninteractive_the_lab_says_it_cannot_prompt(lync_lab):
    # A real console host would wait for an answer; the lab has no console and says so with its own marker,
    # not with an invented PowerShell error.
    result = shell(lync_lab, SETUP + 'Remove-CsPersistentChatRoom -Identity "%s"' % ROOM, noninteractive=False)
    assert result.ids() == ["PchatLabUnsupportedConstruct"]
    assert "confirmation prompt without -NonInteractive" in result.error_text
    assert shell(lync_lab, "@(Get-CsPersistentChatRoom).Count").lines() == ["1"]


@pytest.fixture
def medium_removal_lab(tmp_path):
    topology = copy.deepcopy(lync_topology())
    topology["powershell"] = {"confirm_impact": {"Remove-CsPersistentChatRoom": "Medium"}}
    lab = Lab(topology, tmp_path, dataset="small")
    yield lab
    lab.backends["lync"].stop()


def test_an_assumed_impact_is_configurable(medium_removal_lab):
    result = shell(medium_removal_lab, SETUP + 'Remove-CsPersistentChatRoom -Identity "%s"' % ROOM + COUNT)
    assert result.errors == []
    assert result.lines() == ["0"]



def test_settings_removal_asks_too(lync_lab):
    # [ASSUMED] Remove-CsPersistentChatConfiguration: ConfirmImpact High, as the other removals (COVERAGE.md).
    # Removing the global settings resets them to the defaults (DefaultChatHistory 30) [DOC reference §3.8].
    read = "; (Get-CsPersistentChatConfiguration -Identity global).DefaultChatHistory"
    shell(lync_lab, "Set-CsPersistentChatConfiguration -Identity global -DefaultChatHistory 40")
    refused = shell(lync_lab, "Remove-CsPersistentChatConfiguration -Identity global" + read)
    assert refused.ids() == ["InvalidOperation,Microsoft.Rtc.Management.Internal."
                             "RemovePersistentChatConfigurationCmdlet"]
    assert refused.lines() == ["40"]
    done = shell(lync_lab, "Remove-CsPersistentChatConfiguration -Identity global -Confirm:$false" + read)
    assert done.errors == []
    assert done.lines() == ["30"]
