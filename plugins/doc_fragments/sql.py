# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """The ODBC options for modules that read a database (module_utils/connection_args.py SQL_ARG_SPEC)."""

    DOCUMENTATION = r"""
options:
  sql_connection_string:
    description:
      - A complete ODBC connection string. When given, the other C(sql_*) connection options are ignored.
      - Env E(PCHAT_SQL_CONNECTION_STRING).
    type: str
  sql_driver:
    description:
      - ODBC driver name as registered in C(odbcinst.ini), for example C(ODBC Driver 18 for SQL Server) (the
        default when not set), C(FreeTDS), or C(SQLite3) (then O(sql_database) is the database file, opened read-only).
      - Env E(PCHAT_SQL_DRIVER).
    type: str
  sql_server:
    description:
      - SQL Server host name. Env E(PCHAT_SQL_SERVER).
    type: str
  sql_instance:
    description:
      - Named instance on O(sql_server), for example C(GROUPCHAT). Env E(PCHAT_SQL_INSTANCE).
    type: str
  sql_port:
    description:
      - TCP port, when the instance does not listen on the default one. Env E(PCHAT_SQL_PORT).
    type: int
  sql_database:
    description:
      - Database name (or the file path with the SQLite3 driver). Env E(PCHAT_SQL_DATABASE).
    type: str
  sql_auth:
    description:
      - V(windows) logs on with the controller's Kerberos ticket (C(Trusted_Connection)); V(sql) uses
        O(sql_user) and O(sql_password). Env E(PCHAT_SQL_AUTH).
    type: str
    choices: [windows, sql]
    default: windows
  sql_user:
    description:
      - SQL login for O(sql_auth=sql). Env E(PCHAT_SQL_USER).
    type: str
  sql_password:
    description:
      - Password of O(sql_user). Never written to logs or error messages. Env E(PCHAT_SQL_PASSWORD).
    type: str
  sql_encrypt:
    description:
      - Encrypt the connection (C(Encrypt=yes)). Env E(PCHAT_SQL_ENCRYPT).
    type: bool
    default: true
  sql_trust_server_certificate:
    description:
      - Accept the server's certificate without validating it. Env E(PCHAT_SQL_TRUST_SERVER_CERTIFICATE).
    type: bool
    default: false
  sql_timeout:
    description:
      - Seconds allowed for logging on and for each query. Env E(PCHAT_SQL_TIMEOUT).
    type: int
    default: 30
  sql_read_only_intent:
    description:
      - Add C(ApplicationIntent=ReadOnly), so an Always On listener sends the queries to a readable secondary.
        The client only ever reads, whatever this says. Env E(PCHAT_SQL_READ_ONLY_INTENT).
    type: bool
    default: false
requirements:
  - pyodbc and an ODBC driver on the controller
notes:
  - Only read-only queries are sent (a single C(SELECT) or C(WITH) statement, values as bound parameters).
"""
