"""Deterministic lab datasets for the legacy Group Chat database (and optionally a pre-populated mgc)."""
from __future__ import annotations

PROFILES = ("small", "standard", "hostile", "large")


def seed(path_by_db: dict, profile: str, seed: int = 0, flavour: str = "lync2010", filestore_dir=None,
         precreated_2013: bool = False, pool_fqdn: str = "pc.contoso.local",
         domain: str = "contoso.local") -> dict:
    """Create and fill the databases named in ``path_by_db`` (keys 'legacy', 'mgc', 'mgccomp'; each
    optional). Returns a summary of what was generated (counts and the notable items tests look for)."""
    raise NotImplementedError


def digest(path) -> str:
    """A stable sha256 over every table's rows (ordered), to compare two databases' content."""
    raise NotImplementedError
