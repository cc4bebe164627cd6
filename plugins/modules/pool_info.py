#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pool_info
short_description: Read the Lync Server 2013 Persistent Chat pools, their settings and content
version_added: 0.1.0
description:
  - Reads, in one WinRM round trip to a Lync Server 2013 Front End (where the Lync Server Management Shell
    module C(Lync) is installed), the Persistent Chat pools (C(Get-CsService -PersistentChatServer)), pool
    state, configuration, policies, compliance configuration, endpoints, categories, rooms and add-ins,
    with counts; on request, the Lync RBAC roles of an administrator (C(Get-CsAdminRoleAssignment)) and the
    Active Directory user holding the legacy lookup address (C(Get-CsAdUser -LdapFilter)).
  - Only the documented properties of each object are returned; enumerations are returned as their
    names and member lists as lists of strings.
  - Runs on the controller; the task's host is the Front End, reached with the WinRM options below.
options:
  pool_fqdn:
    description:
      - Restrict the pools, state, endpoints, categories, rooms and add-ins to this Persistent Chat pool.
      - Configuration, policies and compliance settings are returned for every scope.
      - The module fails when no Persistent Chat pool has this FQDN.
    type: str
  include:
    description:
      - The sections to read. Leaving sections out makes the script shorter and faster.
      - V(admin_roles) reads the RBAC roles of O(admin_user); it is not read unless listed.
      - V(lookup_user) reads the user holding O(lookup_sip); it is not read unless listed. With V(endpoints) it
        tells who holds the legacy Group Chat lookup address, which the rollback checks is never nobody.
    type: list
    elements: str
    choices: [pools, state, configuration, policies, compliance, endpoints, categories, rooms, addins, admin_roles, lookup_user]
    default: [pools, state, configuration, policies, compliance, endpoints, categories, rooms, addins]
  admin_user:
    description:
      - The account whose Lync RBAC roles V(admin_roles) reads (C(Get-CsAdminRoleAssignment -Identity)).
      - Default the account the module logs on with (O(winrm_user), which the action plugin takes from
        C(ansible_user)).
      - Microsoft documents that the cmdlet takes only the sAMAccountName, so a C(DOMAIN\user) prefix is
        dropped, and so is the C(@domain) of a user principal name, which assumes that the UPN's first
        part is the sAMAccountName; where it is not, give the sAMAccountName here.
      - The module fails when O(include) has V(admin_roles) and neither this option nor O(winrm_user) is set
        (a Kerberos ticket or a certificate without a user name).
    type: str
  lookup_sip:
    description:
      - The SIP address, with or without C(sip:), of the legacy lookup user that V(lookup_user) reads, for example
        C(ocschat@contoso.local).
      - Required when O(include) has V(lookup_user).
    type: str
  max_rooms:
    description:
      - Largest number of rooms to read (C(Get-CsPersistentChatRoom -ResultSize)).
      - RV(rooms_truncated) tells when this limit was reached.
    type: int
    default: 100000
extends_documentation_fragment:
  - lync.persistent_chat.attributes
  - lync.persistent_chat.attributes.read_only
  - lync.persistent_chat.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
author:
  - lync.persistent_chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.legacy_info
"""

EXAMPLES = r"""
- name: Read everything about the Persistent Chat pool (host vars supply the WinRM settings)
  lync.persistent_chat.pool_info:
    pool_fqdn: pcpool.contoso.local
  register: pool

- name: Only the rooms and categories
  lync.persistent_chat.pool_info:
    include: [categories, rooms]
  register: content

- name: Who holds the legacy lookup address - the ocschat user, an endpoint, or nobody
  lync.persistent_chat.pool_info:
    include: [endpoints, lookup_user]
    lookup_sip: ocschat@contoso.local
  register: lookup

- name: Ad hoc, from the command line
  ansible.builtin.debug:
    msg: ansible -i inventories/lab pchat_frontend -m lync.persistent_chat.pool_info
"""

RETURN = r"""
pools:
  description: Persistent Chat services in the topology (C(Get-CsService -PersistentChatServer)).
  returned: when O(include) has V(pools)
  type: list
  elements: dict
  sample: [{"Identity": "PersistentChatServer:pcpool.contoso.local", "PoolFqdn": "pcpool.contoso.local",
            "SiteId": "Site:Redmond", "ServiceId": "1-PersistentChatServer-1", "Version": 6, "Role": "PersistentChatServer"}]
state:
  description:
    - Pool state (C(Get-CsPersistentChatState)); C(PoolState) is V(Normal) or V(FailedOver).
    - With O(pool_fqdn), only the states whose identity ends with that FQDN.
  returned: when O(include) has V(state)
  type: list
  elements: dict
  sample: [{"Identity": "PersistentChatServer:pcpool.contoso.local", "PoolState": "Normal"}]
configuration:
  description: C(Get-CsPersistentChatConfiguration) for every scope.
  returned: when O(include) has V(configuration)
  type: list
  elements: dict
  sample: [{"Identity": "Global", "DefaultChatHistory": 30, "MaxFileSizeKB": 20000,
            "ParticipantUpdateLimit": 75, "RoomManagementUrl": null}]
policies:
  description: C(Get-CsPersistentChatPolicy) for every scope.
  returned: when O(include) has V(policies)
  type: list
  elements: dict
  sample: [{"Identity": "Global", "Description": null, "EnablePersistentChat": false}]
compliance:
  description: C(Get-CsPersistentChatComplianceConfiguration) for every scope; C(RunInterval) as C(hh:mm:ss).
  returned: when O(include) has V(compliance)
  type: list
  elements: dict
  sample: [{"Identity": "Global", "AdapterName": null, "AdapterOutputDirectory": null, "AdapterType": null,
            "AddChatRoomDetails": false, "AddUserDetails": false, "CreateFileAttachmentsManifest": false,
            "CustomConfiguration": null, "OneChatRoomPerOutputFile": false, "RunInterval": "00:15:00"}]
endpoints:
  description: Persistent Chat endpoints (C(Get-CsPersistentChatEndpoint)).
  returned: when O(include) has V(endpoints)
  type: list
  elements: dict
  sample: [{"Identity": "CN={...},CN=Application Contacts,...", "SipAddress": "sip:ocschat@contoso.local",
            "DisplayName": "Legacy Group Chat lookup", "PersistentChatPoolFqdn": "pcpool.contoso.local"}]
categories:
  description: Categories (C(Get-CsPersistentChatCategory)); member lists are lists of SIP URIs or DNs.
  returned: when O(include) has V(categories)
  type: list
  elements: dict
  sample: [{"Identity": "pcpool.contoso.local\\IT", "Name": "IT", "Description": "", "PersistentChatPoolFqdn": "pcpool.contoso.local",
            "Invites": true, "FileUpload": true, "ChatHistory": true, "AllowedMembers": ["OU=IT,DC=contoso,DC=local"],
            "DeniedMembers": [], "Creators": ["sip:admin@contoso.local"]}]
rooms:
  description: Rooms (C(Get-CsPersistentChatRoom)); C(Type), C(Privacy) and C(Invitations) as names.
  returned: when O(include) has V(rooms)
  type: list
  elements: dict
  sample: [{"Identity": "pcpool.contoso.local\\IT Helpdesk", "Name": "IT Helpdesk", "Description": "",
            "Category": "pcpool.contoso.local\\IT", "Type": "Normal", "Privacy": "Closed", "Addin": null,
            "Disabled": false, "Invitations": "Inherit", "Members": [], "Managers": [], "Presenters": [],
            "PersistentChatPoolFqdn": "pcpool.contoso.local"}]
rooms_truncated:
  description: True when as many rooms as O(max_rooms) came back, so there may be more.
  returned: when O(include) has V(rooms)
  type: bool
admin_roles:
  description:
    - The Lync RBAC roles that RV(admin_user) holds (C(Get-CsAdminRoleAssignment)), as role names; empty
      when it holds none.
  returned: when O(include) has V(admin_roles)
  type: list
  elements: str
  sample: ["CsAdministrator", "CsPersistentChatAdministrator"]
admin_user:
  description: The sAMAccountName whose roles RV(admin_roles) lists.
  returned: when O(include) has V(admin_roles)
  type: str
  sample: lyncadmin
lookup_user:
  description:
    - The Active Directory user whose SIP address is O(lookup_sip) (C(Get-CsAdUser -LdapFilter) on
      C(msRTCSIP-PrimaryUserAddress)); null when no user holds it.
  returned: when O(include) has V(lookup_user)
  type: dict
  sample: {"Identity": "CN=Group Chat Lookup,OU=Service Accounts,DC=contoso,DC=local", "SipAddress": "sip:ocschat@contoso.local",
           "DisplayName": "Group Chat Lookup", "SamAccountName": "ocschat", "UserPrincipalName": "ocschat@contoso.local",
           "Enabled": true, "RegistrarPool": "pool2010.contoso.local",
           "DistinguishedName": "CN=Group Chat Lookup,OU=Service Accounts,DC=contoso,DC=local"}
addins:
  description: Add-ins (C(Get-CsPersistentChatAddin)).
  returned: when O(include) has V(addins)
  type: list
  elements: dict
  sample: [{"Identity": "pcpool.contoso.local\\ITAddin", "Name": "ITAddin", "Url": "https://intranet.contoso.local/it",
            "PersistentChatPoolFqdn": "pcpool.contoso.local"}]
counts:
  description: Number of items in each section read (V(admin_roles) too), plus rooms per category and disabled rooms.
  returned: always
  type: dict
  sample: {"pools": 1, "categories": 3, "rooms": 12, "rooms_disabled": 1, "addins": 1,
           "rooms_per_category": {"pcpool.contoso.local\\IT": 4}}
"""

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.lookup_user import USER_PROPERTIES, user_lines
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_objects import sip_uri
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_views import (
    LIST,
    PLAIN,
    STRING,
    as_list,
    normalise,
    property_definitions,
    select_pipeline,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSCommand, PSVariable, ps_literal

SECTIONS = ("pools", "state", "configuration", "policies", "compliance", "endpoints", "categories", "rooms", "addins")
# Not a default section: it is about the operator's account, not the pool, and needs a user name.
ADMIN_ROLES = "admin_roles"
# Not a default section either: it needs the lookup address, and reads Active Directory.
LOOKUP_USER = "lookup_user"

# Output properties as the cmdlet reference documents (or infers from parameters, [INF]) them.
# STRING: cast to [string] in the script (enums, identities, FQDN and TimeSpan objects; '' reads as null);
# PLAIN: strings, numbers and booleans as they are; LIST: member lists as arrays of strings.
PROPERTIES = {
    "pools": [("Identity", STRING), ("PoolFqdn", STRING), ("SiteId", PLAIN), ("ServiceId", PLAIN),
              ("Version", PLAIN), ("Role", PLAIN)],
    "state": [("Identity", STRING), ("PoolState", STRING)],
    "configuration": [("Identity", STRING), ("DefaultChatHistory", PLAIN), ("MaxFileSizeKB", PLAIN),
                      ("ParticipantUpdateLimit", PLAIN), ("RoomManagementUrl", PLAIN)],
    "policies": [("Identity", STRING), ("Description", PLAIN), ("EnablePersistentChat", PLAIN)],
    "compliance": [("Identity", STRING), ("AdapterName", PLAIN), ("AdapterOutputDirectory", PLAIN),
                   ("AdapterType", PLAIN), ("AddChatRoomDetails", PLAIN), ("AddUserDetails", PLAIN),
                   ("CreateFileAttachmentsManifest", PLAIN), ("CustomConfiguration", PLAIN),
                   ("OneChatRoomPerOutputFile", PLAIN), ("RunInterval", STRING)],
    "endpoints": [("Identity", STRING), ("SipAddress", PLAIN), ("DisplayName", PLAIN),
                  ("PersistentChatPoolFqdn", STRING)],
    "categories": [("Identity", STRING), ("Name", PLAIN), ("Description", PLAIN),
                   ("PersistentChatPoolFqdn", STRING), ("Invites", PLAIN), ("FileUpload", PLAIN),
                   ("ChatHistory", PLAIN), ("AllowedMembers", LIST), ("DeniedMembers", LIST), ("Creators", LIST)],
    "rooms": [("Identity", STRING), ("Name", PLAIN), ("Description", PLAIN), ("Category", STRING),
              ("Type", STRING), ("Privacy", STRING), ("Addin", STRING), ("Disabled", PLAIN),
              ("Invitations", STRING), ("Members", LIST), ("Managers", LIST), ("Presenters", LIST),
              ("PersistentChatPoolFqdn", STRING)],
    "addins": [("Identity", STRING), ("Name", PLAIN), ("Url", PLAIN), ("PersistentChatPoolFqdn", STRING)],
}


def section_command(section, pool_fqdn, max_rooms):
    """The Get- cmdlet that reads one section, restricted to the pool where the cmdlet allows it.
    ``pool_fqdn`` is the pool FQDN or the PSVariable holding it."""
    if section == "pools":
        return PSCommand("Get-CsService").switch("PersistentChatServer").optional("PoolFqdn", pool_fqdn)
    if section == "state":
        # All states, filtered in Python: the docs write the identity both as
        # PersistentChatServer:<fqdn> and as service:<fqdn>, so match on the FQDN instead.
        return PSCommand("Get-CsPersistentChatState")
    if section == "configuration":
        return PSCommand("Get-CsPersistentChatConfiguration")
    if section == "policies":
        return PSCommand("Get-CsPersistentChatPolicy")
    if section == "compliance":
        return PSCommand("Get-CsPersistentChatComplianceConfiguration")
    if section == "endpoints":
        return PSCommand("Get-CsPersistentChatEndpoint").optional("PersistentChatPoolFqdn", pool_fqdn)
    if section == "categories":
        return PSCommand("Get-CsPersistentChatCategory").optional("PersistentChatPoolFqdn", pool_fqdn)
    if section == "rooms":
        return (PSCommand("Get-CsPersistentChatRoom").optional("PersistentChatPoolFqdn", pool_fqdn)
                .param("ResultSize", max_rooms))
    if section == "addins":
        return PSCommand("Get-CsPersistentChatAddin").optional("PersistentChatPoolFqdn", pool_fqdn)
    raise ValueError("unknown section %r" % (section,))


def sam_account_name(user):
    """The sAMAccountName in DOMAIN\\user or user@domain: Get-CsAdminRoleAssignment takes nothing else."""
    name = (user or "").strip()
    if "\\" in name:
        name = name.rsplit("\\", 1)[1]
    if "@" in name:
        name = name.split("@", 1)[0]
    return name.strip()


def admin_roles_command(admin_user):
    """The roles of one account, each cast to [string] (the cmdlet writes role names)."""
    return "@(%s|ForEach-Object {[string]$_})" % PSCommand("Get-CsAdminRoleAssignment").param("Identity", admin_user)


def build_script(include, pool_fqdn=None, max_rooms=100000, admin_user=None, lookup_sip=None):
    """One script that reads every requested section and outputs one ordered dictionary."""
    wanted = [section for section in SECTIONS if section in include]
    lines = ["Import-Module Lync", "$r=[ordered]@{}"]
    pool = None
    if pool_fqdn:
        # The FQDN is written once, so its length does not multiply through the script.
        pool = PSVariable("pool")
        lines.append("$pool=%s" % ps_literal(pool_fqdn))
    lines.extend(property_definitions(PROPERTIES[section] for section in wanted))
    for section in wanted:
        lines.append("$r['%s']=%s" % (section, select_pipeline(
            section_command(section, pool, max_rooms), PROPERTIES[section], defined=True)))
    if ADMIN_ROLES in include:
        lines.append("$r['%s']=%s" % (ADMIN_ROLES, admin_roles_command(admin_user)))
    if LOOKUP_USER in include:
        lines.extend(user_lines(lookup_sip, LOOKUP_USER))
    lines.append("$r")
    return "\n".join(lines)


def state_of_pool(identity, pool_fqdn):
    """True when a Get-CsPersistentChatState identity (PersistentChatServer:<fqdn> or service:<fqdn>)
    names the pool."""
    return (identity or "").rsplit(":", 1)[-1].lower() == pool_fqdn.lower()


def shape_result(raw, include, max_rooms, pool_fqdn=None, admin_user=None):
    """Normalise what the script returned and add the counts."""
    result = {}
    counts = {}
    for section in SECTIONS:
        if section not in include:
            continue
        records = [normalise(record, PROPERTIES[section]) for record in as_list((raw or {}).get(section))]
        if section == "state" and pool_fqdn:
            records = [record for record in records if state_of_pool(record.get("Identity"), pool_fqdn)]
        result[section] = records
        counts[section] = len(records)
    if "rooms" in include:
        rooms = result["rooms"]
        result["rooms_truncated"] = len(rooms) >= max_rooms
        counts["rooms_disabled"] = sum(1 for room in rooms if room.get("Disabled") is True)
        per_category = {}
        for room in rooms:
            per_category[room.get("Category")] = per_category.get(room.get("Category"), 0) + 1
        counts["rooms_per_category"] = per_category
    if ADMIN_ROLES in include:
        result[ADMIN_ROLES] = [str(role) for role in as_list((raw or {}).get(ADMIN_ROLES)) if role not in (None, "")]
        result["admin_user"] = admin_user
        counts[ADMIN_ROLES] = len(result[ADMIN_ROLES])
    if LOOKUP_USER in include:
        found = (raw or {}).get(LOOKUP_USER)
        result[LOOKUP_USER] = normalise(found, USER_PROPERTIES) if found else None
    result["counts"] = counts
    return result


def main():
    module = PchatModule(
        argument_spec=dict(
            pool_fqdn=dict(type="str"),
            include=dict(type="list", elements="str", choices=list(SECTIONS) + [ADMIN_ROLES, LOOKUP_USER],
                         default=list(SECTIONS)),
            max_rooms=dict(type="int", default=100000),
            admin_user=dict(type="str"),
            lookup_sip=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    include = set(params["include"])
    if params["max_rooms"] < 1:
        module.fail_json(msg="max_rooms must be at least 1")
    admin_user = None
    if ADMIN_ROLES in include:
        admin_user = sam_account_name(params["admin_user"] or params["winrm_user"])
        if not admin_user:
            module.fail_json(msg="admin_roles needs admin_user: the connection names no user (winrm_user) to read the roles of")

    lookup_sip = None
    if LOOKUP_USER in include:
        lookup_sip = sip_uri((params["lookup_sip"] or "").strip())
        if "@" not in lookup_sip:
            module.fail_json(msg="lookup_user needs lookup_sip, the lookup address as user@domain, not %r" % params["lookup_sip"])

    with module.step("build the script"):
        script = build_script(include, params["pool_fqdn"], params["max_rooms"], admin_user, lookup_sip)
    with module.step("read the Persistent Chat pool"):
        raw = module.winrm().run_json(script, depth=6)
    result = shape_result(raw, include, params["max_rooms"], params["pool_fqdn"], admin_user)
    if params["pool_fqdn"] and "pools" in include and not result["pools"]:
        module.current_step = "read the Persistent Chat pool"
        module.fail_json(msg="no Persistent Chat pool %s in the topology" % params["pool_fqdn"], **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
