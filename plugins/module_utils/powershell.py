# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The only way a value enters a PowerShell script: literals and commands built here.

Every value that comes from a user, an inventory or a database is rendered by ps_literal(); a command
line is built with PSCommand, which renders named parameters only and refuses names that are not plain
identifiers. Nothing here ever splices raw text into a script.
"""

from __future__ import annotations

import datetime
import enum
import math
import re

# PowerShell's tokenizer treats all of these as single quotes (CharExtensions.IsSingleQuote):
# APOSTROPHE, LEFT/RIGHT SINGLE QUOTATION MARK, SINGLE LOW-9 and SINGLE HIGH-REVERSED-9 QUOTATION MARK.
SINGLE_QUOTES = u"'\u2018\u2019\u201a\u201b"

_IDENTIFIER = re.compile(r"\A[A-Za-z][A-Za-z0-9]*\Z")
_COMMAND_NAME = re.compile(r"\A[A-Za-z][A-Za-z0-9]*(-[A-Za-z][A-Za-z0-9]*)?\Z")
_INT64_MIN, _INT64_MAX = -(2 ** 63), 2 ** 63 - 1


class PSLiteralError(ValueError):
    """A value that cannot be written as a PowerShell literal (and so must not reach a script)."""


class PSEnumValue(object):
    """A .NET enum member name, e.g. PSEnumValue('FailedOver') for -PoolState. Rendered as a quoted
    string (PowerShell converts it during parameter binding) after checking it is a bare identifier,
    so a typo fails here rather than inside the script."""

    def __init__(self, name):
        if not isinstance(name, str) or not _IDENTIFIER.match(name):
            raise PSLiteralError("enum member name must match [A-Za-z][A-Za-z0-9]*: %r" % (name,))
        self.name = name

    def __repr__(self):
        return "PSEnumValue(%r)" % self.name


class PSVariable(object):
    """A reference to a variable the script itself defines, e.g. PSVariable('room') renders $room."""

    def __init__(self, name):
        if not isinstance(name, str) or not _IDENTIFIER.match(name):
            raise PSLiteralError("variable name must match [A-Za-z][A-Za-z0-9]*: %r" % (name,))
        self.name = name

    def __repr__(self):
        return "PSVariable(%r)" % self.name


class PSListModifier(object):
    """The value of a PSListModifier parameter (-Members, -AllowedMembers ...): @{Add=...; Remove=...}.
    Rendered as a plain hashtable because PSListModifier's constructor takes a Hashtable, not the
    OrderedDictionary that ps_literal(dict) produces."""

    def __init__(self, add=None, remove=None, replace=None):
        self.parts = []
        for key, values in (("Add", add), ("Remove", remove), ("Replace", replace)):
            if values is not None:
                self.parts.append((key, list(values)))

    def __repr__(self):
        return "PSListModifier(%r)" % (self.parts,)


def quote_string(text):
    """A single-quoted PowerShell string whose value is exactly ``text``: every quote character
    (ASCII and the four Unicode single quotes) is doubled, which is the only escape a single-quoted
    string knows."""
    if not isinstance(text, str):
        raise PSLiteralError("expected a str, got %s" % type(text).__name__)
    if u"\x00" in text:
        # A NUL ends PowerShell's tokenizer input; refuse rather than truncate.
        raise PSLiteralError("a string containing NUL cannot be sent to PowerShell")
    try:
        text.encode("utf-16-le")
    except UnicodeEncodeError:
        raise PSLiteralError("a string containing a lone surrogate cannot be sent to PowerShell")
    escaped = "".join(ch + ch if ch in SINGLE_QUOTES else ch for ch in text)
    return u"'" + escaped + u"'"


def _render_float(value):
    if math.isnan(value):
        return "[double]::NaN"
    if math.isinf(value):
        return "[double]::PositiveInfinity" if value > 0 else "[double]::NegativeInfinity"
    # PowerShell casts from string with the invariant culture, so repr's '.' decimal point is safe.
    return "[double]%s" % quote_string(repr(value))


def _render_datetime(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
            suffix = "Z"
        else:
            suffix = ""
        text = value.strftime("%Y-%m-%dT%H:%M:%S") + ".%06d" % value.microsecond + suffix
    else:
        text = value.strftime("%Y-%m-%d")
    # An ISO 8601 string cast with [datetime] is parsed with the invariant culture.
    return "[datetime]%s" % quote_string(text)


def _render_timedelta(value):
    micro = (value.days * 86400 + value.seconds) * 1000000 + value.microseconds
    sign = "-" if micro < 0 else ""
    micro = abs(micro)
    seconds, micro = divmod(micro, 1000000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    text = "%s%d.%02d:%02d:%02d.%07d" % (sign, days, hours, minutes, seconds, micro * 10)
    return "[timespan]%s" % quote_string(text)


def ps_literal(value):
    """Render a Python value as a PowerShell expression that evaluates to the same value.

    str -> '...', bool -> $true/$false, None -> $null, int (int64 range), float, list/tuple -> @(...),
    dict (str keys) -> [ordered]@{...}, datetime/date -> [datetime]'ISO', timedelta -> [timespan]'...',
    enum.Enum -> its value, PSEnumValue, PSVariable, PSListModifier. Anything else is refused.
    """
    if value is None:
        return "$null"
    if isinstance(value, bool):
        return "$true" if value else "$false"
    if isinstance(value, enum.Enum):
        return ps_literal(value.value)
    if isinstance(value, int):
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise PSLiteralError("integer out of the Int64 range: %d" % value)
        return str(value) if value >= 0 else "(%d)" % value
    if isinstance(value, float):
        return _render_float(value)
    if isinstance(value, str):
        return quote_string(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return _render_datetime(value)
    if isinstance(value, datetime.timedelta):
        return _render_timedelta(value)
    if isinstance(value, PSEnumValue):
        return quote_string(value.name)
    if isinstance(value, PSVariable):
        return "$" + value.name
    if isinstance(value, PSListModifier):
        return "@{" + "; ".join("%s = %s" % (key, ps_literal(values)) for key, values in value.parts) + "}"
    if isinstance(value, (list, tuple)):
        return "@(" + ", ".join(ps_literal(item) for item in value) + ")"
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise PSLiteralError("hashtable keys must be str, got %s" % type(key).__name__)
            items.append("%s = %s" % (quote_string(key), ps_literal(item)))
        return "[ordered]@{" + "; ".join(items) + "}"
    raise PSLiteralError("no PowerShell literal for a value of type %s" % type(value).__name__)


def check_identifier(name, what="parameter"):
    """Refuse anything but [A-Za-z][A-Za-z0-9]* where a bare name is written into a script."""
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise PSLiteralError("%s name must match [A-Za-z][A-Za-z0-9]*: %r" % (what, name))
    return name


class PSCommand(object):
    """One cmdlet invocation with named and switch parameters, every value a literal.

    >>> PSCommand('Get-CsPersistentChatRoom').param('PersistentChatPoolFqdn', 'pc.contoso.com').render()
    "Get-CsPersistentChatRoom -PersistentChatPoolFqdn 'pc.contoso.com'"
    """

    def __init__(self, name):
        if not isinstance(name, str) or not _COMMAND_NAME.match(name):
            raise PSLiteralError("command name must look like Verb-Noun: %r" % (name,))
        self.name = name
        self._parts = []
        self._seen = set()

    def _add(self, name, text):
        check_identifier(name)
        if name.lower() in self._seen:
            raise PSLiteralError("parameter -%s given twice" % name)
        self._seen.add(name.lower())
        self._parts.append(text)
        return self

    def param(self, name, value):
        """A named parameter; None renders $null (use optional() to leave it out instead)."""
        return self._add(name, "-%s %s" % (check_identifier(name), ps_literal(value)))

    def optional(self, name, value):
        """A named parameter written only when value is not None."""
        if value is None:
            return self
        return self.param(name, value)

    def switch(self, name, value=True):
        """A switch parameter: -Force when true, -Force:$false when false (an explicit false)."""
        if value:
            return self._add(name, "-%s" % check_identifier(name))
        return self._add(name, "-%s:$false" % check_identifier(name))

    def render(self):
        return " ".join([self.name] + self._parts)

    __str__ = render

    def __repr__(self):
        return "PSCommand(%r)" % self.render()


def credential_statements(credential_variable, secure_variable, username, password):
    """Two statements that leave a PSCredential for ``username`` in $<credential_variable>, the form
    cmdlets taking -Credential-like parameters need without an interactive Get-Credential:

        $p1=ConvertTo-SecureString -String '<password>' -AsPlainText -Force
        $c1=New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList '<user>',$p1

    The password is in the script text: callers must keep the script out of results and messages."""
    secure = check_identifier(secure_variable, "variable")
    credential = check_identifier(credential_variable, "variable")
    if not isinstance(username, str) or not username:
        raise PSLiteralError("a credential needs a user name")
    if not isinstance(password, str) or not password:
        # ConvertTo-SecureString refuses an empty -String; say so before anything is sent.
        raise PSLiteralError("a credential needs a non-empty password")
    convert = PSCommand("ConvertTo-SecureString").param("String", password).switch("AsPlainText").switch("Force")
    # -ArgumentList takes the constructor's arguments as one array; written as a comma list as Microsoft's
    # examples write it.
    return [
        "$%s=%s" % (secure, convert.render()),
        "$%s=New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList %s,$%s"
        % (credential, ps_literal(username), secure),
    ]
