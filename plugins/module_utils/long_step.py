# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the migration-step modules share: script fragments that read a file's size and SHA256 and a
JSON record kept next to it, timing of each part of a step, and the record itself.

Long steps (export, import, backup, file copy) run as one PowerShell command each. The client's Receive
loop re-polls every time the server answers OperationTimeout (winrm_operation_timeout seconds), so a
command may run for hours as long as winrm_read_timeout is longer than winrm_operation_timeout, which
WinRMClient enforces; run_long gives the client Progress.tick to call on each of those polls. Each part
of a step measures itself on the server (Get-Date before and after) and the module returns the numbers
in ``durations``. While a long command runs, Progress lines go to a file
the action plugin shows at -vv (see plugin_utils/pchat_action.py).
"""

from __future__ import annotations

import json
import os
import time

from ansible_collections.lync.persistent_chat.plugins.module_utils.controller_process import ControllerWatch
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import check_identifier, ps_literal
from ansible_collections.lync.persistent_chat.plugins.module_utils.step_workers import WorkerRecord
from ansible_collections.lync.persistent_chat.plugins.module_utils.winrm import CommandAbandoned

RECORD_SUFFIX = ".pchat.json"
RECORD_FORMAT = "lync.persistent_chat/step-record/1"


def record_path(artifact_path, suffix=RECORD_SUFFIX):
    """Where the JSON record of an artifact lives: next to it, same name plus ``suffix``."""
    return artifact_path + suffix


def parent_folder(windows_path):
    """The folder part of a Windows path (drive or UNC), or None for a bare file name."""
    text = windows_path.rstrip("\\")
    if "\\" not in text:
        return None
    folder = text.rsplit("\\", 1)[0]
    if len(folder) == 2 and folder[1] == ":":
        return folder + "\\"
    if folder.startswith("\\\\") and folder.count("\\") < 4:
        return None  # \\server\share is the root of the share: it exists or the path is wrong
    return folder


def file_state_lines(key, path):
    """Script lines that set $r[key] to @{Exists; Size; Sha256} of a file (Exists false when absent)."""
    check_identifier(key, "result key")
    literal = ps_literal(path)
    return [
        "$r['%s']=[ordered]@{Exists=$false;Size=$null;Sha256=$null}" % key,
        "if(Test-Path -LiteralPath %s -PathType Leaf){$i=Get-Item -LiteralPath %s;"
        "$h=Get-FileHash -LiteralPath %s -Algorithm SHA256;"
        "$r['%s']=[ordered]@{Exists=$true;Size=$i.Length;Sha256=$h.Hash}}" % (literal, literal, literal, key),
    ]


def record_read_lines(key, path):
    """Script lines that set $r[key] to the text of a record file, or $null when there is none. The
    text is parsed in Python, so a damaged record reads as 'no record' instead of failing the script."""
    check_identifier(key, "result key")
    literal = ps_literal(path)
    return ["$r['%s']=$null" % key,
            "if(Test-Path -LiteralPath %s -PathType Leaf){$r['%s']=Get-Content -LiteralPath %s -Raw}"
            % (literal, key, literal)]


def record_write_line(path, record):
    """A script line that writes ``record`` (a dict) as JSON to ``path``. Values are literals, or
    PSVariable references for what only the server knows (a hash computed in the same script)."""
    return "Set-Content -LiteralPath %s -Value (ConvertTo-Json -InputObject %s -Compress -Depth 6) -Encoding UTF8" % (
        ps_literal(path), ps_literal(record))


def make_record(kind, **fields):
    record = {"format": RECORD_FORMAT, "kind": kind}
    record.update(fields)
    return record


def parse_record(text, kind):
    """The record dict from its file text, or None when absent, damaged or of another kind."""
    if not text or not isinstance(text, str):
        return None
    try:
        record = json.loads(text.lstrip(u"\ufeff"))
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT or record.get("kind") != kind:
        return None
    return record


def timed_lines(name, lines):
    """Wrap script lines so the seconds they take land in $d[name] (the script returns $d)."""
    check_identifier(name, "duration name")
    return ["$t=Get-Date"] + list(lines) + ["$d['%s']=[math]::Round(((Get-Date)-$t).TotalSeconds,3)" % name]


def durations_from(raw):
    """Durations dict from the script's $d (numbers only, rounded to milliseconds)."""
    result = {}
    for key, value in (raw or {}).items():
        try:
            result[key] = round(float(value), 3)
        except (TypeError, ValueError):
            continue
    return result


def sha256_equal(left, right):
    return bool(left) and bool(right) and str(left).lower() == str(right).lower()


def utc_now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Clock(object):
    """Controller-side time of each round trip, merged into the result's ``durations``."""

    def __init__(self, results):
        self.results = results
        self.results.setdefault("durations", {})

    def measure(self, name):
        return _Measure(self.results["durations"], name)


class _Measure(object):
    def __init__(self, target, name):
        self.target, self.name = target, name

    def __enter__(self):
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc_info):
        self.target[self.name] = round(time.monotonic() - self.start, 3)
        return False


# -- progress while a long command runs -------------------------------------------------------------

PROGRESS_ENV = "PCHAT_PROGRESS_FILE"


class Progress(object):
    """Lines for the action plugin to show while the module runs (ansible -vv). The action plugin names a
    file in the PCHAT_PROGRESS_FILE environment variable and shows every line appended to it; without that
    variable (a module run some other way) nothing is written."""

    def __init__(self, environ=None, clock=time.monotonic, every=0.0):
        environ = os.environ if environ is None else environ
        self.path = environ.get(PROGRESS_ENV)
        self.clock = clock
        self.every = every
        self.activity = None
        self.started = None
        self.last = None

    def say(self, text):
        if not self.path:
            return
        try:
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(text.replace("\n", " ") + "\n")
        except OSError:
            pass  # progress is a courtesy; the step's result does not depend on it

    def start(self, activity):
        self.activity, self.started = activity, self.clock()
        self.last = self.started
        self.say("%s: started" % activity)

    def tick(self):
        """Called after every Receive that did not finish the command: once per WinRM operation timeout
        (winrm_operation_timeout, 20 s by default) while the command runs, unless ``every`` asks for fewer."""
        if self.activity is None:
            return
        now = self.clock()
        if now - self.last >= self.every:
            self.last = now
            self.say("%s: still running after %ds" % (self.activity, int(now - self.started)))

    def finish(self):
        if self.activity is not None:
            self.say("%s: finished after %.1fs" % (self.activity, self.clock() - self.started))
        self.activity = None


def server_name(module):
    """The server a step works on, as people call it: the Kerberos name when the host is an address."""
    params = getattr(module, "params", None) or {}
    return params.get("winrm_kerberos_hostname_override") or getattr(module, "host", None)


def run_long(module, progress, activity, script, depth=4, idempotent=False, watch=None):
    """Run a long script (by default one that must not be re-sent) with progress lines around it and one
    each time the client finds the command still running. At each of those polls the step also looks for
    its Ansible run: when the run is gone (ansible-playbook killed; its workers live on), the remote
    command is stopped at once instead of running on for nobody, and the step's worker file
    (step_workers.py) says so to the next run."""
    watch = watch if watch is not None else ControllerWatch()
    where = server_name(module)
    worker = WorkerRecord(activity, where, watch)

    def on_wait():
        progress.tick()
        gone = watch.gone()
        if gone:
            raise CommandAbandoned("%s stopped on %s: %s, so nobody would read its result" % (
                activity, where, gone))

    progress.start(activity)
    worker.start()
    try:
        return module.winrm().run_json(script, depth=depth, idempotent=idempotent, on_wait=on_wait)
    except CommandAbandoned as error:
        worker.stopped(str(error))
        progress.say(str(error))
        raise
    finally:
        worker.finish()
        progress.finish()
