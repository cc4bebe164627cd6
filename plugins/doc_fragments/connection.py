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
      - V(kerberos) needs a Kerberos ticket and the pykerberos package; V(credssp) needs requests-credssp;
        V(certificate) needs O(winrm_cert_pem) and O(winrm_cert_key_pem) over https.
      - Filled from C(ansible_winrm_transport) (its first entry when a list); env E(PCHAT_WINRM_TRANSPORT).
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
requirements:
  - pywinrm >= 0.5.0 on the controller
notes:
  - The modules run on the Ansible controller and reach the server over WinRM themselves; the task's host
    is written like any Windows host (C(ansible_connection=winrm) or anything else) and the action plugin
    turns its variables into these options. Options given explicitly on the task win over host variables.
  - One WinRM shell is opened per module run, with code page 65001 (UTF-8), and closed at the end.
"""
