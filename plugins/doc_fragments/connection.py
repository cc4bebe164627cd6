# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """The WinRM connection options every module shares (module_utils/connection_args.py WINRM_ARG_SPEC)."""

    DOCUMENTATION = r"""
options:
  winrm_host:
    description:
      - Name or address of the Windows server to run PowerShell on.
      - Filled from the host's C(ansible_host) (or the inventory name) by the action plugin when not given.
      - Can also be set with the E(PCHAT_WINRM_HOST) environment variable.
    type: str
    required: true
  winrm_port:
    description:
      - TCP port of the WinRM listener.
      - Defaults to 5985 for O(winrm_scheme=http) and 5986 for O(winrm_scheme=https).
      - Filled from C(ansible_port) by the action plugin; env E(PCHAT_WINRM_PORT).
    type: int
  winrm_scheme:
    description:
      - V(https) or V(http). Filled from C(ansible_winrm_scheme); env E(PCHAT_WINRM_SCHEME).
    type: str
    choices: [http, https]
    default: https
  winrm_path:
    description:
      - URL path of the WinRM endpoint. Filled from C(ansible_winrm_path); env E(PCHAT_WINRM_PATH).
    type: str
    default: wsman
  winrm_transport:
    description:
      - Authentication transport.
      - V(kerberos) needs a Kerberos ticket (see O(winrm_kinit_mode)) and the pykerberos package;
        V(credssp) needs requests-credssp; V(certificate) needs O(winrm_cert_pem) and O(winrm_cert_key_pem)
        over https.
      - Only V(kerberos) with O(winrm_kerberos_delegation) and V(credssp) give the remote session credentials
        for a second hop (SQL Server or a share on another server); over V(ntlm) or V(basic) such a hop is
        refused (C(Login failed for user 'NT AUTHORITY\ANONYMOUS LOGON'.), C(Access is denied)).
      - Filled from C(ansible_winrm_transport) (its first entry when a list) or C(ansible_psrp_auth);
        env E(PCHAT_WINRM_TRANSPORT).
    type: str
    choices: [basic, ntlm, kerberos, credssp, certificate]
    default: ntlm
  winrm_user:
    description:
      - Account to log on with, as C(DOMAIN\\user) or C(user@domain).
      - Filled from C(ansible_user); env E(PCHAT_WINRM_USER).
    type: str
  winrm_password:
    description:
      - Password of O(winrm_user). Never written to logs or error messages.
      - Filled from C(ansible_password) or C(ansible_winrm_password); env E(PCHAT_WINRM_PASSWORD).
    type: str
  winrm_cert_validation:
    description:
      - Whether to validate the server's TLS certificate. Set V(false) only for a lab.
      - Filled from C(ansible_winrm_server_cert_validation) (V(ignore) means V(false));
        env E(PCHAT_WINRM_CERT_VALIDATION).
    type: bool
    default: true
  winrm_ca_path:
    description:
      - CA bundle (PEM file or directory) that signs the server's certificate.
      - Filled from C(ansible_winrm_ca_trust_path); env E(PCHAT_WINRM_CA_PATH).
    type: path
  winrm_cert_pem:
    description:
      - Client certificate (PEM) for O(winrm_transport=certificate); env E(PCHAT_WINRM_CERT_PEM).
    type: path
  winrm_cert_key_pem:
    description:
      - Private key (PEM) of O(winrm_cert_pem); env E(PCHAT_WINRM_CERT_KEY_PEM).
    type: path
  winrm_message_encryption:
    description:
      - Message-level encryption (NTLM, Kerberos, CredSSP). V(auto) encrypts over http and relies on TLS over https.
      - Filled from C(ansible_winrm_message_encryption); env E(PCHAT_WINRM_MESSAGE_ENCRYPTION).
    type: str
    choices: [auto, always, never]
    default: auto
  winrm_read_timeout:
    description:
      - Seconds to wait for any HTTP answer. Must be greater than O(winrm_operation_timeout),
        because the server holds each poll for output for up to the operation timeout.
      - Filled from C(ansible_winrm_read_timeout_sec); env E(PCHAT_WINRM_READ_TIMEOUT).
    type: int
    default: 60
  winrm_operation_timeout:
    description:
      - Seconds the server may hold one poll for output; a long-running command simply polls again.
      - Filled from C(ansible_winrm_operation_timeout_sec); env E(PCHAT_WINRM_OPERATION_TIMEOUT).
    type: int
    default: 20
  winrm_retries:
    description:
      - How many times to retry, with exponential backoff, after a transient network error
        (connection refused or reset, connect timeout, HTTP 502/503/504). V(0) disables retries.
      - Read-only scripts are re-sent; scripts that change state are retried only if they were never sent.
      - Env E(PCHAT_WINRM_RETRIES).
    type: int
    default: 2
  winrm_kerberos_delegation:
    description:
      - Forward the Kerberos ticket-granting ticket to the server, so that what runs there can reach other
        servers as the user (the cutover's export/import against SQL on another host, copies from another
        server's share). With kinit mode V(managed) the ticket is requested forwardable (C(kinit -f)).
      - Filled from C(ansible_winrm_kerberos_delegation) or C(ansible_psrp_negotiate_delegate);
        env E(PCHAT_WINRM_KERBEROS_DELEGATION).
    type: bool
    default: false
  winrm_kerberos_hostname_override:
    description:
      - Host name to ask a Kerberos service ticket for (SPN C(HTTP/<name>)) instead of O(winrm_host),
        e.g. when connecting by IP address or through an alias.
      - Filled from C(ansible_winrm_kerberos_hostname_override) or C(ansible_psrp_negotiate_hostname_override);
        env E(PCHAT_WINRM_KERBEROS_HOSTNAME_OVERRIDE).
    type: str
  winrm_proxy:
    description:
      - HTTP proxy URL to reach the server through. Without it pywinrm uses the environment's proxy settings.
      - Filled from C(ansible_winrm_proxy) or C(ansible_psrp_proxy); env E(PCHAT_WINRM_PROXY).
    type: str
  winrm_no_proxy:
    description:
      - Use no proxy at all, not even one from the environment (wins over O(winrm_proxy)).
      - Filled from C(ansible_winrm_no_proxy) or C(ansible_psrp_ignore_proxy); env E(PCHAT_WINRM_NO_PROXY).
    type: bool
    default: false
  winrm_credssp_disable_tlsv1_2:
    description:
      - For O(winrm_transport=credssp) against old servers (Windows Server 2008 R2 without the TLS 1.2
        update), allow TLS 1.0 inside CredSSP.
      - Filled from C(ansible_winrm_credssp_disable_tlsv1_2) or C(ansible_psrp_credssp_disable_tlsv1_2);
        env E(PCHAT_WINRM_CREDSSP_DISABLE_TLSV1_2).
    type: bool
    default: false
  winrm_credssp_auth_mechanism:
    description:
      - The authentication inside CredSSP.
      - Filled from C(ansible_winrm_credssp_auth_mechanism) or C(ansible_psrp_credssp_auth_mechanism);
        env E(PCHAT_WINRM_CREDSSP_AUTH_MECHANISM).
    type: str
    choices: [auto, ntlm, kerberos]
    default: auto
  winrm_credssp_minimum_version:
    description:
      - The lowest CredSSP protocol version the server may answer with.
      - Filled from C(ansible_winrm_credssp_minimum_version) or C(ansible_psrp_credssp_minimum_version);
        env E(PCHAT_WINRM_CREDSSP_MINIMUM_VERSION).
    type: int
    default: 2
  winrm_kinit_mode:
    description:
      - For O(winrm_transport=kerberos), as Ansible's winrm connection does it. V(managed) runs kinit for
        O(winrm_user) into a private credential cache in a temporary folder (the password goes to kinit's
        standard input only), points E(KRB5CCNAME) at it for the run and removes it afterwards.
        V(manual) uses the ticket already in the default cache (run kinit yourself).
      - When not set, V(managed) if O(winrm_password) is given, else V(manual).
      - Kerberos wants the user as C(user@REALM), the realm in capitals.
      - Filled from C(ansible_winrm_kinit_mode); env E(PCHAT_WINRM_KINIT_MODE).
    type: str
    choices: [managed, manual]
  winrm_kinit_cmd:
    description:
      - The kinit program for V(managed) kinit mode.
      - Filled from C(ansible_winrm_kinit_cmd); env E(PCHAT_WINRM_KINIT_CMD).
    type: str
    default: kinit
  winrm_kinit_args:
    description:
      - Arguments for kinit, in place of the default (C(-f) when O(winrm_kerberos_delegation) is true); the
        principal is appended.
      - Filled from C(ansible_winrm_kinit_args); env E(PCHAT_WINRM_KINIT_ARGS).
    type: str
requirements:
  - pywinrm >= 0.5.0 on the controller
notes:
  - The modules run on the Ansible controller and reach the server over WinRM themselves; the task's host
    is written like any Windows host (C(ansible_connection=winrm) or anything else) and the action plugin
    turns its variables into these options. Options given explicitly on the task win over host variables.
  - A host written for C(ansible_connection=psrp) works too; its C(ansible_psrp_*) settings fill the same
    options, except C(ansible_psrp_auth=negotiate) (psrp's default), which pywinrm cannot do; the action
    plugin then fails and asks for C(ansible_psrp_auth) (or C(ansible_winrm_transport)) V(kerberos) or V(ntlm).
  - One WinRM shell is opened per module run, with code page 65001 (UTF-8), and closed at the end.
"""
