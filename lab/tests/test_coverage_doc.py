"""lab/COVERAGE.md must name every cmdlet the engine can run, so the page cannot fall behind the code."""
from __future__ import annotations

import re
from pathlib import Path

import pchat_lab.lync.cmdlets  # noqa: F401  (registers the Lync, ActiveDirectory and SqlServer cmdlets)
from pchat_lab.powershell import api
from pchat_lab.powershell.engine import load_cmdlets

COVERAGE = Path(__file__).resolve().parents[1] / "COVERAGE.md"


def _documented_names(text: str) -> set:
    """Cmdlet names written out, plus those in Microsoft's own shorthand `Get/New/Set/Remove-CsX`."""
    names = {m.lower() for m in re.findall(r"\b[A-Z][A-Za-z]+-[A-Za-z]+\b", text)}
    for verbs, noun in re.findall(r"\b((?:[A-Z][A-Za-z]+/)+[A-Z][A-Za-z]+)-([A-Za-z]+)\b", text):
        names.update("%s-%s" % (verb.lower(), noun.lower()) for verb in verbs.split("/"))
    return names


def test_every_registered_cmdlet_is_listed():
    load_cmdlets()
    documented = _documented_names(COVERAGE.read_text(encoding="utf-8"))
    missing = sorted(spec.name for spec in api.REGISTRY.by_name.values() if spec.name.lower() not in documented)
    assert not missing, "cmdlets missing from lab/COVERAGE.md: %s" % ", ".join(missing)


def test_the_shorthand_is_understood():
    assert {"get-csx", "set-csx"} <= _documented_names("Get/Set-CsX")
