"""Export-CsPersistentChatData / Import-CsPersistentChatData semantics (reference §1.3, §1.7, §3.1-3.2, §6)."""
from __future__ import annotations

LEVELS = ("All", "User", "Category", "RoomDirectory", "Content")
FLATTEN_SEPARATOR = "_"     # [ASSUMED] "full parent category names as prefix" - separator not documented
MAX_ROOM_NAME = 256


def flattened_name(path: list[str]) -> str:
    """Category path under the root (top-level first) -> the single-level 2013 name."""
    return FLATTEN_SEPARATOR.join(path)


def export(legacy_path, zip_path, level: str = "All", scope=None, start_date=None, report_path=None,
           source_flavour: str | None = None) -> dict:
    """Write the export ZIP (manifest.json + JSON-lines payloads) and an optional HTML report.
    Returns a summary: {"counts": {...}, "level": ..., "scope": [...], "start_date": ..., "zip": path}."""
    raise NotImplementedError


def import_(zip_path, mgc_path, report_path=None, whatif: bool = False) -> dict:
    """Apply an export to ``mgc``. Returns {"errors": [...], "warnings": [...], "counts": {...},
    "whatif": bool}; each error/warning is {"id", "severity", "object", "message"}."""
    raise NotImplementedError
