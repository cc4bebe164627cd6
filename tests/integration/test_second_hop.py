"""The second hop, proven before anything is touched: a lab of its own started with ``--second-hop enforce``
(a WinRM session over NTLM has no credentials for a third computer, as in a domain), where the preflight
playbook fails over NTLM naming the refused hops, both hosts, the transport and the fix, and passes over CredSSP;
and the second_hop module, read-only, in check mode and again, telling a refused hop from any other failure."""
from __future__ import annotations

import json
import subprocess
import urllib.request

import pytest

from conftest import BIN, REPO, _env, run_ansible, run_playbook
from lab_ports import claim_offset
from steps_support import scripts as sent_scripts

ANONYMOUS = "Login failed for user 'NT AUTHORITY\\ANONYMOUS LOGON'."
LEGACY_SQL = "sql01.contoso.local\\GROUPCHAT"
REPOSITORY = "\\\\gc01.contoso.local\\GroupChatFiles"


class EnforcingLab:
    """A lab on its own free ports whose topology refuses the second hop; its control endpoint's log."""

    def __init__(self, offset, state_dir):
        self.offset, self.state_dir = offset, state_dir
        self.env = {"PCHAT_LAB_PORT_OFFSET": str(offset)}
        self.url = "http://127.0.0.1:%d" % (15980 + offset)

    def call(self, method, path):
        with urllib.request.urlopen(urllib.request.Request(self.url + path, method=method), timeout=30) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def log(self, since=0):
        return self.call("GET", "/log?since=%d" % since)

    def hops(self, since):
        return [(entry["host"], entry["status"]) for entry in self.log(since) if entry["action"] == "SecondHop"]


@pytest.fixture(scope="module")
def enforcing_lab(tmp_path_factory):
    offset = claim_offset()
    state_dir = tmp_path_factory.mktemp("second-hop-lab")
    env = dict(_env(), PCHAT_LAB_PORT_OFFSET=str(offset))
    up = subprocess.run([str(BIN / "pchat-lab"), "up", "--topology", "lync2010", "--dataset", "small",
                         "--second-hop", "enforce", "--state-dir", str(state_dir)], env=env, cwd=REPO,
                        capture_output=True, text=True, check=False)
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        yield EnforcingLab(offset, state_dir)
    finally:
        subprocess.run([str(BIN / "pchat-lab"), "down", "--state-dir", str(state_dir)], env=env, cwd=REPO,
                       capture_output=True, check=False)


def preflight(lab, ledger_dir, transport):
    return run_playbook(REPO / "playbooks" / "preflight.yml", "-e", "pchat_lab_state_dir=%s" % lab.state_dir,
                        "-e", "pchat_ledger_dir=%s" % ledger_dir, "-e", "ansible_winrm_transport=%s" % transport,
                        extra_env=lab.env)


def probe(lab, host, args, *extra):
    """One ad hoc second_hop run; (status, result, log entries of the run)."""
    since = len(lab.log())
    results = run_ansible(host, "-m", "lync.persistent_chat.second_hop", "-a", json.dumps(args),
                          "-e", "pchat_lab_state_dir=%s" % lab.state_dir, *extra, extra_env=lab.env)
    assert host in results, results["_process"].stdout + results["_process"].stderr
    status, result = results[host]
    return status, result, lab.log(since)


# -- the preflight playbook ------------------------------------------------------------------------------

@pytest.mark.slow(minutes=1)
def test_preflight_over_ntlm_fails_naming_each_refused_hop_both_hosts_the_transport_and_the_fix(
        enforcing_lab, tmp_path):
    since = len(enforcing_lab.log())
    failed = preflight(enforcing_lab, tmp_path, "ntlm")
    assert failed.returncode != 0
    message = " ".join(failed.stdout.split())
    assert "Preflight failed at 'Every server reaches the instances and shares it will act on': Second hop refused:" \
        in message, failed.stdout[-6000:]
    # The Front End's export and import, the SQL host's backups to the file server, the file server's copy.
    assert ("fe01.contoso.local -> sql01.contoso.local (SQL Server sql01.contoso.local\\GROUPCHAT, database GroupChat, "
            "for the export (Export-CsPersistentChatData -DBInstance)): " + ANONYMOUS.replace("'", "''")) in message
    assert "fe01.contoso.local -> sql01.contoso.local (SQL Server sql01.contoso.local\\RTC, database mgc" in message
    assert ("sql01.contoso.local -> fs01.contoso.local (share \\\\fs01.contoso.local\\Backups, for the legacy database "
            "backup, the mgc backup before the import): Access is denied") in message
    assert ("fs01.contoso.local -> gc01.contoso.local (share \\\\gc01.contoso.local\\GroupChatFiles, for the copy of "
            "the posted files): Access is denied") in message
    assert "ansible_winrm_transport=ntlm on fe01, ntlm on sql01, ntlm on fs01" in message
    assert "Fix: CredSSP (ansible_winrm_transport: credssp" in message
    assert "Kerberos with delegation (ansible_winrm_transport: kerberos, ansible_winrm_kerberos_delegation: true" in message
    # Same-host paths are no hop and are not named (the file server's own shares, the legacy server's repository).
    assert "-> fs01.contoso.local (share \\\\fs01.contoso.local\\LyncShare" not in message
    assert "gc01.contoso.local -> gc01" not in message
    # The refusals are what the lab's far sides logged: one per refused path, none delegated.
    assert sorted(enforcing_lab.hops(since)) == [("FE01", 401), ("FE01", 401), ("FS01", 401), ("SQL01", 401)]
    book = json.loads((tmp_path / "lab.json").read_text())
    assert book["stages"]["preflight"]["status"] == "failed"
    assert "Second hop refused" in book["stages"]["preflight"]["error"]


@pytest.mark.slow(minutes=1)
def test_preflight_over_credssp_passes_and_records_every_hop_it_proved(enforcing_lab, tmp_path):
    since = len(enforcing_lab.log())
    passed = preflight(enforcing_lab, tmp_path, "credssp")
    assert passed.returncode == 0, passed.stdout[-6000:] + passed.stderr[-2000:]
    assert sorted(set(enforcing_lab.hops(since))) == [("FE01", 200), ("FS01", 200), ("SQL01", 200)]
    book = json.loads((tmp_path / "lab.json").read_text())
    hops = book["stages"]["preflight"]["data"]["second_hops"]
    assert {hop["status"] for hop in hops} == {"ok"}
    assert sorted((hop["from_host"], hop["to_host"], hop["kind"]) for hop in hops if hop["second_hop"]) == [
        ("fe01.contoso.local", "sql01.contoso.local", "sql"), ("fe01.contoso.local", "sql01.contoso.local", "sql"),
        ("fs01.contoso.local", "gc01.contoso.local", "share"), ("sql01.contoso.local", "fs01.contoso.local", "share")]
    assert ("gc01.contoso.local", REPOSITORY, False) in [
        (hop["from_host"], hop["target"], hop["second_hop"]) for hop in hops]


# -- the module: read-only, in check mode and again --------------------------------------------------------

FRONT_END = {"sql": [{"instance": LEGACY_SQL, "database": "GroupChat", "purpose": "export"}],
             "shares": [{"path": REPOSITORY}]}
# Verbs of anything that would change a server (robocopy only when it does not just list).
CHANGING = ("New-", "Set-", "Remove-", "Copy-", "Backup-", "Restore-", "Export-", "Import-Cs", "robocopy")


@pytest.mark.parametrize("transport, statuses, far_side", [
    ("credssp", ["ok", "ok"], ("FE01", 200)),
    ("ntlm", ["refused", "refused"], ("FE01", 401)),
])
def test_check_mode_then_a_run_then_a_rerun_prove_the_same_and_change_nothing(
        enforcing_lab, transport, statuses, far_side):
    transport_var = ("-e", "ansible_winrm_transport=%s" % transport)
    runs = [probe(enforcing_lab, "fe01", FRONT_END, "--check", *transport_var),
            probe(enforcing_lab, "fe01", FRONT_END, *transport_var),
            probe(enforcing_lab, "fe01", FRONT_END, *transport_var)]
    for status, result, log in runs:
        assert status == "SUCCESS" and result["changed"] is False, result       # a refusal is the caller's to judge
        assert result["transport"] == transport
        assert [hop["status"] for hop in result["hops"]] == statuses
        assert all(hop["second_hop"] and hop["from_host"] == "fe01.contoso.local" for hop in result["hops"])
        scripts = sent_scripts(log)
        assert len(scripts) == 1                                                 # one round trip for all probes
        assert not [verb for verb in CHANGING if verb.lower() in scripts[0].lower()]
        assert [(entry["host"], entry["status"]) for entry in log if entry["action"] == "SecondHop"] == [far_side] * 2
    if transport == "ntlm":
        sql, share = runs[-1][1]["hops"]
        assert sql["error"] == ANONYMOUS and share["error"].startswith("Access is denied")
        assert runs[-1][1]["refused"] == runs[-1][1]["hops"] and runs[-1][1]["errors"] == []


def test_a_path_that_fails_for_another_reason_is_no_refused_hop(enforcing_lab):
    """With delegated credentials a missing share and an unknown instance are failures of their own; the
    server's own share over NTLM is no hop at all."""
    status, result, _log = probe(enforcing_lab, "fe01", {
        "sql": [{"instance": "sql01.contoso.local\\NOSUCH", "database": "GroupChat"}],
        "shares": [{"path": "\\\\gc01.contoso.local\\NoSuchShare"}]}, "-e", "ansible_winrm_transport=credssp")
    assert status == "SUCCESS", result
    assert [(hop["status"], hop["second_hop"]) for hop in result["hops"]] == [("failed", True), ("failed", True)]
    assert result["hops"][0]["error"] == "Failed to connect to server sql01.contoso.local\\NOSUCH."
    assert "does not exist" in result["hops"][1]["error"]
    assert result["refused"] == [] and len(result["errors"]) == 2
    status, result, log = probe(enforcing_lab, "fs01", {"shares": [{"path": "\\\\fs01.contoso.local\\LyncShare"}]},
                                "-e", "ansible_winrm_transport=ntlm")
    assert status == "SUCCESS" and result["hops"][0]["second_hop"] is False and result["hops"][0]["status"] == "ok"
    assert [entry for entry in log if entry["action"] == "SecondHop"] == []
