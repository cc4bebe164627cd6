"""kinit as Ansible's winrm connection runs it: the command line (never the password), the password on stdin,
a private credential cache that KRB5CCNAME points at while the client runs, and nothing left behind."""
from __future__ import annotations

import os
import subprocess

import pytest

from ansible_collections.lync.persistent_chat.plugins.module_utils.kerberos_kinit import (
    KinitCache,
    KinitError,
    kinit_command,
    kinit_managed,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.winrm import WinRMAuthenticationError, WinRMClient

PASSWORD = "S3cret-kinit!"


class FakeKinit(object):
    """A subprocess.Popen stand-in that records what kinit was given and writes a 'ticket' to the cache."""

    runs = []

    def __init__(self, returncode=0, stderr=b"", missing=False):
        self.returncode_to_give = returncode
        self.stderr = stderr
        self.missing = missing

    def __call__(self, command, stdin=None, stdout=None, stderr=None, env=None):
        if self.missing:
            raise OSError(2, "No such file or directory")
        assert stdin is subprocess.PIPE and stdout is subprocess.PIPE and stderr is subprocess.PIPE
        run = dict(command=command, env=env, stdin=None)
        FakeKinit.runs.append(run)
        outer = self

        class Process(object):
            returncode = None

            def communicate(self, data=None, timeout=None):
                run["stdin"] = data
                if outer.returncode_to_give == 0:
                    with open(env["KRB5CCNAME"][len("FILE:"):], "wb") as handle:
                        handle.write(b"TGT")
                self.returncode = outer.returncode_to_give
                return b"", outer.stderr

        return Process()


@pytest.fixture(autouse=True)
def _fresh_runs():
    FakeKinit.runs = []


@pytest.mark.parametrize("mode, password, expected", [
    (None, PASSWORD, True), (None, None, False), ("", "", False), ("managed", PASSWORD, True), ("manual", PASSWORD, False),
])
def test_kinit_mode_follows_ansible(mode, password, expected):
    assert kinit_managed(mode, password) is expected


def test_an_unknown_kinit_mode_is_refused():
    with pytest.raises(KinitError, match="managed, manual"):
        kinit_managed("auto", PASSWORD)


@pytest.mark.parametrize("args, forwardable, expected", [
    (None, False, ["kinit", "u@R"]),
    (None, True, ["kinit", "-f", "u@R"]),
    ("-l 2h  -r 1d", True, ["kinit", "-l", "2h", "-r", "1d", "u@R"]),  # explicit args replace -f
])
def test_the_command_line(args, forwardable, expected):
    assert kinit_command("u@R", "kinit", args, forwardable) == expected


def test_password_goes_to_stdin_only_and_the_cache_is_private_and_removed():
    environ = {"PATH": "/usr/bin", "KRB5_CONFIG": "/lab/krb5.conf", "KRB5CCNAME": "FILE:/tmp/outer"}
    cache = KinitCache("lyncadmin@CONTOSO.LOCAL", PASSWORD, forwardable=True, popen=FakeKinit(), environ=environ)
    ccache = cache.acquire()
    (run,) = FakeKinit.runs
    assert run["command"] == ["kinit", "-f", "lyncadmin@CONTOSO.LOCAL"]
    assert run["stdin"] == (PASSWORD + "\n").encode()
    assert PASSWORD not in " ".join(run["command"]) and PASSWORD not in repr(run["env"])
    assert run["env"]["KRB5CCNAME"] == ccache and run["env"]["KRB5_CONFIG"] == "/lab/krb5.conf"
    path = ccache[len("FILE:"):]
    assert environ["KRB5CCNAME"] == ccache and os.path.exists(path)
    assert oct(os.stat(os.path.dirname(path)).st_mode & 0o777) == "0o700"
    cache.release()
    assert not os.path.exists(os.path.dirname(path))
    assert environ["KRB5CCNAME"] == "FILE:/tmp/outer"


def test_a_refused_password_fails_without_showing_it_and_leaves_nothing():
    environ = {}
    stderr = ("kinit: Password incorrect while getting initial credentials (tried %s)" % PASSWORD).encode()
    cache = KinitCache("lyncadmin@CONTOSO.LOCAL", PASSWORD, popen=FakeKinit(returncode=1, stderr=stderr),
                       environ=environ)
    with pytest.raises(KinitError) as raised:
        cache.acquire()
    message = str(raised.value)
    assert message.startswith("Kerberos auth failure for principal lyncadmin@CONTOSO.LOCAL: kinit: Password incorrect")
    assert PASSWORD not in message
    assert "KRB5CCNAME" not in environ and cache.directory is None


def test_a_missing_kinit_says_what_to_install():
    with pytest.raises(KinitError, match="krb5-user"):
        KinitCache("u@R", PASSWORD, popen=FakeKinit(missing=True), environ={}).acquire()


def test_the_client_kinits_once_for_kerberos_and_removes_the_cache_on_close(monkeypatch):
    monkeypatch.delenv("KRB5CCNAME", raising=False)
    made = []

    def protocol(**kwargs):
        made.append(dict(kwargs, ccache=os.environ.get("KRB5CCNAME")))

        class Protocol(object):
            transport = None
        return Protocol()

    def factory(*args, **kwargs):
        return KinitCache(*args, popen=FakeKinit(), **kwargs)

    client = WinRMClient(host="127.0.0.1", port=15985, scheme="http", transport="kerberos",
                         user="lyncadmin@CONTOSO.LOCAL", password=PASSWORD, kerberos_delegation=True,
                         kerberos_hostname_override="fe01.contoso.local", protocol_factory=protocol,
                         kinit_factory=factory)
    client._make_protocol()
    (kwargs,) = made
    assert kwargs["kerberos_delegation"] is True and kwargs["kerberos_hostname_override"] == "fe01.contoso.local"
    assert kwargs["ccache"].startswith("FILE:") and FakeKinit.runs[0]["command"][1] == "-f"
    client._make_protocol()
    assert len(FakeKinit.runs) == 1  # one ticket per client
    client.close()
    assert "KRB5CCNAME" not in os.environ
    assert not os.path.exists(os.path.dirname(kwargs["ccache"][len("FILE:"):]))


def test_manual_mode_and_other_transports_never_run_kinit():
    def protocol(**kwargs):
        return type("Protocol", (), {"transport": type("T", (), {})()})()

    for transport, mode in (("kerberos", "manual"), ("credssp", None), ("ntlm", "managed")):
        WinRMClient(host="h", scheme="http", transport=transport, user="u@R", password=PASSWORD, kinit_mode=mode,
                    protocol_factory=protocol, kinit_factory=lambda *a, **k: pytest.fail("kinit ran"))._make_protocol()


def test_a_kinit_failure_is_an_authentication_error_naming_the_endpoint():
    def factory(*args, **kwargs):
        return KinitCache(*args, popen=FakeKinit(returncode=1, stderr=b"kinit: Client not found in Kerberos database"),
                          **kwargs)

    client = WinRMClient(host="127.0.0.1", port=15985, scheme="http", transport="kerberos", user="nobody@CONTOSO.LOCAL",
                         password=PASSWORD, protocol_factory=lambda **kw: object(), kinit_factory=factory)
    with pytest.raises(WinRMAuthenticationError, match="transport kerberos, without delegation.*Client not found"):
        client._make_protocol()


def test_credssp_options_reach_the_pywinrm_transport():
    class Transport(object):
        credssp_auth_mechanism, credssp_minimum_version = "auto", 2

    made = []

    def protocol(**kwargs):
        made.append(kwargs)
        return type("Protocol", (), {"transport": Transport()})()

    client = WinRMClient(host="h", scheme="http", transport="credssp", user="CONTOSO\\u", password=PASSWORD,
                         credssp_disable_tlsv1_2=True, credssp_auth_mechanism="ntlm", credssp_minimum_version=6,
                         no_proxy=True, proxy="http://ignored:3128", protocol_factory=protocol)
    made_protocol = client._make_protocol()
    assert made[0]["credssp_disable_tlsv1_2"] is True and made[0]["proxy"] is None
    assert made_protocol.transport.credssp_auth_mechanism == "ntlm"
    assert made_protocol.transport.credssp_minimum_version == 6
