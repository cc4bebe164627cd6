# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Active Directory user holding the legacy Group Chat lookup address (ocschat@<domain>), read with
Get-CsAdUser. legacy_endpoint reads it before it swaps the address and pool_info reads it for the rollback's
check of who holds the address, so both read it the same way."""

from __future__ import annotations

from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_views import PLAIN, STRING, select_expression
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSCommand

USER_PROPERTIES = [("Identity", STRING), ("SipAddress", PLAIN), ("DisplayName", PLAIN), ("SamAccountName", PLAIN),
                   ("UserPrincipalName", PLAIN), ("Enabled", PLAIN), ("RegistrarPool", STRING),
                   ("DistinguishedName", PLAIN)]

# RFC 4515 section 3: these octets cannot stand for themselves in a filter value.
LDAP_VALUE_ESCAPES = {"*": "\\2a", "(": "\\28", ")": "\\29", "\\": "\\5c", "\x00": "\\00"}


def ldap_value(value):
    """``value`` as an RFC 4515 assertion value that matches exactly it (no wildcard, no nested filter)."""
    return "".join(LDAP_VALUE_ESCAPES.get(ch, ch) for ch in value)


def user_lines(sip, key="user"):
    """Read the user holding ``sip`` into $r[key]. Get-CsAdUser -LdapFilter returns nothing when no user
    holds the address, so no error is expected: any error (access denied and the like) stops the script."""
    ldap_filter = "(msRTCSIP-PrimaryUserAddress=%s)" % ldap_value(sip)
    command = PSCommand("Get-CsAdUser").param("LdapFilter", ldap_filter).param("ErrorAction", "Stop")
    return [
        # Lync keeps a SIP address on one object; -First 1 keeps $u one user, as -Identity gave it.
        "$u=%s|Select-Object -First 1" % command.render(),
        "$r['%s']=$null" % key,
        "if($u -ne $null -and $u.SipAddress){$r['%s']=$u|Select-Object %s}" % (key, select_expression(USER_PROPERTIES)),
    ]
