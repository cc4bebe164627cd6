# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lync's XDS-scoped settings (Persistent Chat configuration, policy, compliance configuration):
one collection of the same shape per noun, identities ``Global``, ``site:<name>``,
``service:<role>:<fqdn>`` and, for policies, ``tag:<name>``. Global always exists and cannot be
removed; other scopes are created with New- and removed with Remove-.

``ScopedSettings`` adds its reads and changes to scripts the module builds, so a module that does
more (the policy's grants) still reads in one round trip and changes in one more."""

from __future__ import annotations

from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_objects import (
    ReadScript,
    canonical_scope,
    find_scoped,
    records,
    same_text,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSCommand, PSVariable


class ScopedSettings(object):
    """``properties``: (name, kind) pairs as read; ``defaults``: what a new scope starts with;
    ``compare``: optional {property: function(current, desired) -> bool} for values that read back
    in another form (a TimeSpan reads as a string); ``render``: optional {property: function(value)}
    turning a desired value into what the cmdlet takes."""

    def __init__(self, noun, properties, defaults, scope, tags=False, compare=None, render=None):
        self.noun = noun
        self.properties = properties
        self.defaults = defaults
        self.identity, self.key = canonical_scope(scope, tags=tags)
        self.compare = compare or {}
        self.render_value = render or {}

    # -- reading ------------------------------------------------------------------------------------
    def add_read(self, script, result_key="items"):
        script.collect(result_key, PSCommand("Get-Cs%s" % self.noun), self.properties)

    def current(self, raw, result_key="items"):
        return find_scoped(records(raw, result_key, self.properties), self.key)

    # -- deciding -----------------------------------------------------------------------------------
    def _same(self, name, current, desired):
        if name in self.compare:
            return self.compare[name](current, desired)
        if isinstance(desired, str) or desired is None:
            return same_text(current, desired)
        return current == desired

    def changed(self, before, desired):
        """Names of the settings whose desired value (not None) differs; for a missing scope, every
        desired setting that differs from the defaults, plus Identity."""
        base = before if before is not None else self.defaults
        names = [name for name, value in desired.items()
                 if value is not None and not self._same(name, base.get(name), value)]
        return names if before is not None else ["Identity"] + names

    def predicted(self, before, desired):
        after = dict(before) if before is not None else dict(self.defaults, Identity=self.identity)
        for name, value in desired.items():
            if value is not None:
                after[name] = value if not (isinstance(value, str) and value == "") else None
        return after

    # -- changing -----------------------------------------------------------------------------------
    def _value(self, name, value):
        if name in self.render_value:
            return self.render_value[name](value)
        return None if isinstance(value, str) and value == "" else value

    def add_change(self, script, before, desired, changed, result_key="items"):
        """New- (missing scope) or Set- with the changed settings, then the scope read back."""
        identity = before["Identity"] if before is not None else self.identity
        script.variable("sid", identity)
        names = [name for name in changed if name != "Identity"]
        if before is None:
            command = PSCommand("New-Cs%s" % self.noun).param("Identity", PSVariable("sid"))
            for name in names:
                command.param(name, self._value(name, desired[name]))
            script.add("$null=" + command.render())
        elif names:
            command = PSCommand("Set-Cs%s" % self.noun).param("Identity", PSVariable("sid"))
            for name in names:
                command.param(name, self._value(name, desired[name]))
            script.add(command.render())
        script.collect(result_key, PSCommand("Get-Cs%s" % self.noun).param("Identity", PSVariable("sid")),
                       self.properties)

    def add_remove(self, script, before):
        script.add(PSCommand("Remove-Cs%s" % self.noun).param("Identity", before["Identity"])
                   .switch("Confirm", False).render())

    def read_back(self, raw, result_key="items"):
        found = records(raw, result_key, self.properties)
        return found[0] if found else None


def manage(module, settings, desired, what, result_name):
    """The whole run of a module that manages one scope of one noun: read, compare, change, report.
    ``what`` names the settings in step names ("Persistent Chat configuration")."""
    state = module.params["state"]
    if state == "absent" and settings.key == "global":
        module.current_step = "check the options"
        module.fail_json(msg="the global %s cannot be removed; set its values instead" % what)
    script = ReadScript()
    settings.add_read(script)
    with module.step("read %s %s" % (what, settings.identity)):
        raw = module.winrm().run_json(script.render(), depth=4)
    before = settings.current(raw)

    if state == "absent":
        if before is None:
            module.exit_json(changed=False, changed_properties=[], **{result_name: None})
        module.set_diff(before, {})
        if not module.check_mode:
            script = ReadScript()
            settings.add_remove(script, before)
            with module.step("remove %s %s" % (what, before["Identity"])):
                module.winrm().run_json(script.render(), depth=2, idempotent=False)
        module.exit_json(changed=True, changed_properties=["Identity"], **{result_name: None})

    changed = settings.changed(before, desired)
    if not changed:
        module.exit_json(changed=False, changed_properties=[], **{result_name: before})
    after = settings.predicted(before, desired)
    if not module.check_mode:
        script = ReadScript()
        settings.add_change(script, before, desired, changed)
        verb = "create" if before is None else "change"
        with module.step("%s %s %s" % (verb, what, before["Identity"] if before else settings.identity)):
            raw = module.winrm().run_json(script.render(), depth=4, idempotent=False)
            after = settings.read_back(raw) or after
    module.set_diff(before or {}, after)
    module.exit_json(changed=True, changed_properties=changed, **{result_name: after})
