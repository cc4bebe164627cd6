# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin behind every module of the collection (each plugins/action/<module>.py subclasses it).

The task's host is a Windows server written like any Windows inventory entry, but our modules are
Python that runs on the controller and speaks WinRM itself. So this plugin:

1. turns the host's connection variables (ansible_host, ansible_user, ansible_winrm_*) into the
   modules' winrm_* options, where the task did not set them explicitly;
2. runs the module on the controller through a local connection and the controller's own Python,
   whatever ``ansible_connection`` the host has, so Ansible never opens a WinRM connection itself;
3. always runs the module pipelined (its AnsiballZ wrapper, arguments included, goes to the Python process
   on stdin), whatever ansible.cfg says: the arguments hold the WinRM password, and a module written to
   ~/.ansible/tmp would leave it on disk, for good when the run is killed. ANSIBLE_KEEP_REMOTE_FILES is
   ignored for these modules, with a warning;
4. shows at -vv the progress lines a long-running module appends to the file named by the
   PCHAT_PROGRESS_FILE environment variable while it runs (module_utils/long_step.py Progress);
5. runs the module's main() in this process (Ansible's worker for the task) instead, with the same argument
   validation and result (plugin_utils/in_process.py): a module process costs a Python start, AnsiballZ and
   ansible's imports, about 0.7 s a task (issue 16). PCHAT_MODULES_IN_PROCESS=0 in the controller's
   environment gives every module its own process again. Modules with a long remote step always keep
   their own process (IN_PROCESS False in their action plugin): module_utils/step_workers.py records that
   process for the next run's lock, and its ControllerWatch stops the step when the run is gone.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import threading

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.lync.persistent_chat.plugins.plugin_utils.in_process import (
    process_environment,
    run_module_main,
)

display = Display()

KEEP_REMOTE_FILES_IGNORED = (
    "ANSIBLE_KEEP_REMOTE_FILES is set, but lync.persistent_chat modules are never written to disk: their "
    "arguments hold the WinRM password, so they always run pipelined and nothing is kept")

# The module inherits the controller's environment through the local connection.
PROGRESS_ENV = "PCHAT_PROGRESS_FILE"
# 0 (false, no, off): a process of its own for each WinRM and ODBC module (point 5 of the module docstring).
IN_PROCESS_ENV = "PCHAT_MODULES_IN_PROCESS"
IN_PROCESS_BY_DEFAULT = True
IN_PROCESS_OFF = ("0", "false", "no", "off")

# module option -> host variables that may carry it, first match wins: the winrm connection plugin's names
# in the order it reads them, then the psrp connection plugin's equivalents (an inventory written for
# ansible_connection=psrp).
HOST_VARIABLES = (
    ("winrm_host", ("ansible_host", "ansible_winrm_host", "ansible_psrp_host")),
    ("winrm_port", ("ansible_port", "ansible_winrm_port", "ansible_psrp_port")),
    ("winrm_scheme", ("ansible_winrm_scheme", "ansible_psrp_protocol")),
    ("winrm_path", ("ansible_winrm_path", "ansible_psrp_path")),
    ("winrm_transport", ("ansible_winrm_transport", "ansible_psrp_auth")),
    ("winrm_user", ("ansible_user", "ansible_winrm_user", "ansible_psrp_user")),
    ("winrm_password", ("ansible_password", "ansible_winrm_password", "ansible_winrm_pass", "ansible_psrp_password",
                        "ansible_psrp_pass")),
    ("winrm_cert_validation", ("ansible_winrm_server_cert_validation", "ansible_psrp_cert_validation")),
    ("winrm_ca_path", ("ansible_winrm_ca_trust_path", "ansible_psrp_ca_path")),
    ("winrm_cert_pem", ("ansible_winrm_cert_pem", "ansible_psrp_certificate_pem")),
    ("winrm_cert_key_pem", ("ansible_winrm_cert_key_pem", "ansible_psrp_certificate_key_pem")),
    ("winrm_read_timeout", ("ansible_winrm_read_timeout_sec", "ansible_psrp_read_timeout")),
    ("winrm_operation_timeout", ("ansible_winrm_operation_timeout_sec", "ansible_psrp_operation_timeout")),
    ("winrm_message_encryption", ("ansible_winrm_message_encryption", "ansible_psrp_message_encryption")),
    ("winrm_kerberos_delegation", ("ansible_winrm_kerberos_delegation", "ansible_psrp_negotiate_delegate")),
    ("winrm_kerberos_hostname_override", ("ansible_winrm_kerberos_hostname_override",
                                          "ansible_psrp_negotiate_hostname_override")),
    ("winrm_proxy", ("ansible_winrm_proxy", "ansible_psrp_proxy")),
    ("winrm_no_proxy", ("ansible_winrm_no_proxy", "ansible_psrp_ignore_proxy")),
    ("winrm_credssp_disable_tlsv1_2", ("ansible_winrm_credssp_disable_tlsv1_2",
                                       "ansible_psrp_credssp_disable_tlsv1_2")),
    ("winrm_credssp_auth_mechanism", ("ansible_winrm_credssp_auth_mechanism", "ansible_psrp_credssp_auth_mechanism")),
    ("winrm_credssp_minimum_version", ("ansible_winrm_credssp_minimum_version",
                                       "ansible_psrp_credssp_minimum_version")),
    ("winrm_kinit_mode", ("ansible_winrm_kinit_mode",)),
    ("winrm_kinit_cmd", ("ansible_winrm_kinit_cmd",)),
    ("winrm_kinit_args", ("ansible_winrm_kinit_args",)),
)
# Read besides HOST_VARIABLES: psrp's default authentication depends on the connection.
OTHER_HOST_VARIABLES = ("inventory_hostname", "ansible_connection")

BOOLEAN_OPTIONS = ("winrm_kerberos_delegation", "winrm_no_proxy", "winrm_credssp_disable_tlsv1_2")
NUMBER_OPTIONS = ("winrm_port", "winrm_read_timeout", "winrm_operation_timeout", "winrm_credssp_minimum_version")
TEXT_OPTIONS = ("winrm_host", "winrm_user", "winrm_password", "winrm_scheme", "winrm_path",
                "winrm_kerberos_hostname_override", "winrm_proxy", "winrm_credssp_auth_mechanism",
                "winrm_kinit_mode", "winrm_kinit_cmd", "winrm_kinit_args", "winrm_message_encryption")

# Ansible's winrm connection accepts pywinrm's transport aliases; our modules name them plainly.
TRANSPORT_ALIASES = {"plaintext": "basic", "basic": "basic", "ntlm": "ntlm", "kerberos": "kerberos",
                     "credssp": "credssp", "certificate": "certificate"}

NEGOTIATE_ADVICE = (
    "this collection reaches Windows through pywinrm, which cannot negotiate between Kerberos and NTLM as "
    "psrp's 'negotiate' does: set ansible_psrp_auth (or ansible_winrm_transport) to kerberos (with "
    "ansible_psrp_negotiate_delegate: true for the cutover's second hop), credssp, ntlm, certificate or basic")


def _transport(value, has_client_cert):
    """The first usable entry of ansible_winrm_transport (a list or a comma-separated string)."""
    entries = value if isinstance(value, (list, tuple)) else to_text(value).split(",")
    for entry in entries:
        name = to_text(entry).strip().lower()
        if name == "ssl":  # pywinrm: client certificate if one is given, else Basic over TLS
            return "certificate" if has_client_cert else "basic"
        if name in TRANSPORT_ALIASES:
            return TRANSPORT_ALIASES[name]
        if name == "negotiate":
            raise AnsibleError("authentication 'negotiate': " + NEGOTIATE_ADVICE)
    raise AnsibleError("ansible_winrm_transport %r names no transport this collection supports (%s)"
                       % (value, ", ".join(sorted(set(TRANSPORT_ALIASES.values())))))


def _cert_validation(value):
    text = to_text(value).strip().lower()
    if text in ("ignore", "validate"):
        return text == "validate"
    return boolean(value, strict=True)


def connection_args_from_host(host_vars, explicit_args):
    """winrm_* options taken from host variables for every option the task did not set.

    ``host_vars`` holds already-templated values. Explicit task arguments (including
    module_defaults, which Ansible merges into them) always win.
    """
    derived = {}
    for option, names in HOST_VARIABLES:
        if explicit_args.get(option) is not None:
            continue
        for name in names:
            if host_vars.get(name) is not None:
                derived[option] = host_vars[name]
                break
    if "winrm_host" not in derived and explicit_args.get("winrm_host") is None and host_vars.get("inventory_hostname"):
        derived["winrm_host"] = host_vars["inventory_hostname"]
    if ("winrm_transport" not in derived and explicit_args.get("winrm_transport") is None
            and to_text(host_vars.get("ansible_connection") or "").rsplit(".", 1)[-1] == "psrp"):
        raise AnsibleError("ansible_connection is psrp without ansible_psrp_auth, so psrp would negotiate: "
                           + NEGOTIATE_ADVICE)
    if "winrm_transport" in derived:
        has_cert = bool(explicit_args.get("winrm_cert_pem") or derived.get("winrm_cert_pem"))
        derived["winrm_transport"] = _transport(derived["winrm_transport"], has_cert)
    if "winrm_cert_validation" in derived:
        derived["winrm_cert_validation"] = _cert_validation(derived["winrm_cert_validation"])
    for option in BOOLEAN_OPTIONS:
        if option in derived:
            try:
                derived[option] = boolean(derived[option], strict=True)
            except TypeError:
                raise AnsibleError("%s from the host variables is not a boolean: %r" % (option, derived[option]))
    for option in NUMBER_OPTIONS:
        if option in derived:
            try:
                derived[option] = int(derived[option])
            except (TypeError, ValueError):
                raise AnsibleError("%s from the host variables is not a number: %r" % (option, derived[option]))
    for option in TEXT_OPTIONS:
        if option in derived:
            derived[option] = to_text(derived[option])
    return derived


class ProgressTail(object):
    """While the module runs, show (display.vv) each line it appends to a temporary progress file."""

    def __init__(self, host, interval=0.5, show=None):
        handle, self.path = tempfile.mkstemp(prefix="pchat-progress-", suffix=".log")
        os.close(handle)
        self.host = host
        self.interval = interval
        self._show_line = show or (lambda line: display.vv(line, host=self.host))
        self._offset = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pchat-progress", daemon=True)
        self._previous = None

    def __enter__(self):
        self._previous = os.environ.get(PROGRESS_ENV)
        os.environ[PROGRESS_ENV] = self.path
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join(timeout=5)
        self.show_new_lines()
        if self._previous is None:
            os.environ.pop(PROGRESS_ENV, None)
        else:
            os.environ[PROGRESS_ENV] = self._previous
        try:
            os.unlink(self.path)
        except OSError:
            pass
        return False

    def _run(self):
        while not self._stop.wait(self.interval):
            self.show_new_lines()

    def show_new_lines(self):
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._offset)
                data = handle.read()
        except OSError:
            return
        end = data.rfind(b"\n")
        if end < 0:
            return  # only a partial line so far
        self._offset += end + 1
        for line in data[:end].decode("utf-8", errors="replace").split("\n"):
            if line.strip():
                self._show_line(line)


class PchatActionModule(ActionBase):
    """Run a lync.persistent_chat module on the controller with the host's WinRM settings."""

    _supports_check_mode = True
    _supports_async = False
    # Run the module's main() in this process (point 5 of the module docstring): None unless
    # PCHAT_MODULES_IN_PROCESS turns it off, False never.
    IN_PROCESS = None

    def _host_vars(self, task_vars):
        """The connection variables of the host the task runs against: the delegated host's when the
        task has delegate_to (task_vars still describe the inventory host then)."""
        source = task_vars
        delegate_to = self._task.delegate_to
        if delegate_to:
            source = dict((task_vars.get("ansible_delegated_vars") or {}).get(delegate_to) or {})
            source.setdefault("inventory_hostname", delegate_to)
        names = {name for _option, names in HOST_VARIABLES for name in names}
        names.update(OTHER_HOST_VARIABLES)
        values = {}
        for name in names:
            if source.get(name) is not None:
                values[name] = self._templar.template(source[name])
        return values

    def _local_connection(self):
        loader = self._shared_loader_obj
        shell = loader.shell_loader.get("sh")
        shell.set_options(var_options={})
        connection = loader.connection_loader.get("local", self._play_context, new_stdin=None, shell=shell)
        # Pipelined: the module and its arguments reach Python on stdin, never a file (see the module docstring).
        connection.set_options(var_options={}, direct={"pipelining": True})
        return connection

    def _is_pipelining_enabled(self, module_style, wrap_async=False):
        """Always, for the module this plugin runs on its local connection: ActionBase would otherwise write
        AnsiballZ_<module>.py, the password among its arguments, when pipelining is off in ansible.cfg or
        ANSIBLE_KEEP_REMOTE_FILES is set. Refuses what cannot be pipelined rather than writing it."""
        if module_style != "new" or wrap_async or not self._connection.has_pipelining:
            raise AnsibleError("lync.persistent_chat runs its modules pipelined only (their arguments hold the "
                               "WinRM password); this one cannot be (module style %s%s)"
                               % (module_style, ", async" if wrap_async else ""))
        return True

    def run(self, tmp=None, task_vars=None):
        task_vars = dict(task_vars or {})
        result = super(PchatActionModule, self).run(tmp, task_vars)
        del tmp

        module_args = dict(self._task.args)
        module_args.update(connection_args_from_host(self._host_vars(task_vars), module_args))

        # The module is Python for the controller: run it with the interpreter running Ansible, which
        # is where pywinrm and pyodbc are installed.
        local_overrides = dict(ansible_python_interpreter=sys.executable, ansible_connection="local",
                               ansible_shell_type="sh")
        local_vars = dict(task_vars, **local_overrides)
        delegate_to = self._task.delegate_to
        if delegate_to and delegate_to in (task_vars.get("ansible_delegated_vars") or {}):
            # With delegate_to, ActionBase builds the module from the delegated host's variables.
            delegated = dict(task_vars["ansible_delegated_vars"])
            delegated[delegate_to] = dict(delegated[delegate_to], **local_overrides)
            local_vars["ansible_delegated_vars"] = delegated

        if self.runs_in_process():
            with ProgressTail(task_vars.get("inventory_hostname")):
                result.update(self._run_in_process(module_args))
            return result

        if C.DEFAULT_KEEP_REMOTE_FILES:
            display.warning(KEEP_REMOTE_FILES_IGNORED)
        remote_connection = self._connection
        self._connection = self._local_connection()
        try:
            with ProgressTail(task_vars.get("inventory_hostname")):
                result.update(self._execute_module(module_name=self._task.resolved_action or self._task.action,
                                                   module_args=module_args, task_vars=local_vars))
        finally:
            try:
                if self._connection._shell.tmpdir is not None:
                    self._remove_tmp_path(self._connection._shell.tmpdir)
            finally:
                self._connection = remote_connection
        return result

    @classmethod
    def runs_in_process(cls):
        if cls.IN_PROCESS is not None:
            return cls.IN_PROCESS
        if os.environ.get(IN_PROCESS_ENV, "").strip().lower() in IN_PROCESS_OFF:
            return False
        return IN_PROCESS_BY_DEFAULT

    def _run_in_process(self, module_args):
        """The module's result from its main() run here, with the task's environment as its process would get it."""
        name = self._task.resolved_action or self._task.action
        collection, short_name = name.rsplit(".", 1)
        module = importlib.import_module("ansible_collections.%s.plugins.modules.%s" % (collection, short_name))
        environment = {}
        self._compute_environment_string(environment)
        with process_environment(environment):
            return run_module_main(name, module.main, module_args, check_mode=self._task.check_mode,
                                   diff=self._task.diff)
