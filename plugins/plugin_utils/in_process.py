# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a controller-only module's logic inside its action plugin, without starting a Python process for it.

Every module task costs a fixed price before it does anything: a Python process, the AnsiballZ wrapper,
ansible's and the module's imports (about 1 s on an idle machine, several at load). The ledger and the
migration lock run four times per stage (issue 16: about 50 of the 90 module runs of a migration) and only
read and write files on the controller, which the action plugin's own process (Ansible's worker) can do.

Their logic lives in module_utils (``<name>_task.py``: ARGUMENT_SPEC, OPTIONS, run(module)); the module file
runs it with AnsibleModule, InProcessActionModule runs it with InProcessModule, which does what AnsibleModule
does for these modules: validates the arguments with the same spec (ArgumentSpecValidator), fails on an
invalid or unknown one, sets check_mode and _diff from the task, collects warnings, and formats the result as
exit_json/fail_json would (the file facts of ``path``, ``invocation``, no_log values removed, JSON types).
The task's ``environment`` is not applied: these modules read no environment variable.

The WinRM and ODBC modules (PchatModule) run the same way through run_module_main: their action plugin
(plugin_utils/pchat_action.py) imports the module file and calls its main() with PchatModule wrapping an
InProcessModule, with the task's ``environment`` in os.environ for the call, as a module process would have it.
"""

from __future__ import annotations

import contextlib
import datetime
import grp
import json
import os
import pwd
import stat
import traceback

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase

from ansible_collections.lync.persistent_chat.plugins.module_utils import common


class ModuleEnded(BaseException):
    """exit_json or fail_json was called: carries the formatted result. Not an Exception, as SystemExit is
    not: a module's ``except Exception`` must not catch the end of the module."""

    def __init__(self, result):
        super(ModuleEnded, self).__init__(result.get("msg", ""))
        self.result = result


def _json_value(value):
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    raise TypeError("%s is not JSON serializable" % type(value).__name__)


def as_json(value):
    """What the value becomes on its way to or from a module process (tuples are lists, tags dropped)."""
    return json.loads(json.dumps(value, default=_json_value))


def path_info(path):
    """The file facts AnsibleModule.add_path_info adds to a result that names a ``path``."""
    b_path = os.fsencode(path)
    if not os.path.exists(b_path):
        return {}
    st = os.lstat(b_path)
    try:
        owner = pwd.getpwuid(st.st_uid)[0]
    except KeyError:
        owner = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid)[0]
    except KeyError:
        group = str(st.st_gid)
    if os.path.islink(b_path):
        kind = "link"
    elif os.path.isdir(b_path):
        kind = "directory"
    elif os.stat(b_path).st_nlink > 1:
        kind = "hard"
    else:
        kind = "file"
    return dict(uid=st.st_uid, gid=st.st_gid, owner=owner, group=group, mode="0%03o" % stat.S_IMODE(st.st_mode),
                state=kind, size=st.st_size)


class InProcessModule(object):
    """The part of AnsibleModule a module_utils ``<name>_task.run`` uses: params, check_mode, _diff, warn,
    exit_json and fail_json (which raise ModuleEnded instead of printing and exiting)."""

    def __init__(self, name, argument_spec, args, check_mode=False, diff=False, **options):
        self._name = name
        self.check_mode = bool(check_mode)
        self._diff = bool(diff)
        self.params = {}
        self.no_log_values = set()
        self._warnings = []
        self._deprecations = []
        validator = ArgumentSpecValidator(argument_spec, **options)
        validation = validator.validate(as_json(args))
        self.params = validation.validated_parameters
        self.no_log_values.update(validation._no_log_values)
        for warning in validation._warnings:
            self.warn("Both option %s and its alias %s are set." % (warning["option"], warning["alias"]))
        try:
            error = validation.errors[0]
        except IndexError:
            error = None
        if error:
            message = validation.errors.msg
            if isinstance(error, UnsupportedError):
                message = "Unsupported parameters for (%s) module: %s" % (name, message)
            self.fail_json(msg=message)

    def warn(self, warning):
        self._warnings.append(warning)

    def deprecate(self, msg, version=None, date=None, collection_name=None):
        self._deprecations.append(dict((key, value) for key, value in (
            ("msg", msg), ("version", version), ("date", date), ("collection_name", collection_name)) if value))

    def exit_json(self, **kwargs):
        raise ModuleEnded(self._formatted(kwargs))

    def fail_json(self, msg, **kwargs):
        kwargs.update(failed=True, msg=str(msg))
        raise ModuleEnded(self._formatted(kwargs))

    def _formatted(self, kwargs):
        """As AnsibleModule._return_formatted: file facts, invocation, warnings, no_log values removed."""
        if kwargs.get("path", kwargs.get("dest")) is not None:
            kwargs.update(path_info(kwargs.get("path", kwargs.get("dest"))))
        kwargs.setdefault("invocation", {"module_args": self.params})
        if self._warnings:
            kwargs["warnings"] = list(self._warnings)
        if self._deprecations:
            kwargs["deprecations"] = list(self._deprecations)
        preserved = {key: value for key, value in kwargs.items() if value is None or isinstance(value, bool)}
        kwargs = remove_values(kwargs, self.no_log_values)
        kwargs.update(preserved)
        return as_json(kwargs)


def _result_of(name, call):
    """What ``call`` ended the module with; an unexpected exception is a failed result with its traceback,
    as a module crash is."""
    try:
        call()
    except ModuleEnded as ended:
        return ended.result
    except Exception as error:  # pylint: disable=broad-except  # a module crash fails its task, never Ansible
        return dict(failed=True, msg="%s failed: %s: %s" % (name, type(error).__name__, error),
                    exception=traceback.format_exc())
    return dict(failed=True, msg="%s returned without a result" % name)


def run_in_process(name, task, args, check_mode=False, diff=False):
    """The result of the module ``task`` (a module_utils ``<name>_task``) run with ``args``, as its module
    would return it."""
    return _result_of(name, lambda: task.run(
        InProcessModule(name, task.argument_spec(), args, check_mode=check_mode, diff=diff, **task.OPTIONS)))


def run_module_main(name, main, args, check_mode=False, diff=False):
    """The result of a PchatModule module's ``main`` run with ``args``, as its module process would return it."""
    def factory(argument_spec, supports_check_mode=False, **options):
        module = InProcessModule(name, argument_spec, args, check_mode=check_mode, diff=diff, **options)
        if check_mode and not supports_check_mode:
            module.exit_json(skipped=True, msg="remote module (%s) does not support check mode" % name)
        return module
    with common.wrapped_module(factory):
        return _result_of(name, main)


@contextlib.contextmanager
def process_environment(environment):
    """``environment`` (the task's) in os.environ for the block, as a module process started with it sees it."""
    previous = dict((key, os.environ.get(key)) for key in environment)
    os.environ.update(dict((str(key), str(value)) for key, value in environment.items()))
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class InProcessActionModule(ActionBase):
    """The action plugin of a controller-only module whose logic runs here (TASK: its module_utils task)."""

    TASK = None
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(InProcessActionModule, self).run(tmp, task_vars)
        del tmp
        name = self._task.resolved_action or self._task.action
        result.update(run_in_process(name, self.TASK, dict(self._task.args), check_mode=self._task.check_mode,
                                     diff=self._task.diff))
        return result
