"""The LDAP filter subset the lab evaluates for -LdapFilter / -LDAPFilter (Get-CsUser, Get-CsAdUser,
Get-CsAdPrincipal, Get-CsPersistentChatEndpoint, Get-ADUser, Get-ADObject).

RFC 4515 syntax [DOC: the cmdlets' help points to "the LDAP query language", example `-LdapFilter
"l=Redmond"`]: `(attr=value)` with `*` wildcards, presence `(attr=*)`, `(&...)`, `(|...)`, `(!...)`; a
lone `attr=value` without parentheses, as Microsoft's example writes it, is read as one item. Attributes
are matched case-insensitively. Values decode RFC 4515's `\\XX` escapes [DOC RFC 4515 §3: one octet per
escape, the value's octets are UTF-8], so `\\2a` is a literal `*` and only a bare `*` is a wildcard.
Everything beyond the subset (`>=`, `<=`, `~=`, extensible matches `attr:rule:=`) and attributes the lab
does not model are refused with an error that says so (FQID PchatLabUnsupportedLdapFilter) [ASSUMED lab
boundary]; a malformed filter (a `\\` not followed by two hex digits too) is AD's "The search filter is
invalid." [ASSUMED wording of the LDAP error 87]."""
from __future__ import annotations

import re

# Attributes the lab holds a value for (others of AD's schema exist but are empty in the lab, below).
MODELLED = ("objectClass", "cn", "name", "displayName", "sAMAccountName", "userPrincipalName",
            "distinguishedName", "objectGUID", "msRTCSIP-PrimaryUserAddress", "msRTCSIP-PrimaryHomeServer",
            "msRTCSIP-UserEnabled")
# Common AD attributes no lab object has a value for: they parse, and match nothing (as an unset attribute).
UNSET = ("l", "department", "title", "company", "manager", "mail", "telephoneNumber", "description",
         "physicalDeliveryOfficeName", "st", "c", "co", "givenName", "sn", "employeeID")
_KNOWN = {a.lower(): a for a in MODELLED + UNSET}


class LdapFilterError(Exception):
    """``unsupported`` True: valid LDAP the lab does not evaluate; False: not a valid filter."""

    def __init__(self, message: str, unsupported: bool):
        super().__init__(message)
        self.unsupported = unsupported


def parse(text: str):
    """A predicate over {attribute (lower case): value or list of values}."""
    text = (text or "").strip()
    if not text:
        raise LdapFilterError("The search filter is invalid.", False)
    if not text.startswith("("):
        text = "(%s)" % text
    node, rest = _parse(text, 0)
    if rest != len(text):
        raise LdapFilterError("The search filter is invalid.", False)
    return node


def _parse(text: str, pos: int):
    if pos >= len(text) or text[pos] != "(":
        raise LdapFilterError("The search filter is invalid.", False)
    pos += 1
    if pos < len(text) and text[pos] in "&|!":
        op = text[pos]
        pos += 1
        children = []
        while pos < len(text) and text[pos] == "(":
            child, pos = _parse(text, pos)
            children.append(child)
        if pos >= len(text) or text[pos] != ")" or not children or (op == "!" and len(children) != 1):
            raise LdapFilterError("The search filter is invalid.", False)
        if op == "&":
            return (lambda item: all(c(item) for c in children)), pos + 1
        if op == "|":
            return (lambda item: any(c(item) for c in children)), pos + 1
        return (lambda item: not children[0](item)), pos + 1
    end = text.find(")", pos)
    if end < 0:
        raise LdapFilterError("The search filter is invalid.", False)
    return _item(text[pos:end]), end + 1


def _item(item: str):
    match = re.match(r"^([A-Za-z][\w-]*)(:[^=]*)?(~=|>=|<=|=)(.*)$", item)
    if not match or "(" in item:
        raise LdapFilterError("The search filter is invalid.", False)
    attr, extensible, op, value = match.groups()
    if extensible or op != "=":
        raise LdapFilterError("The LDAP filter item \"%s\" uses %s, which the lab does not evaluate; it "
                              "evaluates equality, presence (=*) and substring (*) items joined by &, | and !."
                              % (item, "an extensible match" if extensible else "'%s'" % op), True)
    if attr.lower() not in _KNOWN:
        raise LdapFilterError("The lab does not model the attribute \"%s\" of the LDAP filter; it models %s."
                              % (attr, ", ".join(MODELLED + UNSET)), True)
    key = attr.lower()

    def test(obj: dict) -> bool:
        values = obj.get(key)
        if values in (None, "", []):
            return False
        if value == "*":
            return True
        values = values if isinstance(values, (list, tuple)) else [values]
        return any(re.fullmatch(pattern, str(v).lower(), re.DOTALL) for v in values)
    # Only a bare * separates substrings; an escaped one (\2a) is part of a decoded piece.
    pattern = ".*".join(re.escape(_decode(part).lower()) for part in value.split("*"))
    return test


def _decode(encoded: str) -> str:
    """An RFC 4515 valueencoding as its value: each `\\XX` is one octet; plain characters are their UTF-8
    octets; the octets together must be UTF-8 (`\\c4\\8d` is one character)."""
    octets = bytearray()
    pos = 0
    while pos < len(encoded):
        if encoded[pos] == "\\":
            pair = encoded[pos + 1:pos + 3]
            if not re.fullmatch(r"[0-9A-Fa-f]{2}", pair):
                raise LdapFilterError("The search filter is invalid.", False)
            octets.append(int(pair, 16))
            pos += 3
        else:
            octets += encoded[pos].encode("utf-8")
            pos += 1
    try:
        return octets.decode("utf-8")
    except UnicodeDecodeError:
        raise LdapFilterError("The search filter is invalid.", False) from None


def attributes(classes, dn, name, display=None, sam=None, upn=None, sip=None, pool=None, guid=None) -> dict:
    """The modelled LDAP attributes of one directory object, keyed in lower case."""
    return {"objectclass": list(classes), "cn": name, "name": name, "displayname": display,
            "samaccountname": sam, "userprincipalname": upn, "distinguishedname": dn, "objectguid": guid,
            "msrtcsip-primaryuseraddress": sip, "msrtcsip-primaryhomeserver": pool,
            "msrtcsip-userenabled": "TRUE" if sip else None}


def predicate(text: str, parameter: str, cmdlet_type: str):
    """parse() with its failures as the cmdlet's PowerShell error records."""
    from ..powershell.api import PSError
    try:
        return parse(text)
    except LdapFilterError as exc:
        if exc.unsupported:
            raise PSError(str(exc), "PchatLabUnsupportedLdapFilter,%s" % cmdlet_type, "NotImplemented",
                          text) from None
        raise PSError("The search filter is invalid. (-%s \"%s\")" % (parameter, text),
                      "InvalidLdapFilter,%s" % cmdlet_type, "InvalidArgument", text,
                      exception_type="System.DirectoryServices.Protocols.LdapException") from None


def user_attributes(user) -> dict:
    return attributes(["top", "person", "organizationalPerson", "user"], user.dn, user.name, user.name,
                      user.sam, user.upn, user.sip_address or None, user.registrar_pool or None, user.guid)
