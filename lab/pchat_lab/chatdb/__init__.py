"""SQLite stand-ins for the Group Chat / Persistent Chat SQL Server databases, reached over ODBC.

Public entry points:
- schema: create_mgc, create_mgccomp, create_legacy, ticks_from_datetime, datetime_from_ticks
- datasets: seed, digest, PROFILES
- store: ChatStore (the 2013 object model behind the *-CsPersistentChat* cmdlets)
- migration: export, import_ (Export-/Import-CsPersistentChatData semantics)
- instances: database_path, odbc_connection_string
"""
from .errors import ChatDbError, ConstraintViolation, DuplicateName, ObjectNotFound, PrincipalNotFound
from .instances import database_path, odbc_connection_string, parse_instance
from .schema import create_legacy, create_mgc, create_mgccomp, datetime_from_ticks, ticks_from_datetime

__all__ = [
    "ChatDbError", "ConstraintViolation", "DuplicateName", "ObjectNotFound", "PrincipalNotFound",
    "database_path", "odbc_connection_string", "parse_instance",
    "create_legacy", "create_mgc", "create_mgccomp", "datetime_from_ticks", "ticks_from_datetime",
]
