# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base every module of the collection runs on (in the spirit of kubernetes.core's
AnsibleK8SModule): merged argument spec, check mode, diff, the WinRM and SQL clients of the run, a
``step`` that every failure names, and one results dict."""

from __future__ import annotations

import contextlib

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.lync.persistent_chat.plugins.module_utils import sql as sql_utils
from ansible_collections.lync.persistent_chat.plugins.module_utils import winrm as winrm_utils
from ansible_collections.lync.persistent_chat.plugins.module_utils.connection_args import (
    sql_argument_spec,
    sql_configured,
    winrm_argument_spec,
    winrm_client_kwargs,
)


# What PchatModule wraps. A module run in its own process wraps AnsibleModule; the action plugin, when it runs
# the module's main() in Ansible's worker instead (plugin_utils/in_process.py), swaps in its InProcessModule
# for that call with wrapped_module().
_MODULE_FACTORY = [AnsibleModule]
# The PchatModules made in each wrapped_module block, which closes their clients (shells, kinit caches) at its
# end even when the module crashed: the process it runs in goes on to the next loop item or task.
_MADE = []


@contextlib.contextmanager
def wrapped_module(factory):
    """PchatModule wraps ``factory(argument_spec=..., supports_check_mode=..., **kwargs)`` in this block."""
    _MODULE_FACTORY.append(factory)
    _MADE.append([])
    try:
        yield
    finally:
        _MODULE_FACTORY.pop()
        for module in _MADE.pop():
            module.close()


class PchatModule(object):
    """Wraps AnsibleModule. ``connections`` says which shared option sets the module takes:
    'winrm', 'sql' or both."""

    def __init__(self, argument_spec, connections=("winrm",), supports_check_mode=True,
                 winrm_factory=None, sql_factory=None, **kwargs):
        spec = {}
        if "winrm" in connections:
            spec.update(winrm_argument_spec())
        if "sql" in connections:
            spec.update(sql_argument_spec())
        overlap = set(spec) & set(argument_spec)
        if overlap:
            raise ValueError("module options shadow connection options: %s" % ", ".join(sorted(overlap)))
        spec.update(argument_spec)
        self.module = _MODULE_FACTORY[-1](argument_spec=spec, supports_check_mode=supports_check_mode, **kwargs)
        self.params = self.module.params
        self.connections = connections
        self.results = dict(changed=False)
        self.current_step = "check the options"
        self._winrm = None
        self._sql = None
        self._winrm_factory = winrm_factory or winrm_utils.WinRMClient
        self._sql_factory = sql_factory or sql_utils.SQLClient
        if _MADE:
            _MADE[-1].append(self)

    # -- facts about the run --------------------------------------------------------------------------
    @property
    def check_mode(self):
        return self.module.check_mode

    @property
    def diff_mode(self):
        return self.module._diff

    @property
    def host(self):
        return self.params.get("winrm_host") or self.params.get("sql_server") or "localhost"

    # -- clients, one of each per run ---------------------------------------------------------------
    def winrm(self):
        if self._winrm is None:
            if self._winrm_factory is winrm_utils.WinRMClient and not winrm_utils.load_pywinrm():
                self.fail_json(msg=missing_required_lib("pywinrm"), exception=str(winrm_utils.WINRM_IMPORT_ERROR))
            try:
                self._winrm = self._winrm_factory(**winrm_client_kwargs(self.params))
            except winrm_utils.WinRMError as error:
                self.fail_json(msg=str(error))
        return self._winrm

    def sql_connection_string(self):
        params = self.params
        if params.get("sql_connection_string"):
            return params["sql_connection_string"]
        return sql_utils.build_connection_string(
            driver=params.get("sql_driver"), server=params.get("sql_server"),
            instance=params.get("sql_instance"), port=params.get("sql_port"),
            database=params.get("sql_database"), auth=params.get("sql_auth"), user=params.get("sql_user"),
            password=params.get("sql_password"), encrypt=params.get("sql_encrypt"),
            trust_server_certificate=params.get("sql_trust_server_certificate"),
            timeout=params.get("sql_timeout"), read_only_intent=params.get("sql_read_only_intent"))

    def sql_configured(self):
        return sql_configured(self.params)

    def sql(self):
        if self._sql is None:
            if not sql_utils.HAS_PYODBC and self._sql_factory is sql_utils.SQLClient:
                self.fail_json(msg=missing_required_lib("pyodbc"), exception=str(sql_utils.PYODBC_IMPORT_ERROR))
            try:
                self._sql = self._sql_factory(self.sql_connection_string(), timeout=self.params.get("sql_timeout") or 30)
            except sql_utils.SQLError as error:
                self.fail_json(msg=str(error))
        return self._sql

    def close(self):
        for client in (self._winrm, self._sql):
            if client is not None:
                client.close()
        self._winrm = self._sql = None

    # -- steps and failures -------------------------------------------------------------------------
    @contextlib.contextmanager
    def step(self, name):
        """Name the part of the run that follows; a WinRM/SQL error inside fails the module with the
        host and this name in the message."""
        previous, self.current_step = self.current_step, name
        try:
            yield
        except (winrm_utils.WinRMError, sql_utils.SQLError) as error:
            extra = {}
            if isinstance(error, winrm_utils.PowerShellError):
                extra = dict(cmdlet=error.cmdlet, error_id=error.error_id, category=error.category)
            # A known, explained failure: the message says it all, so no traceback (which Ansible
            # would announce as "an exception occurred").
            self.fail_json(msg=str(error), **extra)
        self.current_step = previous

    def fail_json(self, msg, **kwargs):
        """fail_json with 'host: step: ' in front, and the shell closed first."""
        self.close()
        prefix = "%s: %s: " % (self.host, self.current_step)
        if not msg.startswith(prefix):
            msg = prefix + msg
        kwargs.setdefault("step", self.current_step)
        result = dict(self.results)
        result.update(kwargs)
        result["changed"] = self.results.get("changed", False)
        self.module.fail_json(msg=msg, **result)

    def set_diff(self, before, after):
        """Record a diff (only when the run asked for one)."""
        if self.diff_mode:
            self.results["diff"] = dict(before=before, after=after)

    def exit_json(self, **kwargs):
        self.close()
        self.results.update(kwargs)
        self.module.exit_json(**self.results)
