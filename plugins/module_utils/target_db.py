# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The second database of readiness and parity: the Lync 2013 ``mgc`` (doc fragment
lync.persistent_chat.target_sql). The shared ``sql_*`` options name the legacy database; these name
``mgc`` and borrow the driver, login and TLS settings from them."""

from __future__ import annotations

import copy

from ansible.module_utils.basic import env_fallback

from ansible_collections.lync.persistent_chat.plugins.module_utils import sql as sql_utils

TARGET_ARG_SPEC = dict(
    target_sql_connection_string=dict(type="str", no_log=True,
                                      fallback=(env_fallback, ["PCHAT_TARGET_SQL_CONNECTION_STRING"])),
    target_sql_server=dict(type="str", fallback=(env_fallback, ["PCHAT_TARGET_SQL_SERVER"])),
    target_sql_instance=dict(type="str", fallback=(env_fallback, ["PCHAT_TARGET_SQL_INSTANCE"])),
    target_sql_port=dict(type="int", fallback=(env_fallback, ["PCHAT_TARGET_SQL_PORT"])),
    target_sql_database=dict(type="str", fallback=(env_fallback, ["PCHAT_TARGET_SQL_DATABASE"])),
)


def target_argument_spec():
    return copy.deepcopy(TARGET_ARG_SPEC)


def target_configured(params):
    return bool(params.get("target_sql_connection_string") or params.get("target_sql_server")
                or params.get("target_sql_database"))


def target_connection_string(params):
    """The ``mgc`` connection string: given whole, or built from the target_sql_* options with the legacy
    database's driver, authentication and TLS settings (server defaults to the legacy one, database to mgc)."""
    if params.get("target_sql_connection_string"):
        return params["target_sql_connection_string"]
    return sql_utils.build_connection_string(
        driver=params.get("sql_driver"), server=params.get("target_sql_server") or params.get("sql_server"),
        instance=params.get("target_sql_instance"), port=params.get("target_sql_port"),
        database=params.get("target_sql_database") or "mgc", auth=params.get("sql_auth"),
        user=params.get("sql_user"), password=params.get("sql_password"), encrypt=params.get("sql_encrypt"),
        trust_server_certificate=params.get("sql_trust_server_certificate"), timeout=params.get("sql_timeout"))


def _open(module, connection_string):
    if not sql_utils.HAS_PYODBC:
        module.fail_json(msg="pyodbc is not installed: %s" % sql_utils.PYODBC_IMPORT_ERROR)
    return sql_utils.SQLClient(sql_utils.streaming(connection_string), timeout=module.params.get("sql_timeout") or 30)


def open_legacy(module):
    """A read-only, streaming client on the legacy database for a PchatModule run (closed by the caller)."""
    try:
        return _open(module, module.sql_connection_string())
    except sql_utils.SQLError as error:
        module.fail_json(msg=str(error))


def open_target(module):
    """A read-only, streaming client on ``mgc`` for a PchatModule run (closed by the caller)."""
    try:
        return _open(module, target_connection_string(module.params))
    except sql_utils.SQLError as error:
        module.fail_json(msg=str(error))
