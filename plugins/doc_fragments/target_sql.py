# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """The Lync 2013 mgc database options (module_utils/target_db.py TARGET_ARG_SPEC)."""

    DOCUMENTATION = r"""
options:
  target_sql_connection_string:
    description:
      - A complete ODBC connection string for the Lync 2013 Persistent Chat database (C(mgc)). When given,
        the other C(target_sql_*) options are ignored.
      - Env E(PCHAT_TARGET_SQL_CONNECTION_STRING).
    type: str
  target_sql_server:
    description:
      - SQL Server host of C(mgc). Defaults to O(sql_server). Env E(PCHAT_TARGET_SQL_SERVER).
    type: str
  target_sql_instance:
    description:
      - Named instance holding C(mgc), for example C(RTC). Env E(PCHAT_TARGET_SQL_INSTANCE).
    type: str
  target_sql_port:
    description:
      - TCP port of that instance, when not the default one. Env E(PCHAT_TARGET_SQL_PORT).
    type: int
  target_sql_database:
    description:
      - Database name (or the file path with the SQLite3 driver). Defaults to C(mgc) when
        O(target_sql_server) is given. Env E(PCHAT_TARGET_SQL_DATABASE).
    type: str
notes:
  - The C(mgc) connection uses the driver, authentication, login, TLS and timeout of the C(sql_*) options.
  - Both databases must be on the same kind of engine (SQL Server, or the lab's SQLite files) since
    character lengths and codes are compared as each engine computes them.
"""
