# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The read -> compare -> change pattern shared by the modules that manage Persistent Chat objects
(category, room, addin, configuration, policy, compliance, pool_state).

A run reads the current object in one script, decides in Python what differs, and (unless in check
mode) sends one more script that changes it and reads it back. Member-like lists (SIP URIs or AD
distinguished names) are given either as the whole list (``<list>``) or as ``<list>_add`` /
``<list>_remove``; either way the change is sent as a PSListModifier ``@{Add=...; Remove=...}`` with
only the entries that differ, compared case-insensitively.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_views import (
    LIST,
    PLAIN,
    STRING,
    as_list,
    normalise,
    property_definitions,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import (
    PSCommand,
    PSListModifier,
    check_identifier,
    ps_literal,
    quote_string,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.winrm import PowerShellError

__all__ = ["LIST", "PLAIN", "STRING", "ReadScript", "list_options", "list_option_errors", "desired_list",
           "list_delta", "same_members", "principal_error", "changed_properties", "pool_records",
           "choose_pool", "wildcard_safe", "parse_timespan", "format_timespan", "canonical_scope",
           "scope_error", "find_scoped", "same_text", "by_name", "run_change", "ObjectRun", "name_errors"]

# A SIP URI of a user (sip:user@domain) or an AD distinguished name (CN=/OU=/DC=...).
_SIP_URI = re.compile(r"\Asip:[^@\s]+@[^@\s]+\Z", re.IGNORECASE)
_DN = re.compile(r"\A(CN|OU|DC)=[^,]+(,\s*(CN|OU|DC)=[^,]+)*\Z", re.IGNORECASE)
_FQDN = re.compile(r"\A(?=.{1,255}\Z)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\Z")

POOL_PROPERTIES = [("PoolFqdn", STRING)]


# -- member-like lists ------------------------------------------------------------------------------

def list_options(name):
    """Argument spec entries for one member-like list: ``name`` (the whole list), ``name_add`` and
    ``name_remove`` (entries to add or take away)."""
    return {
        name: dict(type="list", elements="str"),
        name + "_add": dict(type="list", elements="str"),
        name + "_remove": dict(type="list", elements="str"),
    }


def list_mutually_exclusive(names):
    """``<list>`` with ``<list>_add`` or ``<list>_remove`` makes no sense: refuse it."""
    pairs = []
    for name in names:
        pairs.append([name, name + "_add"])
        pairs.append([name, name + "_remove"])
    return pairs


def name_errors(option, value, limit):
    """Why ``value`` cannot name a category, room or add-in (an empty list when it can).

    A name that begins or ends with white space is refused before anything is changed: Lync reads an
    Identity ``<pool>\\<name>`` trimmed, so such an object could be created but never found again
    (lab/COVERAGE.md, "Object names")."""
    if not value.strip():
        return ["%s cannot be empty" % option]
    errors = []
    if value != value.strip():
        errors.append("%s %r begins or ends with white space, which Lync cannot find again by name: remove the "
                      "leading and trailing spaces" % (option, value))
    if len(value) > limit:
        errors.append("%s is %d characters long (at most %d)" % (option, len(value), limit))
    return errors


def principal_error(value):
    """None when ``value`` is a SIP URI (sip:user@domain) or a distinguished name; else why not."""
    if not isinstance(value, str) or not value.strip():
        return "an empty entry"
    if value != value.strip():
        return "%r has leading or trailing spaces" % value
    if _SIP_URI.match(value) or _DN.match(value):
        return None
    return "%r is neither a SIP URI (sip:user@domain) nor a distinguished name (CN=/OU=/DC=...)" % value


def list_option_errors(params, names):
    """Messages for every malformed entry of the list options, and entries both added and removed."""
    errors = []
    for name in names:
        for option in (name, name + "_add", name + "_remove"):
            for value in params.get(option) or []:
                problem = principal_error(value)
                if problem:
                    errors.append("%s: %s" % (option, problem))
        both = {_key(v) for v in params.get(name + "_add") or []} & {_key(v) for v in params.get(name + "_remove") or []}
        if both:
            errors.append("%s_add and %s_remove both name %s" % (name, name, ", ".join(sorted(both))))
    return errors


def _key(value):
    # SIP URIs and distinguished names compare case-insensitively.
    return value.strip().lower()


def _unique(values):
    seen, out = set(), []
    for value in values:
        if _key(value) not in seen:
            seen.add(_key(value))
            out.append(value)
    return out


def desired_list(current, whole=None, add=None, remove=None):
    """The list the object should end with, or None when the options leave it alone."""
    if whole is None and add is None and remove is None:
        return None
    if whole is not None:
        return _unique(whole)
    removed = {_key(v) for v in remove or []}
    result = [value for value in current if _key(value) not in removed]
    return _unique(result + list(add or []))


def list_delta(current, target):
    """(to add, to remove) turning ``current`` into ``target``, case-insensitively."""
    current_keys = {_key(v) for v in current}
    target_keys = {_key(v) for v in target}
    return ([v for v in target if _key(v) not in current_keys],
            _unique([v for v in current if _key(v) not in target_keys]))


def same_members(first, second):
    return {_key(v) for v in first or []} == {_key(v) for v in second or []}


def list_modifier(current, target):
    """A PSListModifier with only what differs, or None when nothing does."""
    add, remove = list_delta(current, target)
    if not add and not remove:
        return None
    return PSListModifier(add=add or None, remove=remove or None)


# -- comparing ------------------------------------------------------------------------------------

def same_text(first, second):
    """Strings as Lync returns them: null and '' are the same (an unset description reads as either)."""
    return (first or "") == (second or "")


def changed_properties(before, desired, lists=(), case_insensitive=()):
    """Names of the properties whose desired value (not None) differs from ``before``."""
    changed = []
    for name, value in desired.items():
        if value is None:
            continue
        current = before.get(name)
        if name in lists:
            same = same_members(current, value)
        elif name in case_insensitive:
            same = (current or "").lower() == (value or "").lower()
        elif isinstance(value, str) or value is None:
            same = same_text(current, value)
        else:
            same = current == value
        if not same:
            changed.append(name)
    return changed


def by_name(records, name):
    """Records whose Name equals ``name`` (case-insensitively, as Lync compares names)."""
    return [record for record in records if (record.get("Name") or "").lower() == name.lower()]


# -- pools ----------------------------------------------------------------------------------------

def named_in_pool(raw, key, properties, name, pool):
    """The ``key`` records of a read script's result named ``name`` in ``pool`` (a record without a
    pool FQDN belongs to the only pool there is)."""
    return [record for record in by_name(records(raw, key, properties), name)
            if (record.get("PersistentChatPoolFqdn") or pool).lower() == pool.lower()]


def sip_uri(address):
    """A SIP address with its sip: scheme, whether or not it was written with one."""
    return address if address.lower().startswith("sip:") else "sip:" + address


def fqdn_error(value):
    if not _FQDN.match(value or ""):
        return "%r is not a fully qualified domain name" % (value,)
    return None


def pool_records(raw):
    return [normalise(record, POOL_PROPERTIES) for record in as_list(raw)]


def choose_pool(pools, wanted):
    """The pool FQDN to use: ``wanted`` when that pool exists (as Lync spells it), else the only pool.
    Returns (fqdn, error message)."""
    names = [pool["PoolFqdn"] for pool in pools if pool.get("PoolFqdn")]
    if wanted:
        for name in names:
            if name.lower() == wanted.lower():
                return name, None
        return None, "no Persistent Chat pool %s in the topology (pools: %s)" % (wanted, ", ".join(names) or "none")
    if len(names) == 1:
        return names[0], None
    if not names:
        return None, "the topology has no Persistent Chat pool"
    return None, "the topology has %d Persistent Chat pools (%s): set pool_fqdn" % (len(names), ", ".join(names))


def wildcard_safe(name):
    """A -Filter wildcard that matches ``name`` and possibly a few others: every character that is
    special in a PowerShell wildcard (* ? [ ] `) becomes ?. The caller then keeps exact matches only."""
    return re.sub(r"[*?\[\]`]", "?", name)


# -- XDS scopes (configuration, policy, compliance) -----------------------------------------------

def canonical_scope(scope, tags=False):
    """The identity to send and the lower-case key to compare: ``global``, ``site:<name>``,
    ``service:<role>:<fqdn>`` and (policies) ``tag:<name>`` or a bare per-user policy name."""
    text = scope.strip()
    lowered = text.lower()
    if lowered == "global":
        return "Global", "global"
    if tags and ":" not in text:
        return "Tag:" + text, "tag:" + lowered
    return text, lowered


def scope_error(scope, tags=False):
    text = (scope or "").strip()
    lowered = text.lower()
    if lowered == "global":
        return None
    if lowered.startswith("site:") and len(text) > 5 and ":" not in text[5:]:
        return None
    if lowered.startswith("service:"):
        parts = text.split(":")
        if len(parts) == 3 and parts[1] and fqdn_error(parts[2]) is None:
            return None
        return "%r: a service scope is written service:<role>:<pool fqdn>, e.g. service:PersistentChatServer:pc.contoso.com" % scope
    if tags:
        name = text[4:] if lowered.startswith("tag:") else text
        if name and ":" not in name and name == name.strip():
            return None
        return "%r: a per-user policy is named tag:<name> or just <name>" % scope
    return "%r is not a scope: use global, site:<site name> or service:PersistentChatServer:<pool fqdn>" % scope


def find_scoped(records, key):
    """The record whose Identity is ``key`` (lower-case canonical form)."""
    for record in records:
        identity = (record.get("Identity") or "").strip().lower()
        if identity == key:
            return record
    return None


# -- TimeSpan -------------------------------------------------------------------------------------

_TIMESPAN = re.compile(r"\A(?:(?P<days>\d+)\.)?(?P<hours>\d{1,2}):(?P<minutes>\d{2}):(?P<seconds>\d{2})\Z")


def parse_timespan(text):
    """'hh:mm:ss' or 'd.hh:mm:ss' (TimeSpan's invariant format) as a timedelta; None when malformed."""
    match = _TIMESPAN.match((text or "").strip())
    if not match:
        return None
    hours, minutes, seconds = int(match.group("hours")), int(match.group("minutes")), int(match.group("seconds"))
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    return datetime.timedelta(days=int(match.group("days") or 0), hours=hours, minutes=minutes, seconds=seconds)


def format_timespan(value):
    """A timedelta as TimeSpan.ToString() writes it: [d.]hh:mm:ss."""
    total = int(value.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "%02d:%02d:%02d" % (hours, minutes, seconds)
    return "%d.%s" % (days, text) if days else text


# -- scripts --------------------------------------------------------------------------------------

class ReadScript(object):
    """A script that collects named results into one ordered dictionary: ``$r['name']=@(...)``.

    Plain properties are written as quoted names in Select-Object and the calculated ones (enums,
    lists) once as ``$pName`` variables, so a property read by several queries is defined once."""

    def __init__(self, modules=("Lync",)):
        self.lines = ["Import-Module %s" % check_identifier(module, "module") for module in modules]
        self.lines.append("$r=[ordered]@{}")
        self._definitions = []
        self._defined = set()

    def variable(self, name, value):
        """``$name=<literal>``, so a long value is written once."""
        self.lines.append("$%s=%s" % (check_identifier(name, "variable"), ps_literal(value)))
        return self

    def _define(self, properties):
        for line in property_definitions([properties]):
            if line not in self._defined:
                self._defined.add(line)
                self._definitions.append(line)

    @staticmethod
    def select_list(properties):
        parts = []
        for name, kind in properties:
            check_identifier(name, "property")
            parts.append(quote_string(name) if kind == PLAIN else "$p%s" % name)
        return ",".join(parts)

    def collect(self, key, command, properties, where=None):
        """``$r['key']=@(<command>[|Where-Object {<where>}]|Select-Object ...)``. ``command`` is a
        PSCommand or a pipeline text built from PSCommands; ``where`` is a fixed condition text."""
        check_identifier(key, "result key")
        self._define(properties)
        text = command.render() if isinstance(command, PSCommand) else command
        if where:
            text += "|Where-Object {%s}" % where
        self.lines.append("$r['%s']=@(%s|Select-Object %s)" % (key, text, self.select_list(properties)))
        return self

    def add(self, line):
        """A statement built by the caller from PSCommands and literals."""
        self.lines.append(line)
        return self

    def render(self):
        # Definitions go right after the imports, before any use.
        head = [line for line in self.lines if line.startswith("Import-Module ")]
        body = [line for line in self.lines if not line.startswith("Import-Module ")]
        return "\n".join(head + self._definitions + body + ["$r"])


def records(raw, key, properties):
    return [normalise(record, properties) for record in as_list((raw or {}).get(key))]


def run_change(module, script, creating=False, depth=4):
    """Send a change script (never re-sent on a network error). When a create's follow-up Set- fails,
    the object was created all the same, so the failed run reports changed."""
    try:
        return module.winrm().run_json(script, depth=depth, idempotent=False)
    except PowerShellError as error:
        if creating and (error.cmdlet or "").lower().startswith("set-"):
            module.results["changed"] = True
        raise


class ObjectRun(object):
    """The skeleton the pool object modules (addin, category, room) share: read the object and the pools
    in one script, choose the pool, find the object by name, then either remove it (state absent), stop
    (nothing differs) or send one change script that reads it back. A module keeps what differs: its
    options, scripts and comparison.

    ``noun`` names the object in step names ("add-in"), ``key`` is both the read script's result key and
    the module's return key ("addin")."""

    def __init__(self, module, noun, key, properties):
        self.module = module
        self.noun = noun
        self.key = key
        self.properties = properties
        self.pool = None
        self.before = None

    def read(self, script, name, pool_fqdn, inspect=None):
        """Run the read script; set ``pool`` and ``before`` (None when there is no such object). ``inspect(raw,
        pool)`` looks at the rest of the answer within the same step, so its failures name it."""
        module = self.module
        with module.step("read %s %s" % (self.noun, name)):
            raw = module.winrm().run_json(script, depth=4)
            pool, problem = choose_pool(pool_records(raw.get("pools")), pool_fqdn)
            if problem:
                module.fail_json(msg=problem)
            found = named_in_pool(raw, self.key, self.properties, name, pool)
            self.pool = pool
            self.before = found[0] if found else None
            if inspect is not None:
                inspect(raw, pool)
        return raw

    def remove(self, cmdlet):
        """state absent: nothing to do when the object is missing, else remove it (not in check mode). Exits."""
        module, before = self.module, self.before
        if before is None:
            self.exit(False, None, [])
        module.set_diff(before, {})
        if not module.check_mode:
            with module.step("remove %s %s" % (self.noun, before["Identity"])):
                script = ReadScript().add(PSCommand(cmdlet).param("Identity", before["Identity"])
                                          .switch("Confirm", False).render()).render()
                module.winrm().run_json(script, depth=2, idempotent=False)
        self.exit(True, None, ["Identity"])

    def change(self, name, changed, after, script_builder, read_back=None):
        """Report ``changed`` (empty: nothing to do) and ``after`` (the prediction); unless in check mode send
        ``script_builder()`` (built only then), which changes the object and reads it back, and report what
        it read. ``read_back(record)`` fixes up the record read back. Exits."""
        module, before = self.module, self.before
        if not changed:
            self.exit(False, before, [])
        if not module.check_mode:
            if before is None:
                step = "create %s %s\\%s" % (self.noun, self.pool, name)
            else:
                step = "change %s %s" % (self.noun, before["Identity"])
            with module.step(step):
                try:
                    script = script_builder()
                except ValueError as error:     # a value no PowerShell literal can carry (e.g. a NUL)
                    module.fail_json(msg=str(error))
                raw = run_change(module, script, creating=before is None)
                found = records(raw, self.key, self.properties)
                if found:
                    after = read_back(found[0]) if read_back else found[0]
        module.set_diff(before or {}, after)
        self.exit(True, after, changed)

    def exit(self, changed, value, changed_properties):
        self.module.exit_json(changed=changed, changed_properties=changed_properties, **{self.key: value})
