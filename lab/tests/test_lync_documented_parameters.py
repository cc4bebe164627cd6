"""Every parameter (and alias) Microsoft's cmdlet reference documents for the Persistent Chat cmdlets and
the Lync cmdlets issue 11 added is declared by the lab, so a documented invocation is never refused as
"A parameter cannot be found". data/documented_parameters.json holds the parameter names and "Aliases:"
of MicrosoftDocs/office-docs-powershell skype/skype-ps/SkypeForBusiness/<Cmdlet>.md (one entry per
"### -Name" section); the few documented parameters the lab leaves out are listed below with the reason,
and COVERAGE.md marks those cmdlets "partly"."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import pchat_lab.lync.cmdlets  # noqa: F401
from pchat_lab.powershell.api import REGISTRY

DOCUMENTED = json.loads((Path(__file__).with_name("data") / "documented_parameters.json").read_text())

# Documented, deliberately not declared [reason].
NOT_DECLARED = {
    ("New-CsPersistentChatPolicy", "Tenant"): "Skype for Business Online only",
    ("Set-CsPersistentChatPolicy", "Tenant"): "Skype for Business Online only",
    ("Remove-CsPersistentChatPolicy", "Tenant"): "Skype for Business Online only",
    ("Start-CsWindowsService", "InputObject"): "pipeline binding of service objects: issue 11 class 1",
    ("Stop-CsWindowsService", "InputObject"): "pipeline binding of service objects: issue 11 class 1",
}


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_documented_parameters_and_aliases_are_declared(name):
    spec = REGISTRY.find(name)
    assert spec is not None, name
    declared = {p.name.lower(): {a.lower() for a in p.aliases} for p in spec.params}
    missing, aliases = [], []
    for param, documented_aliases in DOCUMENTED[name].items():
        if param in ("WhatIf", "Confirm"):
            assert spec.should_process, "%s documents -%s: SupportsShouldProcess" % (name, param)
            continue
        if (name, param) in NOT_DECLARED:
            continue
        if param.lower() not in declared:
            missing.append(param)
        elif {a.lower() for a in documented_aliases} - declared[param.lower()]:
            aliases.append((param, documented_aliases))
    assert not missing, "%s: documented parameters not declared: %s" % (name, missing)
    assert not aliases, "%s: documented aliases not declared: %s" % (name, aliases)


def test_the_exceptions_name_documented_parameters():
    # (Another change may declare one of them meanwhile, e.g. -InputObject with pipeline binding: fine.)
    for name, param in NOT_DECLARED:
        assert param in DOCUMENTED[name], (name, param)
