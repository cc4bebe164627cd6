"""The action plugin: which host variables become which module options, that explicit options win, and
(through a real `ansible` ad hoc run) that the module runs on the controller even when the inventory
says ansible_connection=winrm."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ansible.errors import AnsibleError

from ansible_collections.lync.persistent_chat.plugins.plugin_utils.pchat_action import connection_args_from_host

REPO = Path(__file__).resolve().parents[4]

WINDOWS_HOST = {
    "inventory_hostname": "fe01",
    "ansible_host": "10.0.0.5",
    "ansible_port": "5986",
    "ansible_user": "CONTOSO\\lyncadmin",
    "ansible_password": "from-inventory",
    "ansible_winrm_scheme": "https",
    "ansible_winrm_path": "wsman",
    "ansible_winrm_transport": ["ntlm", "kerberos"],
    "ansible_winrm_server_cert_validation": "ignore",
    "ansible_winrm_ca_trust_path": "/etc/pki/ca.pem",
    "ansible_winrm_read_timeout_sec": "70",
    "ansible_winrm_operation_timeout_sec": 30,
    "ansible_winrm_message_encryption": "always",
}


def test_host_variables_become_winrm_options():
    assert connection_args_from_host(WINDOWS_HOST, {}) == {
        "winrm_host": "10.0.0.5",
        "winrm_port": 5986,
        "winrm_user": "CONTOSO\\lyncadmin",
        "winrm_password": "from-inventory",
        "winrm_scheme": "https",
        "winrm_path": "wsman",
        "winrm_transport": "ntlm",
        "winrm_cert_validation": False,
        "winrm_ca_path": "/etc/pki/ca.pem",
        "winrm_read_timeout": 70,
        "winrm_operation_timeout": 30,
        "winrm_message_encryption": "always",
    }


def test_explicit_options_win_over_host_variables():
    explicit = {"winrm_host": "other.contoso.local", "winrm_port": 15985, "winrm_password": "from-task",
                "winrm_cert_validation": True}
    derived = connection_args_from_host(WINDOWS_HOST, explicit)
    for option in explicit:
        assert option not in derived
    assert derived["winrm_user"] == "CONTOSO\\lyncadmin"


def test_an_explicit_none_does_not_block_the_host_variable():
    assert connection_args_from_host(WINDOWS_HOST, {"winrm_host": None})["winrm_host"] == "10.0.0.5"


def test_inventory_name_when_there_is_no_ansible_host():
    assert connection_args_from_host({"inventory_hostname": "gc01.contoso.local"}, {}) == {
        "winrm_host": "gc01.contoso.local"}


def test_winrm_password_alias_and_first_match_order():
    host = {"ansible_winrm_password": "second", "ansible_winrm_pass": "third", "ansible_winrm_user": "w"}
    derived = connection_args_from_host(host, {})
    assert derived["winrm_password"] == "second" and derived["winrm_user"] == "w"
    host["ansible_password"] = "first"
    assert connection_args_from_host(host, {})["winrm_password"] == "first"


@pytest.mark.parametrize("value, cert, expected", [
    ("ntlm", None, "ntlm"), ("plaintext", None, "basic"), ("ssl", None, "basic"), ("ssl", "/c.pem", "certificate"),
    ("kerberos,ntlm", None, "kerberos"), (["credssp"], None, "credssp"), ("bogus, ntlm", None, "ntlm"),
])
def test_transport_names_of_the_winrm_connection_plugin(value, cert, expected):
    host = {"ansible_winrm_transport": value}
    if cert:
        host["ansible_winrm_cert_pem"] = cert
    assert connection_args_from_host(host, {})["winrm_transport"] == expected


@pytest.mark.parametrize("value, expected", [("validate", True), ("ignore", False), ("yes", True), (False, False)])
def test_cert_validation_values(value, expected):
    assert connection_args_from_host({"ansible_winrm_server_cert_validation": value}, {})["winrm_cert_validation"] is expected


@pytest.mark.parametrize("host", [{"ansible_winrm_transport": "nonsense"}, {"ansible_port": "fivethousand"},
                                  {"ansible_winrm_server_cert_validation": "maybe"}])
def test_unusable_host_variables_fail_clearly(host):
    with pytest.raises((AnsibleError, TypeError, ValueError)):
        connection_args_from_host(host, {})


KERBEROS_HOST = {
    "ansible_host": "127.0.0.1",
    "ansible_user": "lyncadmin@CONTOSO.LOCAL",
    "ansible_winrm_transport": "kerberos",
    "ansible_winrm_kerberos_delegation": "true",
    "ansible_winrm_kerberos_hostname_override": "fe01.contoso.local",
    "ansible_winrm_proxy": "http://proxy.contoso.local:3128",
    "ansible_winrm_no_proxy": "no",
    "ansible_winrm_credssp_disable_tlsv1_2": True,
    "ansible_winrm_credssp_auth_mechanism": "kerberos",
    "ansible_winrm_credssp_minimum_version": "5",
    "ansible_winrm_kinit_mode": "managed",
    "ansible_winrm_kinit_cmd": "/usr/bin/kinit",
    "ansible_winrm_kinit_args": "-f -l 2h",
    "ansible_winrm_cert_pem": "/etc/pki/client.pem",
    "ansible_winrm_cert_key_pem": "/etc/pki/client.key",
}


def test_kerberos_credssp_proxy_and_kinit_settings_of_the_winrm_connection():
    derived = connection_args_from_host(KERBEROS_HOST, {})
    assert derived == {
        "winrm_host": "127.0.0.1", "winrm_user": "lyncadmin@CONTOSO.LOCAL", "winrm_transport": "kerberos",
        "winrm_kerberos_delegation": True, "winrm_kerberos_hostname_override": "fe01.contoso.local",
        "winrm_proxy": "http://proxy.contoso.local:3128", "winrm_no_proxy": False,
        "winrm_credssp_disable_tlsv1_2": True, "winrm_credssp_auth_mechanism": "kerberos",
        "winrm_credssp_minimum_version": 5, "winrm_kinit_mode": "managed", "winrm_kinit_cmd": "/usr/bin/kinit",
        "winrm_kinit_args": "-f -l 2h", "winrm_cert_pem": "/etc/pki/client.pem",
        "winrm_cert_key_pem": "/etc/pki/client.key",
    }


def test_module_options_win_over_the_new_host_variables():
    explicit = {"winrm_kerberos_delegation": False, "winrm_kerberos_hostname_override": "other.contoso.local",
                "winrm_transport": "credssp", "winrm_kinit_mode": "manual"}
    derived = connection_args_from_host(KERBEROS_HOST, explicit)
    assert not set(explicit) & set(derived)
    assert derived["winrm_kinit_cmd"] == "/usr/bin/kinit"


def test_a_psrp_inventory_maps_to_the_same_options():
    host = {"ansible_connection": "psrp", "ansible_host": "fe01.contoso.com", "ansible_psrp_auth": "kerberos",
            "ansible_psrp_protocol": "https", "ansible_psrp_port": "5986", "ansible_psrp_path": "wsman",
            "ansible_user": "svc@CONTOSO.COM", "ansible_psrp_password": "pw", "ansible_psrp_cert_validation": "validate",
            "ansible_psrp_ca_path": "/etc/pki/ca.pem", "ansible_psrp_negotiate_delegate": True,
            "ansible_psrp_negotiate_hostname_override": "fe01.contoso.com", "ansible_psrp_ignore_proxy": "yes",
            "ansible_psrp_read_timeout": 90, "ansible_psrp_operation_timeout": 60,
            "ansible_psrp_message_encryption": "never", "ansible_psrp_credssp_minimum_version": 2}
    assert connection_args_from_host(host, {}) == {
        "winrm_host": "fe01.contoso.com", "winrm_transport": "kerberos", "winrm_scheme": "https", "winrm_port": 5986,
        "winrm_path": "wsman", "winrm_user": "svc@CONTOSO.COM", "winrm_password": "pw", "winrm_cert_validation": True,
        "winrm_ca_path": "/etc/pki/ca.pem", "winrm_kerberos_delegation": True,
        "winrm_kerberos_hostname_override": "fe01.contoso.com", "winrm_no_proxy": True, "winrm_read_timeout": 90,
        "winrm_operation_timeout": 60, "winrm_message_encryption": "never", "winrm_credssp_minimum_version": 2,
    }


def test_winrm_names_win_over_psrp_names():
    host = {"ansible_winrm_transport": "credssp", "ansible_psrp_auth": "kerberos",
            "ansible_winrm_kerberos_delegation": False, "ansible_psrp_negotiate_delegate": True}
    derived = connection_args_from_host(host, {})
    assert derived["winrm_transport"] == "credssp" and derived["winrm_kerberos_delegation"] is False


@pytest.mark.parametrize("host", [
    {"ansible_connection": "psrp", "ansible_psrp_auth": "negotiate"},
    {"ansible_connection": "ansible.builtin.psrp"},
    {"ansible_winrm_transport": "negotiate"},
])
def test_negotiate_fails_saying_what_to_write_instead(host):
    with pytest.raises(AnsibleError) as raised:
        connection_args_from_host(host, {})
    message = str(raised.value)
    assert "ansible_psrp_auth" in message and "kerberos" in message and "ansible_psrp_negotiate_delegate" in message


def test_a_psrp_host_with_an_explicit_transport_on_the_task_needs_no_psrp_auth():
    assert connection_args_from_host({"ansible_connection": "psrp"}, {"winrm_transport": "ntlm"}) == {}


@pytest.mark.parametrize("name", ["ansible_winrm_kerberos_delegation", "ansible_winrm_no_proxy"])
def test_a_boolean_that_is_not_one_fails_naming_the_option(name):
    with pytest.raises(AnsibleError, match=name.replace("ansible_", "").replace("winrm_", "winrm_")):
        connection_args_from_host({name: "perhaps"}, {})


# -- a real ad hoc run ------------------------------------------------------------------------------

def _ad_hoc(env, tmp_path, port, *extra):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(json.dumps({"all": {"hosts": {"fe01": {
        "ansible_host": "127.0.0.1", "ansible_port": port, "ansible_connection": "winrm",
        "ansible_user": "CONTOSO\\lyncadmin", "ansible_password": "Inventory-Secret-9",
        "ansible_winrm_scheme": "http", "ansible_winrm_transport": "ntlm",
        "ansible_winrm_read_timeout_sec": 5, "ansible_winrm_operation_timeout_sec": 3}}}}))
    # `python -m ansible.cli.adhoc` is the `ansible` command, found wherever ansible is importable
    # (ansible-test units injects it through PYTHONPATH and installs no console scripts).
    return subprocess.run([sys.executable, "-m", "ansible.cli.adhoc", "-i", str(inventory), "fe01",
                           "-m", "lync.persistent_chat.pool_info",
                           "-a", "winrm_retries=0", *extra], env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def test_ad_hoc_run_executes_on_the_controller_not_over_ansible_winrm(ansible_env, closed_port):
    env, tmp_path = ansible_env
    port = closed_port()
    completed = _ad_hoc(env, tmp_path, port)
    output = completed.stdout + completed.stderr
    # Our module ran (its step-named message), so Ansible did not try WinRM itself (that would be
    # UNREACHABLE with the winrm plugin's own message).
    assert "FAILED" in output and "UNREACHABLE" not in output, output
    assert "127.0.0.1: read the Persistent Chat pool: WinRM http://127.0.0.1:%d/wsman (transport ntlm" % port in output
    assert "connection refused" in output
    assert "Inventory-Secret-9" not in output


def test_ad_hoc_explicit_option_beats_the_host_variable(ansible_env, closed_port):
    env, tmp_path = ansible_env
    inventory_port, explicit_port = closed_port(), closed_port()
    completed = _ad_hoc(env, tmp_path, inventory_port, "-a", "winrm_port=%d winrm_retries=0" % explicit_port)
    output = completed.stdout + completed.stderr
    assert "127.0.0.1:%d/wsman" % explicit_port in output, output
    assert "127.0.0.1:%d/wsman" % inventory_port not in output


def test_ad_hoc_unknown_option_is_refused_before_connecting(ansible_env, closed_port):
    env, tmp_path = ansible_env
    completed = _ad_hoc(env, tmp_path, closed_port(), "-a", "no_such_option=1")
    output = completed.stdout + completed.stderr
    assert "no_such_option" in output and "WinRM http" not in output, output


def test_delegate_to_uses_the_delegated_hosts_connection(ansible_env, closed_port):
    env, tmp_path = ansible_env
    own_port, delegated_port = closed_port(), closed_port()
    common = {"ansible_host": "127.0.0.1", "ansible_connection": "winrm", "ansible_user": "u",
              "ansible_password": "p", "ansible_winrm_scheme": "http", "ansible_winrm_transport": "ntlm"}
    inventory = tmp_path / "delegation.yml"
    inventory.write_text(json.dumps({"all": {"hosts": {
        "gc01": dict(common, ansible_port=own_port),
        "fe01": dict(common, ansible_port=delegated_port)}}}))
    playbook = tmp_path / "delegate.yml"
    playbook.write_text(json.dumps([{"hosts": "gc01", "gather_facts": False, "tasks": [{
        "lync.persistent_chat.pool_info": {"winrm_retries": 0}, "delegate_to": "fe01"}]}]))
    completed = subprocess.run([sys.executable, "-m", "ansible.cli.playbook", "-i", str(inventory), str(playbook)],
                               env=env, capture_output=True, text=True, timeout=120, check=False)
    output = completed.stdout + completed.stderr
    assert "127.0.0.1:%d/wsman" % delegated_port in output, output
    assert "127.0.0.1:%d/wsman" % own_port not in output
