"""Where a simulated SQL Server database lives on disk, and how ODBC reaches it.

``sql01.contoso.local\\GROUPCHAT`` + ``GroupChat`` -> ``<state_dir>/sql/sql01.groupchat/groupchat.db``.
SQL Server names are case-insensitive (collation SQL_Latin1_General_CP1_CI_AS), and a server may be
named by FQDN or short host name; both forms land on the same file. No instance name means the default
instance ``MSSQLSERVER``.
"""
from __future__ import annotations

import re
from pathlib import Path

DEFAULT_INSTANCE = "mssqlserver"
_SAFE = re.compile(r"^[a-z0-9_\-$]+$")


def parse_instance(instance: str) -> tuple[str, str]:
    """(short host, instance) in lower case; raises ValueError for names SQL Server would not accept."""
    text = (instance or "").strip()
    if not text:
        raise ValueError("empty SQL Server instance name")
    host, _, name = text.partition("\\")
    host = host.split(",")[0].strip().lower()        # "host,1433" -> port is irrelevant here
    short = host.split(".")[0]
    name = (name.strip().lower() or DEFAULT_INSTANCE)
    if not _SAFE.match(short) or not _SAFE.match(name):
        raise ValueError("invalid SQL Server instance name %r" % instance)
    return short, name


def instance_key(instance: str) -> str:
    short, name = parse_instance(instance)
    return "%s.%s" % (short, name)


def database_path(state_dir, instance: str, db_name: str) -> Path:
    """The SQLite file that stands for database ``db_name`` on ``instance``."""
    db = (db_name or "").strip().lower()
    if not db or not _SAFE.match(db):
        raise ValueError("invalid database name %r" % db_name)
    return Path(state_dir) / "sql" / instance_key(instance) / ("%s.db" % db)


def database_exists(state_dir, instance: str, db_name: str) -> bool:
    return database_path(state_dir, instance, db_name).is_file()


def odbc_connection_string(path) -> str:
    """The string pyodbc uses to open ``path`` through unixODBC's SQLite3 driver.

    ``BigInt=1`` matters: without it the driver reports expressions with no declared type (MAX(chatDate),
    SUM(...)) as 32-bit integers and .NET ticks come back truncated."""
    text = str(Path(path).resolve())
    if ";" in text or "{" in text or "}" in text:
        raise ValueError("database path %r cannot be used in an ODBC connection string" % text)
    return "Driver=SQLite3;Database=%s;BigInt=1" % text
