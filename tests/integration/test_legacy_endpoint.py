"""legacy_endpoint against the lab: five steps with --diff (present and absent), round trips, a fault
between removing the user and creating the endpoint then a re-run, bad arguments, hostile addresses, no
rights, and the rollback (restore_user) with the AD Recycle Bin on and off."""
from __future__ import annotations

import json
import subprocess
import urllib.request

from conftest import BIN, REPO, _env, lab_exports, run_ansible
from lab_ports import claim_offset
from steps_support import READONLY, module, playbook, round_trips, scripts, state

ARGS = {"sip_address": "ocschat@contoso.local", "pool_fqdn": "pcpool.contoso.local"}
SIP = "sip:ocschat@contoso.local"


def directory(lab) -> dict:
    return state(lab)["backends"]["lync"]["directory"]


def endpoints_with(lab, sip) -> list:
    return [e for e in directory(lab)["endpoints"] if e["sip_address"].lower() == sip.lower()]


def test_five_steps(clean_lab):
    before = clean_lab.log_length()
    playbook(clean_lab, "legacy_endpoint")
    sent = "\n".join(scripts(clean_lab.log(before)))
    # The user goes before the endpoint comes, in one script.
    change = next(script for script in scripts(clean_lab.log(before)) if "New-CsPersistentChatEndpoint" in script)
    assert change.index("Remove-ADUser -Identity 'CN=Group Chat Lookup") < change.index("New-CsPersistentChatEndpoint")
    assert "-Confirm:$false" in change
    assert "Remove-CsPersistentChatEndpoint" in sent


def test_round_trips(clean_lab):
    status, result, log = module(clean_lab, "fe01", "legacy_endpoint", ARGS)
    assert status == "CHANGED" and round_trips(log) == 2, result
    status, result, log = module(clean_lab, "fe01", "legacy_endpoint", ARGS)
    assert result["changed"] is False and round_trips(log) == 1


def test_a_fault_after_the_user_is_removed_then_a_rerun_creates_the_endpoint_once(clean_lab):
    clean_lab.fault(kind="cmdlet", host="fe01", cmdlet="New-CsPersistentChatEndpoint", nth=1,
                    message="Injected: domain controller unreachable.")
    status, result, _log = module(clean_lab, "fe01", "legacy_endpoint", ARGS)
    assert status == "FAILED!" and "Injected: domain controller unreachable." in result["msg"]
    # What the user was is in the failed result, since it is gone now.
    assert result["removed_user"]["SamAccountName"] == "ocschat"
    assert not [u for u in directory(clean_lab)["users"] if u["sam"] == "ocschat"]
    assert endpoints_with(clean_lab, SIP) == []
    clean_lab.clear_faults()
    status, result, _log = module(clean_lab, "fe01", "legacy_endpoint", ARGS)
    assert status == "CHANGED" and result["actions"] == ["create endpoint " + SIP]
    assert len(endpoints_with(clean_lab, SIP)) == 1


def test_an_endpoint_on_the_wrong_display_name_is_recreated(clean_lab):
    module(clean_lab, "fe01", "legacy_endpoint", ARGS)
    status, result, _log = module(clean_lab, "fe01", "legacy_endpoint", dict(ARGS, display_name="New name"))
    assert status == "CHANGED" and result["actions"][0].startswith("remove endpoint CN=")
    assert [e["display_name"] for e in endpoints_with(clean_lab, SIP)] == ["New name"]


def test_bad_arguments(lab):
    for args, text in [({"sip_address": "ocschat@contoso.local"}, "state is present but all of the following are missing: pool_fqdn"),
                       (dict(ARGS, sip_address="ocschat"), "sip_address must look like user@domain"),
                       (dict(ARGS, state="gone"), "value of state must be one of")]:
        status, result, log = module(lab, "fe01", "legacy_endpoint", args)
        assert status == "FAILED!" and text in result["msg"], result
        assert round_trips(log) == 0


def test_hostile_address_arrives_intact(clean_lab):
    sip = "sip:o'c$(Remove-ADUser alice)\u202e\u05d0@contoso.local"
    status, result, _log = module(clean_lab, "fe01", "legacy_endpoint", dict(ARGS, sip_address=sip))
    assert status == "CHANGED" and result["actions"] == ["create endpoint " + sip], result
    assert [e["sip_address"] for e in endpoints_with(clean_lab, sip)] == [sip]
    assert [u for u in directory(clean_lab)["users"] if u["sam"] == "alice"]
    status, result, _log = module(clean_lab, "fe01", "legacy_endpoint", {"sip_address": sip, "state": "absent"})
    assert status == "CHANGED" and endpoints_with(clean_lab, sip) == []


def test_a_wildcard_address_is_not_the_lookup_user(clean_lab):
    # The user is read with an LDAP filter: an unescaped * would match sip:ocschat@ and remove that user.
    sip = "sip:ocs*\\(x)@contoso.local"
    status, result, _log = module(clean_lab, "fe01", "legacy_endpoint", dict(ARGS, sip_address=sip))
    assert status == "CHANGED" and result["actions"] == ["create endpoint " + sip], result
    assert "removed_user" not in result and [u for u in directory(clean_lab)["users"] if u["sam"] == "ocschat"]
    status, result, _log = module(clean_lab, "fe01", "legacy_endpoint", dict(ARGS, sip_address=sip))
    assert result["changed"] is False, result


def test_an_account_without_rights_changes_nothing(clean_lab):
    status, result, _log = module(clean_lab, "fe01", "legacy_endpoint", ARGS, *READONLY)
    assert status == "FAILED!" and "readonly" in result["msg"]
    assert [u for u in directory(clean_lab)["users"] if u["sam"] == "ocschat"]


# -- restore_user: the rollback -------------------------------------------------------------------------

ROLLBACK = {"sip_address": SIP, "state": "absent", "restore_user": "ocschat"}


def ocschat_users(lab) -> list:
    return [u for u in directory(lab)["users"] if u["sam"] == "ocschat"]


def deleted_ocschat(lab) -> list:
    return [d for d in directory(lab)["deleted_objects"] if d["sam"] == "ocschat"]


def test_rollback_five_steps(clean_lab):
    playbook(clean_lab, "legacy_endpoint_rollback")


def test_rollback_round_trips_and_order(clean_lab):
    status, cutover, _log = module(clean_lab, "fe01", "legacy_endpoint", ARGS)
    assert status == "CHANGED" and len(deleted_ocschat(clean_lab)) == 1
    guid = deleted_ocschat(clean_lab)[0]["guid"]
    status, result, log = module(clean_lab, "fe01", "legacy_endpoint", ROLLBACK)
    assert status == "CHANGED" and round_trips(log) == 2, result
    change = scripts(log)[1]
    # The endpoint frees the address before the user comes back with it, in one script.
    assert change.index("Remove-CsPersistentChatEndpoint") < change.index("Restore-ADObject -Identity '%s'" % guid)
    assert result["deleted_user"]["ObjectGUID"] == guid
    assert result["restored_user"]["RegistrarPool"] == cutover["removed_user"]["RegistrarPool"]
    status, result, log = module(clean_lab, "fe01", "legacy_endpoint", ROLLBACK)
    assert status == "SUCCESS" and result["actions"] == [] and round_trips(log) == 1


def test_rollback_with_nothing_to_restore_changes_nothing(clean_lab):
    module(clean_lab, "fe01", "legacy_endpoint", ARGS)
    status, result, log = module(clean_lab, "fe01", "legacy_endpoint", dict(ROLLBACK, restore_user="nosuchuser"))
    assert status == "FAILED!" and result["changed"] is False and round_trips(log) == 1, result
    assert "no deleted object with sAMAccountName nosuchuser in the Active Directory recycle bin" in result["msg"]
    assert len(endpoints_with(clean_lab, SIP)) == 1 and len(deleted_ocschat(clean_lab)) == 1


def test_rollback_of_a_user_that_was_never_removed_changes_nothing(clean_lab):
    status, result, log = module(clean_lab, "fe01", "legacy_endpoint", ROLLBACK)
    assert status == "SUCCESS" and result["actions"] == [] and round_trips(log) == 1, result
    assert "Get-ADObject -Filter 'sAMAccountName -eq \"ocschat\"' -IncludeDeletedObjects" in scripts(log)[0]


def test_restore_user_is_refused_with_state_present(lab):
    status, result, log = module(lab, "fe01", "legacy_endpoint", dict(ARGS, restore_user="ocschat"))
    assert status == "FAILED!" and "restore_user is only for state=absent" in result["msg"]
    assert round_trips(log) == 0


def test_rollback_without_the_recycle_bin_refuses_the_tombstone_and_changes_nothing(tmp_path):
    """A lab of its own, whose directory has the Recycle Bin off (the topology's documented switch): the
    cutover leaves a tombstone without the SIP address, which the rollback must not restore."""
    source = (REPO / "lab" / "pchat_lab" / "topologies" / "lync2010.yaml").read_text(encoding="utf-8")
    assert source.count("ad_recycle_bin: true") == 1
    topology = tmp_path / "no-recycle-bin.yaml"
    topology.write_text(source.replace("ad_recycle_bin: true", "ad_recycle_bin: false"), encoding="utf-8")
    other = claim_offset()
    offset = {"PCHAT_LAB_PORT_OFFSET": str(other)}
    env = dict(_env(), **offset)
    state_dir = tmp_path / "state"
    up = subprocess.run([str(BIN / "pchat-lab"), "up", "--topology", str(topology), "--dataset", "small",
                         "--state-dir", str(state_dir)], env=env, cwd=REPO, capture_output=True, text=True, check=False)
    assert up.returncode == 0, up.stdout + up.stderr
    control = OtherLab(other)
    offset.update(lab_exports(state_dir, env))      # this lab's own KDC
    try:
        def run(args):
            results = run_ansible("fe01", "-m", "lync.persistent_chat.legacy_endpoint", "-a", json.dumps(args),
                                  "-e", "pchat_lab_state_dir=%s" % state_dir, extra_env=offset)
            assert "fe01" in results, results["_process"].stdout + results["_process"].stderr
            return results["fe01"]
        status, _result = run(ARGS)
        assert status == "CHANGED"
        tombstones = deleted_ocschat(control)
        assert len(tombstones) == 1 and tombstones[0]["recycled_with_attributes"] is False
        status, result = run(ROLLBACK)
        assert status == "FAILED!" and result["changed"] is False, result
        assert "no longer holds sip:ocschat@contoso.local: it is a tombstone" in result["msg"]
        assert len(endpoints_with(control, SIP)) == 1 and len(deleted_ocschat(control)) == 1
        assert ocschat_users(control) == []
    finally:
        subprocess.run([str(BIN / "pchat-lab"), "down", "--state-dir", str(state_dir)], env=env, cwd=REPO,
                       capture_output=True, check=False)


class OtherLab:
    """The control endpoint of a second lab, on its own ports (read-only use: its state)."""

    def __init__(self, offset):
        self.url = "http://127.0.0.1:%d" % (15980 + offset)

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
        return json.loads(text) if text else None
