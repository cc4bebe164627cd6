# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument specs matching doc_fragments/connection.py (WinRM) and doc_fragments/sql.py (ODBC),
and the clients built from the parsed options. Modules merge these; nobody repeats them."""

from __future__ import annotations

import copy

from ansible.module_utils.basic import env_fallback

WINRM_ARG_SPEC = dict(
    winrm_host=dict(type="str", required=True, fallback=(env_fallback, ["PCHAT_WINRM_HOST"])),
    winrm_port=dict(type="int", fallback=(env_fallback, ["PCHAT_WINRM_PORT"])),
    winrm_scheme=dict(type="str", default="https", choices=["http", "https"],
                      fallback=(env_fallback, ["PCHAT_WINRM_SCHEME"])),
    winrm_path=dict(type="str", default="wsman", fallback=(env_fallback, ["PCHAT_WINRM_PATH"])),
    winrm_transport=dict(type="str", default="ntlm", choices=["basic", "ntlm", "kerberos", "credssp", "certificate"],
                         fallback=(env_fallback, ["PCHAT_WINRM_TRANSPORT"])),
    winrm_user=dict(type="str", fallback=(env_fallback, ["PCHAT_WINRM_USER"])),
    winrm_password=dict(type="str", no_log=True, fallback=(env_fallback, ["PCHAT_WINRM_PASSWORD"])),
    winrm_cert_validation=dict(type="bool", default=True, fallback=(env_fallback, ["PCHAT_WINRM_CERT_VALIDATION"])),
    winrm_ca_path=dict(type="path", fallback=(env_fallback, ["PCHAT_WINRM_CA_PATH"])),
    winrm_cert_pem=dict(type="path", fallback=(env_fallback, ["PCHAT_WINRM_CERT_PEM"])),
    winrm_cert_key_pem=dict(type="path", no_log=False, fallback=(env_fallback, ["PCHAT_WINRM_CERT_KEY_PEM"])),
    winrm_message_encryption=dict(type="str", default="auto", choices=["auto", "always", "never"],
                                  fallback=(env_fallback, ["PCHAT_WINRM_MESSAGE_ENCRYPTION"])),
    winrm_read_timeout=dict(type="int", default=60, fallback=(env_fallback, ["PCHAT_WINRM_READ_TIMEOUT"])),
    winrm_operation_timeout=dict(type="int", default=20, fallback=(env_fallback, ["PCHAT_WINRM_OPERATION_TIMEOUT"])),
    winrm_retries=dict(type="int", default=2, fallback=(env_fallback, ["PCHAT_WINRM_RETRIES"])),
    winrm_kerberos_delegation=dict(type="bool", default=False,
                                   fallback=(env_fallback, ["PCHAT_WINRM_KERBEROS_DELEGATION"])),
    winrm_kerberos_hostname_override=dict(type="str",
                                          fallback=(env_fallback, ["PCHAT_WINRM_KERBEROS_HOSTNAME_OVERRIDE"])),
    winrm_proxy=dict(type="str", fallback=(env_fallback, ["PCHAT_WINRM_PROXY"])),
    winrm_no_proxy=dict(type="bool", default=False, fallback=(env_fallback, ["PCHAT_WINRM_NO_PROXY"])),
    winrm_credssp_disable_tlsv1_2=dict(type="bool", default=False,
                                       fallback=(env_fallback, ["PCHAT_WINRM_CREDSSP_DISABLE_TLSV1_2"])),
    winrm_credssp_auth_mechanism=dict(type="str", default="auto", choices=["auto", "ntlm", "kerberos"],
                                      fallback=(env_fallback, ["PCHAT_WINRM_CREDSSP_AUTH_MECHANISM"])),
    winrm_credssp_minimum_version=dict(type="int", default=2,
                                       fallback=(env_fallback, ["PCHAT_WINRM_CREDSSP_MINIMUM_VERSION"])),
    winrm_kinit_mode=dict(type="str", choices=["managed", "manual"], fallback=(env_fallback, ["PCHAT_WINRM_KINIT_MODE"])),
    winrm_kinit_cmd=dict(type="str", default="kinit", fallback=(env_fallback, ["PCHAT_WINRM_KINIT_CMD"])),
    winrm_kinit_args=dict(type="str", fallback=(env_fallback, ["PCHAT_WINRM_KINIT_ARGS"])),
)

SQL_ARG_SPEC = dict(
    sql_connection_string=dict(type="str", no_log=True, fallback=(env_fallback, ["PCHAT_SQL_CONNECTION_STRING"])),
    sql_driver=dict(type="str", fallback=(env_fallback, ["PCHAT_SQL_DRIVER"])),
    sql_server=dict(type="str", fallback=(env_fallback, ["PCHAT_SQL_SERVER"])),
    sql_instance=dict(type="str", fallback=(env_fallback, ["PCHAT_SQL_INSTANCE"])),
    sql_port=dict(type="int", fallback=(env_fallback, ["PCHAT_SQL_PORT"])),
    sql_database=dict(type="str", fallback=(env_fallback, ["PCHAT_SQL_DATABASE"])),
    sql_auth=dict(type="str", default="windows", choices=["windows", "sql"], fallback=(env_fallback, ["PCHAT_SQL_AUTH"])),
    sql_user=dict(type="str", fallback=(env_fallback, ["PCHAT_SQL_USER"])),
    sql_password=dict(type="str", no_log=True, fallback=(env_fallback, ["PCHAT_SQL_PASSWORD"])),
    sql_encrypt=dict(type="bool", default=True, fallback=(env_fallback, ["PCHAT_SQL_ENCRYPT"])),
    sql_trust_server_certificate=dict(type="bool", default=False,
                                      fallback=(env_fallback, ["PCHAT_SQL_TRUST_SERVER_CERTIFICATE"])),
    sql_timeout=dict(type="int", default=30, fallback=(env_fallback, ["PCHAT_SQL_TIMEOUT"])),
    sql_read_only_intent=dict(type="bool", default=False, fallback=(env_fallback, ["PCHAT_SQL_READ_ONLY_INTENT"])),
)

# Option names the action plugin may fill from the host's inventory variables.
WINRM_OPTION_NAMES = tuple(WINRM_ARG_SPEC)


def winrm_argument_spec():
    """A fresh copy of the WinRM connection options (doc fragment lync.persistent_chat.connection)."""
    return copy.deepcopy(WINRM_ARG_SPEC)


def sql_argument_spec():
    """A fresh copy of the SQL options (doc fragment lync.persistent_chat.sql)."""
    return copy.deepcopy(SQL_ARG_SPEC)


def sql_configured(params):
    """True when the options name a database to connect to."""
    return bool(params.get("sql_connection_string") or params.get("sql_server") or params.get("sql_database"))


def winrm_client_kwargs(params):
    """WinRMClient keyword arguments from parsed module options."""
    return dict(
        host=params["winrm_host"],
        port=params.get("winrm_port"),
        scheme=params.get("winrm_scheme") or "https",
        path=params.get("winrm_path") or "wsman",
        transport=params.get("winrm_transport") or "ntlm",
        user=params.get("winrm_user"),
        password=params.get("winrm_password"),
        cert_validation=params.get("winrm_cert_validation", True),
        ca_path=params.get("winrm_ca_path"),
        cert_pem=params.get("winrm_cert_pem"),
        cert_key_pem=params.get("winrm_cert_key_pem"),
        message_encryption=params.get("winrm_message_encryption") or "auto",
        read_timeout=params.get("winrm_read_timeout") or 60,
        operation_timeout=params.get("winrm_operation_timeout") or 20,
        retries=params.get("winrm_retries") if params.get("winrm_retries") is not None else 2,
        kerberos_delegation=bool(params.get("winrm_kerberos_delegation")),
        kerberos_hostname_override=params.get("winrm_kerberos_hostname_override"),
        proxy=params.get("winrm_proxy"),
        no_proxy=bool(params.get("winrm_no_proxy")),
        credssp_disable_tlsv1_2=bool(params.get("winrm_credssp_disable_tlsv1_2")),
        credssp_auth_mechanism=params.get("winrm_credssp_auth_mechanism") or "auto",
        credssp_minimum_version=params.get("winrm_credssp_minimum_version") or 2,
        kinit_mode=params.get("winrm_kinit_mode"),
        kinit_cmd=params.get("winrm_kinit_cmd") or "kinit",
        kinit_args=params.get("winrm_kinit_args"),
    )
