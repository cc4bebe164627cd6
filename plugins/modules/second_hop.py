#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: second_hop
short_description: Prove, read-only, that a Windows server can reach SQL instances and shares of other servers
version_added: 0.1.0
description:
  - Runs on the task's host (the server that will act, for example the Front End that exports) and tries, in
    one WinRM round trip, every path O(sql) and O(shares) name, the way the migration will use them, without
    changing anything.
  - A SQL probe runs C(Invoke-Sqlcmd -ServerInstance <instance> -Database <database> -Query 'SELECT 1') on the
    task's host, so SQL Server sees the same logon that C(Export-CsPersistentChatData),
    C(Import-CsPersistentChatData) and C(Backup-SqlDatabase) present from there.
  - A share probe lists the UNC path with C(Get-ChildItem -LiteralPath) (the first entry only), as robocopy and
    C(Get-FileHash) read it from there.
  - A process started over WinRM with NTLM, Basic or Kerberos without delegation holds a network logon without
    credentials for a third computer (the second hop), so SQL Server on another host answers
    C(Login failed for user 'NT AUTHORITY\ANONYMOUS LOGON'.) and another server's share C(Access is denied).
    CredSSP and Kerberos with delegation (a forwarded TGT) carry the user's credentials across.
  - Each probe says whether it crosses to another computer (RV(hops[].second_hop); a target that names the task's
    host by its NetBIOS name, host name, FQDN, C(localhost), C(.) or (local) does not), and how it ended
    (RV(hops[].status)) - V(ok); V(refused), the second hop was refused for lack of delegated credentials; or
    V(failed), for any other reason (instance not found or stopped, database or path missing, a permission
    missing on the task's own host), with the error Windows gave.
  - The module does not fail when a probe does; the caller decides (see RV(refused) and RV(errors)).
  - SQL probes need C(Invoke-Sqlcmd) (the C(SqlServer) or C(SQLPS) PowerShell module) on the task's host.
options:
  sql:
    description:
      - SQL Server instances to query from the task's host.
    type: list
    elements: dict
    default: []
    suboptions:
      instance:
        description: The instance as the migration names it, C(server\\instance), C(server) or C(server,port).
        type: str
        required: true
      database:
        description: Database to connect to (the one the migration reads or writes); default the login's default database.
        type: str
      purpose:
        description: What the migration does over this path (returned as is, for messages).
        type: str
  shares:
    description:
      - UNC paths (C(\\\\server\\share\\folder)) to list from the task's host.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: The UNC path. Forward slashes are read as backslashes.
        type: str
        required: true
      purpose:
        description: What the migration does over this path (returned as is, for messages).
        type: str
  sql_timeout:
    description: Seconds C(Invoke-Sqlcmd) waits for the connection and for the query (1 to 65534).
    type: int
    default: 15
extends_documentation_fragment:
  - lync.persistent_chat.attributes
  - lync.persistent_chat.attributes.read_only
  - lync.persistent_chat.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
notes:
  - Microsoft documents the fixes - CredSSP (C(Enable-WSManCredSSP -Role Server) on the task's host,
    C(ansible_winrm_transport=credssp)) or Kerberos with credential delegation
    (C(ansible_winrm_transport=kerberos), C(ansible_winrm_kerberos_delegation=true), a forwardable ticket and the
    account trusted for delegation).
  - A target that is the task's host under another name (a DNS alias, an IP address) is reported as a second hop;
    its probe still tells whether the path works.
author:
  - lync.persistent_chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.data_export
  - module: lync.persistent_chat.sql_backup
  - module: lync.persistent_chat.filestore_sync
"""

EXAMPLES = r"""
- name: From the Front End, the SQL instances the export and the import connect to
  lync.persistent_chat.second_hop:
    sql:
      - {instance: 'sql01.contoso.local\GROUPCHAT', database: GroupChat, purpose: export}
      - {instance: 'sql01.contoso.local\RTC', database: mgc, purpose: import}
  register: frontend_hops

- name: Stop when a second hop is refused
  ansible.builtin.assert:
    that: frontend_hops.refused == []
    fail_msg: >-
      {% for hop in frontend_hops.refused %}{{ hop.from_host }} -> {{ hop.to_host }}: {{ hop.error }}
      {% endfor %}Use CredSSP or Kerberos with delegation.

- name: From the file server, the legacy file repository robocopy will read
  lync.persistent_chat.second_hop:
    shares:
      - path: '\\gc01.contoso.local\GroupChatFiles'
        purpose: copy of the posted files
  delegate_to: fs01
"""

RETURN = r"""
computer:
  description: The task's host as C(Win32_ComputerSystem) names it; probes start here.
  returned: always
  type: dict
  sample: {"name": "FE01", "fqdn": "fe01.contoso.local"}
transport:
  description: The WinRM transport of the session that ran the probes (O(winrm_transport)).
  returned: always
  type: str
  sample: ntlm
hops:
  description: One entry per probe, O(sql) first then O(shares), in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    from_host:
      description: The task's host (its FQDN, else its name).
      type: str
      sample: fe01.contoso.local
    to_host:
      description: The server the probe reaches, as the instance or path names it.
      type: str
      sample: sql01.contoso.local
    kind:
      description: V(sql) or V(share).
      type: str
      sample: sql
    target:
      description: The instance or UNC path probed.
      type: str
      sample: sql01.contoso.local\GROUPCHAT
    database:
      description: The database of a SQL probe (null for shares and when not given).
      type: str
      sample: GroupChat
    purpose:
      description: The probe's O(sql[].purpose) or O(shares[].purpose).
      type: str
      sample: export
    second_hop:
      description: Whether the target is another computer than the task's host.
      type: bool
      sample: true
    ok:
      description: Whether the probe succeeded.
      type: bool
      sample: false
    status:
      description: V(ok), V(refused) (no delegated credentials for the second hop) or V(failed) (any other reason).
      type: str
      sample: refused
    error:
      description: The error Windows gave (null when ok).
      type: str
      sample: "Login failed for user 'NT AUTHORITY\\ANONYMOUS LOGON'."
    error_id:
      description: The error's FullyQualifiedErrorId (null when ok).
      type: str
      sample: SqlExectionError,Microsoft.SqlServer.Management.PowerShell.GetScriptCommand
refused:
  description: The RV(hops) whose status is V(refused).
  returned: always
  type: list
  elements: dict
errors:
  description: The RV(hops) whose status is V(failed) (named so because Ansible reads a C(failed) key as the task's outcome).
  returned: always
  type: list
  elements: dict
"""

import re

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_views import (
    computer_names,
    computer_statement,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSCommand

SQL = "sql"
SHARE = "share"
OK = "ok"
REFUSED = "refused"
FAILED = "failed"
PROBE_QUERY = "SELECT 1 AS ok"
# Names SQL Server clients read as the local computer.
_LOCAL_NAMES = {".", "(local)", "localhost", "127.0.0.1", "::1"}
# What a logon without delegated credentials gets from another host [DOC: migration reference section 8]:
# SQL Server's error 18456 for ANONYMOUS LOGON; a share's Access is denied (UnauthorizedAccessException).
_SQL_REFUSED = re.compile(r"ANONYMOUS LOGON", re.IGNORECASE)
_SHARE_REFUSED = re.compile(r"Access is denied|UnauthorizedAccess", re.IGNORECASE)
_PROTOCOL_PREFIX = re.compile(r"\A(?:tcp|np|lpc|admin):", re.IGNORECASE)


def sql_host(instance):
    """The server part of a SQL Server instance name: tcp:sql01.contoso.local,1433 and sql01\\GROUPCHAT
    both name sql01..."""
    text = _PROTOCOL_PREFIX.sub("", instance.strip())
    return text.split("\\", 1)[0].split(",", 1)[0].strip()


def unc_host(path):
    """The server of a UNC path; ValueError for anything else."""
    text = path.strip().replace("/", "\\")
    if not text.startswith("\\\\") or text[2:4] in ("?\\", ".\\"):
        raise ValueError("%s: not a UNC path (\\\\server\\share)" % path)
    parts = text[2:].split("\\")
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise ValueError("%s: a UNC path needs a server and a share (\\\\server\\share)" % path)
    return parts[0]


def plan_probes(sql, shares):
    """The probes in order (SQL first, then shares) as dicts; ValueError naming every bad entry."""
    probes, problems = [], []
    for entry in sql or []:
        instance = (entry.get("instance") or "").strip()
        if not instance or not sql_host(instance):
            problems.append("sql: %r names no server" % entry.get("instance"))
            continue
        probes.append(dict(kind=SQL, target=instance, to_host=sql_host(instance), database=entry.get("database"),
                           purpose=entry.get("purpose")))
    for entry in shares or []:
        path = (entry.get("path") or "").strip().replace("/", "\\")
        try:
            host = unc_host(path)
        except ValueError as error:
            problems.append("shares: %s" % error)
            continue
        probes.append(dict(kind=SHARE, target=path, to_host=host, database=None, purpose=entry.get("purpose")))
    if problems:
        raise ValueError("; ".join(problems))
    return probes


def probe_command(probe, timeout):
    """The read-only command of one probe, every value a literal."""
    if probe["kind"] == SQL:
        command = PSCommand("Invoke-Sqlcmd").param("ServerInstance", probe["target"])
        command.optional("Database", probe["database"])
        return (command.param("Query", PROBE_QUERY).param("QueryTimeout", timeout)
                .param("ConnectionTimeout", timeout).render())
    listing = PSCommand("Get-ChildItem").param("LiteralPath", probe["target"]).render()
    return "%s|Select-Object -First 1" % listing


def build_script(probes, timeout):
    """One script: the computer's names, then each probe in its own try/catch, so one refusal does not
    hide the others. Output is discarded; only success or the error is kept."""
    lines = [
        "$r=[ordered]@{}",
        computer_statement(),
        "$r['probes']=[ordered]@{}",
    ]
    for index, probe in enumerate(probes):
        key = "'%d'" % index
        lines.append(
            "try{%s|Out-Null;$r['probes'][%s]=[ordered]@{ok=$true}}"
            "catch{$r['probes'][%s]=[ordered]@{ok=$false;error=[string]$_.Exception.Message;"
            "error_id=[string]$_.FullyQualifiedErrorId}}" % (probe_command(probe, timeout), key, key))
    lines.append("$r")
    return "\n".join(lines)


def same_host_key(name):
    """The name compared with the computer's names: lower case, without the root's trailing dot (but . itself
    names the local computer)."""
    text = name.lower()
    return text if text in _LOCAL_NAMES else text.rstrip(".")


def status_of(probe, second_hop, ok, error, error_id):
    """ok, refused (another host refused a logon without delegated credentials) or failed."""
    if ok:
        return OK
    pattern = _SQL_REFUSED if probe["kind"] == SQL else _SHARE_REFUSED
    if second_hop and (pattern.search(error or "") or pattern.search(error_id or "")):
        return REFUSED
    return FAILED


def shape_result(raw, probes, transport):
    """The module's result from what the script returned."""
    raw = raw or {}
    name, fqdn, aliases = computer_names(raw, _LOCAL_NAMES)
    from_host = fqdn or name or None
    answers = raw.get("probes") or {}
    hops = []
    for index, probe in enumerate(probes):
        answer = answers.get(str(index)) or {}
        ok = answer.get("ok") is True
        error = None if ok else (answer.get("error") or "the probe returned no answer")
        error_id = None if ok else (answer.get("error_id") or None)
        second_hop = same_host_key(probe["to_host"]) not in aliases
        hops.append(dict(from_host=from_host, to_host=probe["to_host"], kind=probe["kind"], target=probe["target"],
                         database=probe["database"], purpose=probe["purpose"], second_hop=second_hop, ok=ok,
                         status=status_of(probe, second_hop, ok, error, error_id), error=error, error_id=error_id))
    return dict(computer=dict(name=name or None, fqdn=fqdn or None), transport=transport, hops=hops,
                refused=[hop for hop in hops if hop["status"] == REFUSED],
                errors=[hop for hop in hops if hop["status"] == FAILED])


def main():
    entry_purpose = dict(type="str")
    module = PchatModule(
        argument_spec=dict(
            sql=dict(type="list", elements="dict", default=[], options=dict(
                instance=dict(type="str", required=True), database=dict(type="str"), purpose=entry_purpose)),
            shares=dict(type="list", elements="dict", default=[], options=dict(
                path=dict(type="str", required=True), purpose=entry_purpose)),
            sql_timeout=dict(type="int", default=15),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not 1 <= params["sql_timeout"] <= 65534:
        module.fail_json(msg="sql_timeout must be between 1 and 65534")
    try:
        probes = plan_probes(params["sql"], params["shares"])
    except ValueError as error:
        module.fail_json(msg=str(error))
    if not probes:
        module.fail_json(msg="nothing to probe: give at least one entry in sql or shares")

    with module.step("probe %d path(s) from the server" % len(probes)):
        raw = module.winrm().run_json(build_script(probes, params["sql_timeout"]), depth=4)
    module.exit_json(**shape_result(raw, probes, params.get("winrm_transport")))


if __name__ == "__main__":
    main()
