"""The second_hop filters as the preflight role calls them: a topology in, the plan out; the registered loop
results and hostvars in, the message and the ledger record out."""
from __future__ import annotations

from ansible_collections.lync.persistent_chat.plugins.filter.second_hop import FilterModule

FILTERS = FilterModule().filters()
TOPOLOGY = dict(front_end="fe01", file_server="fs01", legacy_servers=["gc01"],
                legacy_sql=dict(host="sql01", instance="sql01\\GROUPCHAT", database="GroupChat"),
                sql=dict(host="sql01", instance="sql01\\RTC", database="mgc"),
                work_dir="C:\\Work", backup_dir="\\\\fs01\\Backups",
                legacy_file_repository="\\\\gc01\\Files", file_store="\\\\fs01\\Store")


def result(host, transport):
    refused = dict(from_host=host + ".contoso.local", to_host="sql01.contoso.local", kind="sql", target="sql01",
                   database=None, purpose="the export", second_hop=True, ok=False, status="refused",
                   error="Login failed", error_id="SqlExectionError")
    return dict(item=dict(host=host), transport=transport, hops=[refused], refused=[refused], errors=[])


def test_the_filters_the_role_names():
    assert sorted(FILTERS) == ["second_hop_message", "second_hop_plan", "second_hop_record"]


def test_the_plan_is_one_run_per_acting_server():
    assert [entry["host"] for entry in FILTERS["second_hop_plan"](TOPOLOGY)] == ["fe01", "sql01", "fs01", "gc01"]


def test_the_message_reads_each_acting_servers_delegation_from_hostvars_false_when_unset():
    hostvars = {"fe01": {"ansible_winrm_kerberos_delegation": True}, "fs01": {}}
    message = FILTERS["second_hop_message"]([result("fe01", "kerberos"), result("fs01", "kerberos")], hostvars)
    assert ("ansible_winrm_transport=kerberos on fe01 (ansible_winrm_kerberos_delegation: true), kerberos on fs01 "
            "(ansible_winrm_kerberos_delegation: false), a network logon") in message


def test_the_record_drops_what_the_ledger_does_not_keep():
    [hop] = FILTERS["second_hop_record"]([result("fe01", "ntlm")])
    assert "error" not in hop and "ok" not in hop and hop["status"] == "refused"
