"""The cmdlets Microsoft documents for the Lync Server 2013 module, by name (documented_cmdlets.txt), so
that the engine answers a documented cmdlet the lab does not simulate with its own refusal and keeps
PowerShell's "is not recognized" for names Windows would not know either (issue 11)."""
from __future__ import annotations

import functools
from pathlib import Path

MODULE = "Lync"


@functools.lru_cache(maxsize=1)
def lync_2013_cmdlets() -> frozenset:
    text = (Path(__file__).with_name("documented_cmdlets.txt")).read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def documented_module(name: str):
    """The module whose documentation names this cmdlet, or None."""
    return MODULE if name.lower() in lync_2013_cmdlets() else None
