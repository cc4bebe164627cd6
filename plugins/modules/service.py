#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: service
short_description: Stop, start and set the start-up type of Lync and legacy Group Chat services
version_added: 0.1.0
description:
  - Selects Windows services on the task's host by name (O(name), wildcards allowed) and/or by display-name
    pattern (O(display_name)). Microsoft does not document the legacy Group Chat service names, so matching
    the display name (for example V(*Group Chat*)) is the way to find them.
  - Services the host's Lync Server Management Shell manages (those C(Get-CsWindowsService) lists) are
    started and stopped with C(Start-CsWindowsService) / C(Stop-CsWindowsService), as Microsoft documents for
    the Persistent Chat services; every other service with C(Start-Service) / C(Stop-Service).
    The start-up type is set with C(Set-Service -StartupType).
  - After a change the module waits until every selected service reports the wanted state, up to O(timeout)
    seconds, and fails if one does not.
  - One round trip reads the services, a second one (only when something must change) changes them.
  - A host that is no Lync Server computer of the topology (C(Get-CsPool) does not list it, as for the legacy
    Group Chat servers) has no Lync-managed services; any other C(Get-CsWindowsService) error fails the module.
options:
  name:
    description: Service names (not display names); wildcards allowed. A name without wildcards must exist.
    type: list
    elements: str
  display_name:
    description: Display-name patterns (wildcards allowed). Each pattern must match at least one service.
    type: list
    elements: str
  state:
    description: V(started) or V(stopped); leave out to change only the start-up type.
    type: str
    choices: [started, stopped]
  start_mode:
    description: Start-up type to set.
    type: str
    choices: [auto, manual, disabled]
  force:
    description: Stop services that other running services depend on, stopping those too (C(Stop-Service -Force)).
    type: bool
    default: false
  timeout:
    description: Seconds to wait for the services to reach O(state).
    type: int
    default: 120
extends_documentation_fragment:
  - lync.persistent_chat.attributes
  - lync.persistent_chat.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Reads the services and reports what would change.
  diff_mode:
    support: full
    details: Before and after are each selected service's status and start-up type.
author:
  - Lync Persistent Chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.legacy_info
"""

EXAMPLES = r"""
- name: Stop every legacy Group Chat service and keep it from starting again
  lync.persistent_chat.service:
    display_name: ['*Group Chat*']
    state: stopped
    start_mode: disabled
  delegate_to: gc01

- name: Stop the Persistent Chat services on a pool member (through Stop-CsWindowsService)
  lync.persistent_chat.service:
    name: [RTCCHAT, RTCCHATCOMPLIANCE]
    state: stopped
"""

RETURN = r"""
services:
  description: Every selected service after the run (as predicted, in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Service name.
      type: str
    display_name:
      description: Display name.
      type: str
    status:
      description: C(Running), C(Stopped), or a pending state.
      type: str
    start_mode:
      description: V(auto), V(manual) or V(disabled).
      type: str
    lync:
      description: True when the service is managed through the C(*-CsWindowsService) cmdlets.
      type: bool
  sample: [{"name": "GroupChatChannel", "display_name": "Lync Server Group Chat Channel", "status": "Stopped",
            "start_mode": "disabled", "lync": false}]
changed_services:
  description: Names of the services this run changed (or would change).
  returned: always
  type: list
  elements: str
durations:
  description: Seconds each round trip took (C(read), C(change)).
  returned: always
  type: dict
"""

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.long_step import Clock
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_views import as_list
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSCommand, PSEnumValue, ps_literal

MODES = {"auto": "Automatic", "manual": "Manual", "disabled": "Disabled"}
MODE_NAMES = {value.lower(): key for key, value in MODES.items()}
STATUS = {"started": "Running", "stopped": "Stopped"}
SELECT = ("Select-Object 'Name','DisplayName',@{Name='Status';Expression={[string]$_.Status}},"
          "@{Name='StartType';Expression={[string]$_.StartType}}")
WILDCARDS = set("*?[")


def error_fields(variable):
    """PowerShell that turns an ErrorRecord into the documented fields the module reads."""
    return ("[ordered]@{Id=[string]%(v)s.FullyQualifiedErrorId;Category=[string]%(v)s.CategoryInfo.Category;"
            "Message=[string]%(v)s.Exception.Message}" % {"v": variable})


def read_script(names, patterns):
    lines = ["$r=[ordered]@{}", "$r['lync']=$null", "$r['computer']=$env:COMPUTERNAME",
             # Get-CsWindowsService refuses a computer that is not a Lync Server of the topology, as it refuses
             # an account without rights; which error id each gets is not documented. What is documented is
             # the topology itself (Get-CsPool's Computers), so on an error both are returned and the module
             # decides: not in the topology means no Lync services, anything else is a real error.
             "if(@(Get-Command Get-CsWindowsService -ErrorAction SilentlyContinue).Count){"
             "try{$r['lync']=@(Get-CsWindowsService -ErrorAction Stop|ForEach-Object{$_.Name})}"
             "catch{$r['lync_error']=%s;"
             "try{$r['computers']=@(Get-CsPool -ErrorAction Stop|ForEach-Object{$_.Computers})}"
             "catch{$r['pool_error']=%s}}}" % (error_fields("$_"), error_fields("$_"))]
    lines.append("$r['byname']=@()")
    if names:
        lines.append("$r['byname']=@(%s|%s)" % (
            PSCommand("Get-Service").param("Name", list(names)).param("ErrorAction", "SilentlyContinue").render(),
            SELECT))
    lines.append("$r['bydisplay']=@()")
    if patterns:
        lines.append("$r['bydisplay']=@(%s|%s)" % (
            PSCommand("Get-Service").param("DisplayName", list(patterns))
            .param("ErrorAction", "SilentlyContinue").render(), SELECT))
    lines.append("$r")
    return "\n".join(lines)


def wildcard_match(pattern, text):
    import re
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.match("\\A" + regex + "\\Z", text or "", re.I | re.S) is not None


def in_topology(computer, computers):
    """Whether the computer (its NetBIOS name, $env:COMPUTERNAME) is one of the topology's server FQDNs."""
    name = str(computer or "").lower()
    return any(str(fqdn or "").split(".", 1)[0].lower() == name for fqdn in as_list(computers))


def lync_problem(raw):
    """Why the host's Lync services could not be read (None when they could, or when the host is no Lync
    Server computer of the topology and so has none)."""
    error = raw.get("lync_error")
    if not error:
        return None
    if not raw.get("pool_error") and not in_topology(raw.get("computer"), raw.get("computers")):
        return None
    return "Get-CsWindowsService failed on %s: %s (%s)" % (raw.get("computer"), error.get("Message"), error.get("Id"))


def shape(raw, names, patterns):
    """(services by lower-case name in a stable order, problems): each service a dict; problems name the
    names and patterns that matched nothing."""
    raw = raw or {}
    lync = {str(name).lower() for name in as_list(raw.get("lync"))}
    services = {}
    for item in as_list(raw.get("byname")) + as_list(raw.get("bydisplay")):
        name = item.get("Name")
        services.setdefault(name.lower(), {
            "name": name, "display_name": item.get("DisplayName"), "status": item.get("Status"),
            "start_mode": MODE_NAMES.get(str(item.get("StartType") or "").lower(), item.get("StartType")),
            "lync": name.lower() in lync})
    problems = []
    for name in names or []:
        if not any(wildcard_match(name, svc["name"]) or (not WILDCARDS & set(name) and
                                                         (svc["display_name"] or "").lower() == name.lower())
                   for svc in services.values()):
            problems.append("no service named %s" % name)
    for pattern in patterns or []:
        if not any(wildcard_match(pattern, svc["display_name"]) for svc in services.values()):
            problems.append("no service whose display name matches %s" % pattern)
    ordered = [services[key] for key in sorted(services)]
    return ordered, problems


def plan(services, state, start_mode):
    """[(service, new status or None, new start mode or None)] for the services that must change."""
    changes = []
    for svc in services:
        new_status = STATUS[state] if state and svc["status"] != STATUS[state] else None
        new_mode = start_mode if start_mode and svc["start_mode"] != start_mode else None
        if new_status or new_mode:
            changes.append((svc, new_status, new_mode))
    return changes


def change_script(changes, all_names, state, force, timeout):
    lines = ["$r=[ordered]@{}"]
    if any(svc["lync"] for svc, status, _mode in changes if status):
        lines.insert(0, "Import-Module Lync")
    for svc, status, mode in changes:
        set_mode = PSCommand("Set-Service").param("Name", svc["name"])
        if mode:
            set_mode.param("StartupType", PSEnumValue(MODES[mode]))
        steps = []
        if status == "Running":
            command = PSCommand("Start-CsWindowsService" if svc["lync"] else "Start-Service").param("Name", svc["name"])
            steps = ([set_mode.render()] if mode else []) + [command.render()]
        elif status == "Stopped":
            command = PSCommand("Stop-CsWindowsService" if svc["lync"] else "Stop-Service").param("Name", svc["name"])
            if force and not svc["lync"]:
                command.switch("Force")
            steps = [command.render()] + ([set_mode.render()] if mode else [])
        else:
            steps = [set_mode.render()]
        lines.extend(steps)
    names = ps_literal(list(all_names))
    if state:
        # Wait for every selected service to settle (start/stop may return while still pending).
        lines.append("$deadline=(Get-Date).AddSeconds(%d)" % timeout)
        lines.append("while(@(Get-Service -Name %s|Where-Object{[string]$_.Status -ne %s}).Count -and "
                     "(Get-Date) -lt $deadline){Start-Sleep -Seconds 1}" % (names, ps_literal(STATUS[state])))
    lines.append("$r['byname']=@(Get-Service -Name %s|%s)" % (names, SELECT))
    lines.append("$r")
    return "\n".join(lines)


def view(services):
    return {svc["name"]: {"status": svc["status"], "start_mode": svc["start_mode"]} for svc in services}


def main():
    module = PchatModule(
        argument_spec=dict(
            name=dict(type="list", elements="str"),
            display_name=dict(type="list", elements="str"),
            state=dict(type="str", choices=["started", "stopped"]),
            start_mode=dict(type="str", choices=list(MODES)),
            force=dict(type="bool", default=False),
            timeout=dict(type="int", default=120),
        ),
        required_one_of=[("name", "display_name"), ("state", "start_mode")],
        supports_check_mode=True,
    )
    params = module.params
    if params["state"] == "started" and params["start_mode"] == "disabled":
        module.fail_json(msg="a service cannot be started with start_mode disabled")
    if params["timeout"] < 0:
        module.fail_json(msg="timeout must be 0 or more")
    clock = Clock(module.results)

    with module.step("read the services"):
        with clock.measure("read"):
            raw = module.winrm().run_json(read_script(params["name"], params["display_name"]), depth=4)
    problem = lync_problem(raw or {})
    if problem:
        error = raw["lync_error"]
        module.fail_json(msg=problem, cmdlet="Get-CsWindowsService", error_id=error.get("Id"),
                         category=error.get("Category"))
    services, problems = shape(raw, params["name"], params["display_name"])
    if problems:
        module.results["services"] = services
        module.fail_json(msg="; ".join(problems))

    changes = plan(services, params["state"], params["start_mode"])
    predicted = []
    changing = {svc["name"]: (status, mode) for svc, status, mode in changes}
    for svc in services:
        status, mode = changing.get(svc["name"], (None, None))
        predicted.append(dict(svc, status=status or svc["status"], start_mode=mode or svc["start_mode"]))
    module.results["changed_services"] = [svc["name"] for svc, _status, _mode in changes]
    if not changes:
        module.results["services"] = services
        module.exit_json(changed=False)
    if module.check_mode:
        module.set_diff(view(services), view(predicted))
        module.results["services"] = predicted
        module.exit_json(changed=True)

    module.results["changed"] = True
    script = change_script(changes, [svc["name"] for svc in services], params["state"], params["force"],
                           params["timeout"])
    with module.step("change the services"):
        with clock.measure("change"):
            after_raw = module.winrm().run_json(script, depth=4, idempotent=False)
    after, _problems = shape({"lync": [svc["name"] for svc in services if svc["lync"]],
                              "byname": (after_raw or {}).get("byname")}, None, None)
    module.results["services"] = after
    module.set_diff(view(services), view(after))
    if params["state"]:
        unsettled = [svc["name"] for svc in after if svc["status"] != STATUS[params["state"]]]
        if unsettled:
            module.fail_json(msg="still not %s after %d seconds: %s" % (
                params["state"], params["timeout"], ", ".join(unsettled)))
    module.exit_json(changed=True)


if __name__ == "__main__":
    main()
