# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The second hops the backup and the cutover make, planned as second_hop module runs (one per acting server),
and what the preflight says and records about the runs' results. Used on the controller by the filters in
plugins/filter/second_hop.py; plain data in, plain data out."""

from __future__ import annotations

# The keys of each hop the ledger keeps (the preflight stage's second_hops).
RECORDED_KEYS = ("from_host", "to_host", "kind", "target", "database", "purpose", "second_hop", "status")


def hop_paths(topology):
    """Every path the backup and the cutover take from one server to another, as the server that acts takes
    it: the Front End exports from the legacy instance and imports into mgc; the SQL hosts back up their
    instances to the backup share (and hash the file there); the file server copies the legacy file
    repository into the file store and the backups; each legacy server reads its file repository.

    topology: front_end, file_server, legacy_servers (list), legacy_sql and sql ({host, instance, database}),
    work_dir, backup_dir, legacy_file_repository, file_store."""
    front_end, file_server = topology["front_end"], topology["file_server"]
    legacy_sql, sql = topology["legacy_sql"], topology["sql"]
    backup_dir, repository = topology["backup_dir"], topology["legacy_file_repository"]
    legacy_backup, mgc_backup = "the legacy database backup", "the mgc backup before the import"
    copy = "the copy of the posted files"
    paths = [
        dict(host=front_end, instance=legacy_sql["instance"], database=legacy_sql["database"],
             purpose="the export (Export-CsPersistentChatData -DBInstance)"),
        dict(host=front_end, instance=sql["instance"], database=sql["database"],
             purpose="the import (Import-CsPersistentChatData -DBInstance)"),
        dict(host=legacy_sql["host"], instance=legacy_sql["instance"], database=legacy_sql["database"],
             purpose=legacy_backup),
        dict(host=legacy_sql["host"], path=backup_dir, purpose=legacy_backup),
        dict(host=sql["host"], instance=sql["instance"], database=sql["database"], purpose=mgc_backup),
        dict(host=sql["host"], path=backup_dir, purpose=mgc_backup),
        dict(host=file_server, path=repository, purpose=copy),
        dict(host=file_server, path=topology["file_store"], purpose=copy),
        dict(host=file_server, path=backup_dir, purpose="the backup of the file repository"),
    ]
    # A local work folder is no hop; a share is.
    if topology["work_dir"].startswith("\\\\"):
        paths.append(dict(host=front_end, path=topology["work_dir"], purpose="the export file and the reports"))
    for server in topology["legacy_servers"]:
        paths.append(dict(host=server, path=repository, purpose="the legacy file repository"))
    return paths


def _unique(values):
    return list(dict.fromkeys(values))


def hop_plan(paths):
    """One second_hop run per acting server (one round trip each), in the order the servers first appear:
    {host, sql: [{instance, database, purpose}], shares: [{path, purpose}]}, each instance and database or
    share once, its purposes joined in order."""
    plan = []
    for host in _unique(path["host"] for path in paths):
        sql, shares = {}, {}
        for path in paths:
            if path["host"] != host:
                continue
            if "instance" in path:
                entry = sql.setdefault((path["instance"], path["database"]), dict(
                    instance=path["instance"], database=path["database"], purposes=[]))
            else:
                entry = shares.setdefault(path["path"], dict(path=path["path"], purposes=[]))
            entry["purposes"].append(path["purpose"])
        plan.append(dict(host=host, sql=[_with_purpose(entry) for entry in sql.values()],
                         shares=[_with_purpose(entry) for entry in shares.values()]))
    return plan


def _with_purpose(entry):
    purposes = entry.pop("purposes")
    entry["purpose"] = ", ".join(str(purpose) for purpose in _unique(purposes))
    return entry


def _probed(results):
    """The loop results of the second_hop runs that probed (not skipped)."""
    return [result for result in results or [] if "hops" in result]


def _as_bool(value):
    """What Ansible's bool filter makes of an inventory value."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        value = value.lower()
    return value in ("yes", "on", "1", "true", 1)


def _describe(hop):
    """SQL Server <instance>, database <database> / share <path>."""
    return "%s %s%s" % ("SQL Server" if hop["kind"] == "sql" else "share", hop["target"],
                        (", database %s" % hop["database"]) if hop["database"] else "")


def hop_message(results, delegation_of):
    """The one failure message: every refused hop with both hosts and what the migration does over it, the
    transport of the session on each acting server and what would carry the credentials across; then any path
    that failed for another reason. Empty when every probe passed.

    results: the second_hop loop results (each with item.host, transport, refused, errors);
    delegation_of(host): that host's ansible_winrm_kerberos_delegation, false when unset."""
    refused, acting, transports, other = [], [], [], []
    for result in _probed(results):
        host = result["item"]["host"]
        for hop in result["refused"]:
            refused.append("%s -> %s (%s, for %s): %s" % (
                hop["from_host"], hop["to_host"], _describe(hop), hop["purpose"], str(hop["error"]).strip()))
            if hop["from_host"] not in acting:
                acting.append(hop["from_host"])
                delegation = ""
                if result["transport"] == "kerberos":
                    delegation = " (ansible_winrm_kerberos_delegation: %s)" % str(
                        _as_bool(delegation_of(host))).lower()
                transports.append("%s on %s%s" % (result["transport"], host, delegation))
        for hop in result["errors"]:
            other.append("%s cannot reach %s (for %s), not for lack of delegation: %s" % (
                hop["from_host"], _describe(hop), hop["purpose"], str(hop["error"]).strip()))
    text = []
    if refused:
        servers = ", ".join(acting)
        text.append(
            "Second hop refused: %s. The WinRM sessions use ansible_winrm_transport=%s, a network logon without "
            "credentials for another computer. Fix: CredSSP (ansible_winrm_transport: credssp, and "
            "Enable-WSManCredSSP -Role Server on %s) or Kerberos with delegation (ansible_winrm_transport: "
            "kerberos, ansible_winrm_kerberos_delegation: true, a forwardable ticket, the account and %s trusted "
            "for delegation)." % ("; ".join(refused), ", ".join(transports), servers, servers))
    if other:
        text.append("; ".join(other) + ".")
    return " ".join(text)


def hop_record(results):
    """Every hop the runs probed, with the keys the ledger keeps, in order."""
    return [dict((key, value) for key, value in hop.items() if key in RECORDED_KEYS)
            for result in _probed(results) for hop in result["hops"]]
