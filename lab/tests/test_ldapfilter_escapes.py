"""RFC 4515 value escapes in the lab's LDAP filter subset.

RFC 4515 §3 (String Representation of Search Filters):
    valueencoding  = 0*(normal / escaped)
    normal         = UTF1SUBSET / UTFMB
    escaped        = ESC HEX HEX
    UTF1SUBSET     = %x01-27 / %x2B-5B / %x5D-7F
                        ; UTF1SUBSET excludes 0x00 (NUL), LPAREN,
                        ; RPAREN, ASTERISK, and ESC.
  "the octets that represent the ASCII characters "*" (ASCII 0x2a), "(" (ASCII 0x28), ")" (ASCII 0x29),
  "\\" (ASCII 0x5c), and NUL (ASCII 0x00) are represented as a backslash "\\" (ASCII 0x5c) followed by
  the two hexadecimal digits representing the value of the encoded octet."
The values below are RFC 4515 §4's examples, on attributes the lab models.
"""
from __future__ import annotations

import pytest

from pchat_lab.lync import ldapfilter


def matches(text, value, attribute="cn"):
    return ldapfilter.parse(text)({attribute: value})


def test_escaped_asterisk_is_a_literal_and_a_bare_one_a_wildcard():
    # §4: (cn=*\2A*) "the substring * anywhere in cn"
    assert matches(r"(cn=*\2A*)", "a*b") and not matches(r"(cn=*\2A*)", "ab")
    assert matches(r"(cn=\2a)", "*") and not matches(r"(cn=\2a)", "anything")


def test_escaped_parentheses_backslash_and_nul():
    # §4: (o=Parens R Us \28for all your parenthetical needs\29), (filename=C:\5cMyFile), (bin=\00\00\00\04)
    assert matches(r"(cn=Parens R Us \28for all your parenthetical needs\29)",
                   "Parens R Us (for all your parenthetical needs)")
    assert matches(r"(displayName=C:\5cMyFile)", "C:\\MyFile", "displayname")
    assert not matches(r"(displayName=C:\5cMyFile)", "C:5cMyFile", "displayname")
    assert matches(r"(cn=\00\00\00\04)", "\x00\x00\x00\x04")


def test_escaped_octets_are_utf8():
    # §4: (sn=Lu\c4\8di\c4\87) -- "Lučić", each character two escaped octets; hex digits in either case.
    assert matches(r"(cn=Lu\c4\8di\c4\87)", "Lučić") and matches(r"(cn=Lu\C4\8Di\C4\87)", "LUČIĆ")


def test_a_hostile_sip_address_matches_only_itself():
    sip = "sip:a*(b)\\c@contoso.local"
    text = r"(msRTCSIP-PrimaryUserAddress=sip:a\2a\28b\29\5cc@contoso.local)"
    assert matches(text, sip, "msrtcsip-primaryuseraddress")
    assert not matches(text, "sip:aXXX(b)\\c@contoso.local", "msrtcsip-primaryuseraddress")


@pytest.mark.parametrize("bad", [r"(cn=\2)", r"(cn=\zz)", r"(cn=a\)", r"(cn=\c4)", r"(cn=\ff)"])
def test_a_broken_escape_is_an_invalid_filter(bad):
    # ESC must be followed by two HEX digits, and the octets must be UTF-8 (§3: "valid UTF-8 string").
    with pytest.raises(ldapfilter.LdapFilterError) as info:
        ldapfilter.parse(bad)
    assert info.value.unsupported is False
