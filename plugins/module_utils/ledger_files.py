# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Results too big for the ledger (the verification's comparison of 10,000 rooms is about 2 MB), kept as JSON
files beside it. Carried through Ansible - set_fact, a module's arguments, its returned entry - such a result
costs minutes of templating on the controller; a file costs milliseconds. The ledger records the file's name
and SHA-256, so a reader (the report) knows it reads what was recorded.

A kept file is named by its content (``<migration>.<what>.<first 16 hex of its SHA-256>.json``): writing the same
result again (a resumed run) finds it there and changes nothing, and a later comparison never overwrites the one
a ledger entry names."""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import tempfile

from ansible_collections.lync.persistent_chat.plugins.module_utils import ledger as ledger_lib

_NAME = re.compile(r"^[A-Za-z0-9._-]+\.[a-z_]+\.[0-9a-f]{16}\.json$")


def encoded(value):
    """The bytes a result is kept as (the same value always gives the same bytes) and their SHA-256."""
    data = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return data, hashlib.sha256(data).hexdigest()


def write_atomically(path, data, mode=0o600):
    """Write bytes to path through a temporary file renamed over it: a crash leaves the old file or none."""
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".pchat-", dir=directory)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, mode)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def write_json(path, value, mode=0o600):
    """Write value as JSON at path (atomically); its SHA-256."""
    data, sha256 = encoded(value)
    write_atomically(path, data, mode)
    return sha256


def read_json(path, sha256=None):
    """The JSON value at path; ValueError when sha256 is given and the file's is another."""
    with open(path, "rb") as handle:
        data = handle.read()
    found = hashlib.sha256(data).hexdigest()
    if sha256 and found != sha256.lower():
        raise ValueError("%s has SHA-256 %s, not the recorded %s: it changed after it was recorded" % (path, found, sha256))
    return json.loads(data.decode("utf-8"))


def _stem(migration):
    """The ledger's file name without .json: kept files sort beside their ledger."""
    return os.path.basename(ledger_lib.ledger_path("", migration))[:-len(".json")]


def kept_name(migration, what, sha256):
    return "%s.%s.%s.json" % (_stem(migration), what, sha256[:16])


def keep(directory, migration, what, value, check_mode=False):
    """Keep value beside the migration's ledger: (file name, SHA-256, whether it was written). Nothing is
    written in check mode, nor when the same result is kept already."""
    data, sha256 = encoded(value)
    name = kept_name(migration, what, sha256)
    path = os.path.join(directory, name)
    if os.path.isfile(path):
        with open(path, "rb") as handle:
            if hashlib.sha256(handle.read()).hexdigest() == sha256:
                return name, sha256, False
    if not check_mode:
        write_atomically(path, data, 0o640)          # as readable as the ledger that names it
    return name, sha256, True


def read_kept(directory, name, sha256):
    """A kept result named in the ledger, checked against its recorded SHA-256."""
    if not name or os.path.basename(name) != name or not _NAME.match(name):
        raise ValueError("%r does not name a result kept beside the ledger" % (name,))
    return read_json(os.path.join(directory, name), sha256)


def prune(directory, migration, what, keep_names):
    """Remove the results of this kind kept beside the ledger that are not in keep_names (the ones the ledger
    names and the ones just kept): earlier attempts' comparisons nothing refers to any more. The names removed."""
    pattern = os.path.join(glob.escape(directory), glob.escape("%s.%s." % (_stem(migration), what)) + "*.json")
    removed = []
    for path in sorted(glob.glob(pattern)):
        name = os.path.basename(path)
        if name not in keep_names and _NAME.match(name):
            os.unlink(path)
            removed.append(name)
    return removed
