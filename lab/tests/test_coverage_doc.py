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


# Microsoft's cmdlet reference for Persistent Chat: the 37 files skype/skype-ps/SkypeForBusiness/
# *PersistentChat*.md of MicrosoftDocs/office-docs-powershell (Lync Server 2013 and later).
DOCUMENTED_PERSISTENT_CHAT_CMDLETS = {
    "Clear-CsPersistentChatRoom", "Export-CsPersistentChatData", "Get-CsPersistentChatAddin",
    "Get-CsPersistentChatCategory", "Get-CsPersistentChatComplianceConfiguration",
    "Get-CsPersistentChatConfiguration", "Get-CsPersistentChatEligiblePrincipal", "Get-CsPersistentChatEndpoint",
    "Get-CsPersistentChatPolicy", "Get-CsPersistentChatRoom", "Get-CsPersistentChatState",
    "Grant-CsPersistentChatPolicy", "Import-CsPersistentChatData", "New-CsPersistentChatAddin",
    "New-CsPersistentChatCategory", "New-CsPersistentChatComplianceConfiguration",
    "New-CsPersistentChatConfiguration", "New-CsPersistentChatEndpoint", "New-CsPersistentChatPolicy",
    "New-CsPersistentChatRoom", "Remove-CsPersistentChatAddin", "Remove-CsPersistentChatCategory",
    "Remove-CsPersistentChatComplianceConfiguration", "Remove-CsPersistentChatConfiguration",
    "Remove-CsPersistentChatEndpoint", "Remove-CsPersistentChatMessage", "Remove-CsPersistentChatPolicy",
    "Remove-CsPersistentChatRoom", "Set-CsPersistentChatActiveServer", "Set-CsPersistentChatAddin",
    "Set-CsPersistentChatCategory", "Set-CsPersistentChatComplianceConfiguration",
    "Set-CsPersistentChatConfiguration", "Set-CsPersistentChatPolicy", "Set-CsPersistentChatRoom",
    "Set-CsPersistentChatState", "Test-CsPersistentChatMessage",
}
STATUSES = ("modelled", "partly", "not modelled")


def _persistent_chat_section(text: str) -> dict:
    """{cmdlet: (status, detail)} from the table of "## Documented Persistent Chat cmdlets"."""
    section = text.split("## Documented Persistent Chat cmdlets", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) == 3 and re.fullmatch(r"[A-Z][a-z]+-Cs\w*PersistentChat\w*", cells[0]):
            assert cells[0] not in rows, "listed twice: %s" % cells[0]
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def test_every_documented_persistent_chat_cmdlet_is_listed_with_its_status():
    rows = _persistent_chat_section(COVERAGE.read_text(encoding="utf-8"))
    assert set(rows) == DOCUMENTED_PERSISTENT_CHAT_CMDLETS
    for name, (status, detail) in rows.items():
        assert status in STATUSES, (name, status)
        assert "[DOC" in detail, "%s: say what Microsoft documents" % name


def test_the_persistent_chat_list_matches_the_cmdlets_the_lab_registers():
    load_cmdlets()
    rows = _persistent_chat_section(COVERAGE.read_text(encoding="utf-8"))
    registered = {spec.name for spec in api.REGISTRY.by_name.values() if "persistentchat" in spec.name.lower()}
    modelled = {name for name, (status, _) in rows.items() if status != "not modelled"}
    assert registered == modelled, "registered but not listed as modelled: %s; listed but not registered: %s" % (
        sorted(registered - modelled), sorted(modelled - registered))
    assert registered <= DOCUMENTED_PERSISTENT_CHAT_CMDLETS, "undocumented: %s" % sorted(
        registered - DOCUMENTED_PERSISTENT_CHAT_CMDLETS)


def test_the_section_parser_sees_status_and_detail():
    text = ("## Documented Persistent Chat cmdlets\n| Cmdlet | Status | x |\n|---|---|---|\n"
            "| Get-CsPersistentChatRoom | partly | [DOC] a \\| b |\n\n## Next\n| Get-CsPersistentChatAddin | x | y |\n")
    assert _persistent_chat_section(text) == {"Get-CsPersistentChatRoom": ("partly", "[DOC] a \\| b")}
