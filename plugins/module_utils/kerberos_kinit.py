# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Kerberos ticket obtained with kinit for one module run, as Ansible's winrm connection does it.

pywinrm's Kerberos transport never uses the password: it reads a ticket from the credential cache named
by KRB5CCNAME. With a password and kinit mode ``managed`` (the default when a password is given),
Ansible's winrm connection runs ``kinit [kinit_args | -f] <principal>`` with KRB5CCNAME pointing at a
private cache, writes the password to kinit's stdin, and uses that cache for the connection. We do the
same: the cache lives in a private temporary folder, the password only ever travels on kinit's stdin
(never on a command line, in the environment or on disk), and the folder is removed afterwards.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile

KINIT_TIMEOUT = 60
MODES = ("managed", "manual")


class KinitError(Exception):
    """kinit could not run or refused the principal/password; the message never holds the password."""


def kinit_managed(mode, password):
    """Whether to run kinit: Ansible's rule (kinit mode unset: managed exactly when a password is given)."""
    if mode is None or mode == "":
        return bool(password)
    if mode not in MODES:
        raise KinitError("kinit mode must be one of %s, not %r" % (", ".join(MODES), mode))
    return mode == "managed"


def kinit_command(principal, kinit_cmd="kinit", kinit_args=None, forwardable=False):
    """The kinit command line: explicit kinit_args replace Ansible's default ``-f`` (asked for by
    delegation); the principal always comes last. The password is never part of it."""
    command = [kinit_cmd or "kinit"]
    if kinit_args:
        command.extend(arg for arg in shlex.split(kinit_args) if arg.strip())
    elif forwardable:
        command.append("-f")  # a forwardable TGT: the server can only get a forwarded one from it
    command.append(principal)
    return command


def _scrub(text, secret):
    if secret and text:
        return text.replace(secret, "********")
    return text


class KinitCache(object):
    """A private credential cache filled by kinit; KRB5CCNAME points at it until release()."""

    def __init__(self, principal, password, kinit_cmd="kinit", kinit_args=None, forwardable=False,
                 popen=subprocess.Popen, environ=None):
        if not principal:
            raise KinitError("kinit needs a user (winrm_user, e.g. user@REALM) to get a Kerberos ticket for")
        if not password:
            raise KinitError("kinit mode managed needs a password (winrm_password) for %s" % principal)
        self.principal = principal
        self._password = password
        self.command = kinit_command(principal, kinit_cmd, kinit_args, forwardable)
        self._popen = popen
        self._environ = os.environ if environ is None else environ
        self.directory = None
        self.ccache = None
        self._previous = None
        self._active = False

    def acquire(self):
        """Run kinit into a new private cache and point KRB5CCNAME at it."""
        self.directory = tempfile.mkdtemp(prefix="pchat-krb5cc-")  # mode 0700: the ticket is a secret
        self.ccache = "FILE:%s" % os.path.join(self.directory, "ccache")
        env = dict(self._environ, KRB5CCNAME=self.ccache)
        try:
            process = self._popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env)
        except OSError as error:
            self._remove()
            raise KinitError("cannot run %s for Kerberos principal %s: %s (install the Kerberos client tools, "
                             "e.g. Debian's krb5-user, or set ansible_winrm_kinit_cmd)"
                             % (self.command[0], self.principal, error.strerror or error))
        try:
            stdout, stderr = process.communicate((self._password + "\n").encode("utf-8"), timeout=KINIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            self._remove()
            raise KinitError("Kerberos auth failure for principal %s: kinit did not finish within %ds"
                             % (self.principal, KINIT_TIMEOUT))
        if process.returncode != 0:
            self._remove()
            text = (stderr or stdout or b"").decode("utf-8", errors="replace").strip()
            raise KinitError("Kerberos auth failure for principal %s: %s"
                             % (self.principal, _scrub(text, self._password) or "kinit exit code %d" % process.returncode))
        self._previous = self._environ.get("KRB5CCNAME")
        self._environ["KRB5CCNAME"] = self.ccache
        self._active = True
        return self.ccache

    def _remove(self):
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def release(self):
        """Restore KRB5CCNAME and remove the cache (with the ticket in it)."""
        if self._active:
            if self._previous is None:
                self._environ.pop("KRB5CCNAME", None)
            else:
                self._environ["KRB5CCNAME"] = self._previous
            self._active = False
        self._remove()
