"""second_hop_plan: every path the backup and the cutover take, grouped into one second_hop run per acting
server; the one failure message of the runs' results; the hops the ledger records."""
from __future__ import annotations

from ansible_collections.lync.persistent_chat.plugins.module_utils.second_hop_plan import (
    hop_message,
    hop_paths,
    hop_plan,
    hop_record,
)

EXPORT = "the export (Export-CsPersistentChatData -DBInstance)"
IMPORT = "the import (Import-CsPersistentChatData -DBInstance)"
LEGACY_BACKUP = "the legacy database backup"
MGC_BACKUP = "the mgc backup before the import"
COPY = "the copy of the posted files"
ANONYMOUS = "Login failed for user 'NT AUTHORITY\\ANONYMOUS LOGON'."


def topology(**changes):
    base = dict(front_end="fe01", file_server="fs01", legacy_servers=["gc01", "gc02"],
                legacy_sql=dict(host="sql01", instance="sql01\\GROUPCHAT", database="GroupChat"),
                sql=dict(host="sql01", instance="sql01\\RTC", database="mgc"),
                work_dir="C:\\PChatMigration", backup_dir="\\\\fs01\\Backups",
                legacy_file_repository="\\\\gc01\\GroupChatFiles", file_store="\\\\fs01\\LyncShare\\PChat")
    base.update(changes)
    return base


def test_the_lab_topology_is_one_run_per_acting_server_each_path_once_with_all_its_purposes():
    assert hop_plan(hop_paths(topology())) == [
        dict(host="fe01", shares=[], sql=[
            dict(instance="sql01\\GROUPCHAT", database="GroupChat", purpose=EXPORT),
            dict(instance="sql01\\RTC", database="mgc", purpose=IMPORT)]),
        dict(host="sql01", sql=[
            dict(instance="sql01\\GROUPCHAT", database="GroupChat", purpose=LEGACY_BACKUP),
            dict(instance="sql01\\RTC", database="mgc", purpose=MGC_BACKUP)],
            # The one backup share serves both backups: probed once, both purposes named.
            shares=[dict(path="\\\\fs01\\Backups", purpose=LEGACY_BACKUP + ", " + MGC_BACKUP)]),
        dict(host="fs01", sql=[], shares=[
            dict(path="\\\\gc01\\GroupChatFiles", purpose=COPY),
            dict(path="\\\\fs01\\LyncShare\\PChat", purpose=COPY),
            dict(path="\\\\fs01\\Backups", purpose="the backup of the file repository")]),
        dict(host="gc01", sql=[], shares=[dict(path="\\\\gc01\\GroupChatFiles", purpose="the legacy file repository")]),
        dict(host="gc02", sql=[], shares=[dict(path="\\\\gc01\\GroupChatFiles", purpose="the legacy file repository")]),
    ]


def test_a_work_folder_on_a_share_is_a_path_of_the_front_end_a_local_one_is_not():
    local = [path for path in hop_paths(topology()) if path.get("path") == "C:\\PChatMigration"]
    assert local == []
    plan = hop_plan(hop_paths(topology(work_dir="\\\\fs01\\Work")))
    assert plan[0]["shares"] == [dict(path="\\\\fs01\\Work", purpose="the export file and the reports")]


def test_servers_that_play_several_parts_get_one_run_and_repeated_purposes_are_named_once():
    # One server is Front End, SQL host and file server; the same database for both sides.
    same = dict(host="fe01", instance="fe01\\RTC", database="mgc")
    plan = hop_plan(hop_paths(topology(file_server="fe01", legacy_sql=same, sql=same, legacy_servers=[])))
    assert [entry["host"] for entry in plan] == ["fe01"]
    assert plan[0]["sql"] == [dict(instance="fe01\\RTC", database="mgc",
                                   purpose=", ".join([EXPORT, IMPORT, LEGACY_BACKUP, MGC_BACKUP]))]
    assert plan[0]["shares"][0] == dict(path="\\\\fs01\\Backups", purpose=", ".join(
        [LEGACY_BACKUP, MGC_BACKUP, "the backup of the file repository"]))
    # The same instance with another database is another probe.
    plan = hop_plan(hop_paths(topology(sql=dict(host="sql01", instance="sql01\\GROUPCHAT", database="mgc"))))
    assert [(entry["instance"], entry["database"]) for entry in plan[0]["sql"]] == [
        ("sql01\\GROUPCHAT", "GroupChat"), ("sql01\\GROUPCHAT", "mgc")]


def hop(from_host, to_host, kind, target, status, database=None, purpose="p", error=None):
    return dict(from_host=from_host, to_host=to_host, kind=kind, target=target, database=database, purpose=purpose,
                second_hop=from_host != to_host, ok=status == "ok", status=status, error=error, error_id=None)


def run(host, transport, *hops):
    return dict(item=dict(host=host), transport=transport, hops=list(hops),
                refused=[entry for entry in hops if entry["status"] == "refused"],
                errors=[entry for entry in hops if entry["status"] == "failed"], changed=False)


SKIPPED = dict(item=dict(host="gc01"), skipped=True, skip_reason="Conditional result was False")
NO_DELEGATION = {"fe01": {}, "sql01": {}, "fs01": {}}.get


def test_every_refused_hop_is_named_with_both_hosts_the_transport_per_acting_server_and_the_fix():
    results = [
        run("fe01", "ntlm",
            hop("fe01.contoso.local", "sql01.contoso.local", "sql", "sql01\\GROUPCHAT", "refused", "GroupChat",
                EXPORT, ANONYMOUS + "\n"),
            hop("fe01.contoso.local", "sql01.contoso.local", "sql", "sql01\\RTC", "refused", "mgc", IMPORT,
                ANONYMOUS)),
        run("sql01", "ntlm", hop("sql01.contoso.local", "sql01.contoso.local", "sql", "sql01\\RTC", "ok")),
        run("fs01", "ntlm", hop("fs01.contoso.local", "gc01.contoso.local", "share", "\\\\gc01\\Files", "refused",
                                purpose=COPY, error="Access is denied")),
        SKIPPED,
    ]
    assert hop_message(results, lambda host: False) == (
        "Second hop refused: fe01.contoso.local -> sql01.contoso.local (SQL Server sql01\\GROUPCHAT, database "
        "GroupChat, for %s): %s; fe01.contoso.local -> sql01.contoso.local (SQL Server sql01\\RTC, database mgc, "
        "for %s): %s; fs01.contoso.local -> gc01.contoso.local (share \\\\gc01\\Files, for %s): Access is denied. "
        "The WinRM sessions use ansible_winrm_transport=ntlm on fe01, ntlm on fs01, a network logon without "
        "credentials for another computer. Fix: CredSSP (ansible_winrm_transport: credssp, and Enable-WSManCredSSP "
        "-Role Server on fe01.contoso.local, fs01.contoso.local) or Kerberos with delegation "
        "(ansible_winrm_transport: kerberos, ansible_winrm_kerberos_delegation: true, a forwardable ticket, the "
        "account and fe01.contoso.local, fs01.contoso.local trusted for delegation)."
        % (EXPORT, ANONYMOUS, IMPORT, ANONYMOUS, COPY))


def test_under_kerberos_the_message_names_the_delegation_setting_as_ansible_reads_it():
    results = [run("fe01", "kerberos", hop("fe01", "sql01", "sql", "sql01", "refused", error=ANONYMOUS)),
               run("fs01", "kerberos", hop("fs01", "gc01", "share", "\\\\gc01\\F", "refused", error="Access is denied"))]
    settings = {"fe01": "yes", "fs01": False}
    message = hop_message(results, settings.get)
    assert "ansible_winrm_transport=kerberos on fe01 (ansible_winrm_kerberos_delegation: true), " \
        "kerberos on fs01 (ansible_winrm_kerberos_delegation: false)," in message
    # A database-less SQL probe names no database.
    assert "fe01 -> sql01 (SQL Server sql01, for p): " in message


def test_other_failures_follow_the_refusals_and_stand_alone_without_them():
    failed = hop("sql01", "fs01", "share", "\\\\fs01\\Backups", "failed", purpose=LEGACY_BACKUP,
                 error="  Cannot find path '\\\\fs01\\Backups' because it does not exist. ")
    missing_db = hop("fe01", "sql01", "sql", "sql01\\RTC", "failed", "mgc", IMPORT, "Cannot open database")
    alone = hop_message([run("sql01", "ntlm", failed), run("fe01", "ntlm", missing_db)], NO_DELEGATION)
    assert alone == (
        "sql01 cannot reach share \\\\fs01\\Backups (for the legacy database backup), not for lack of delegation: "
        "Cannot find path '\\\\fs01\\Backups' because it does not exist.; fe01 cannot reach SQL Server sql01\\RTC, "
        "database mgc (for %s), not for lack of delegation: Cannot open database." % IMPORT)
    both = hop_message([run("fe01", "ntlm", hop("fe01", "sql01", "sql", "sql01", "refused", error=ANONYMOUS)),
                        run("sql01", "ntlm", failed)], NO_DELEGATION)
    assert both.startswith("Second hop refused: fe01 -> sql01")
    assert both.endswith("trusted for delegation). sql01 cannot reach share \\\\fs01\\Backups (for the legacy "
                         "database backup), not for lack of delegation: Cannot find path '\\\\fs01\\Backups' because "
                         "it does not exist..")


def test_no_refusal_and_no_failure_is_no_message():
    assert hop_message([run("fe01", "ntlm", hop("fe01", "sql01", "sql", "sql01", "ok")), SKIPPED], None) == ""
    assert hop_message([], None) == ""


def test_the_record_keeps_every_probed_hop_in_order_with_the_ledger_keys_only():
    first = hop("fe01", "sql01", "sql", "sql01\\GROUPCHAT", "refused", "GroupChat", EXPORT, ANONYMOUS)
    second = hop("gc01", "gc01", "share", "\\\\gc01\\Files", "ok", purpose="the legacy file repository")
    record = hop_record([run("fe01", "ntlm", first), SKIPPED, run("gc01", "ntlm", second)])
    assert record == [
        dict(from_host="fe01", to_host="sql01", kind="sql", target="sql01\\GROUPCHAT", database="GroupChat",
             purpose=EXPORT, second_hop=True, status="refused"),
        dict(from_host="gc01", to_host="gc01", kind="share", target="\\\\gc01\\Files", database=None,
             purpose="the legacy file repository", second_hop=False, status="ok")]
    assert [list(entry) for entry in record] == [
        ["from_host", "to_host", "kind", "target", "database", "purpose", "second_hop", "status"]] * 2
