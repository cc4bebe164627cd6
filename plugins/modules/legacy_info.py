#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: legacy_info
short_description: Read a legacy Group Chat server (Lync Server 2010 or OCS 2007 R2) and its database
version_added: 0.1.0
description:
  - From the legacy Group Chat server, in one WinRM round trip, reads the computer's name and domain,
    the installed Group Chat products (which tell Lync Server 2010 from OCS 2007 R2), the Group Chat
    Windows services, and the size of the file repository.
  - From the legacy Group Chat database, over ODBC and read-only, reads how many categories, rooms,
    disabled rooms, add-ins and messages it holds, and (with O(list_items)) each category, room (with its
    message count) and add-in, counted in SQL.
  - Also reports the legacy lookup user (C(ocschat@<sip domain>) unless O(lookup_user) says otherwise)
    and whether the legacy database knows it as a principal.
  - Runs on the controller; the task's host is the Group Chat server, reached with the WinRM options.
  - The server needs Windows PowerShell 3.0 or later (C(Get-CimInstance), C(ConvertTo-Json)).
options:
  include:
    description:
      - The sections to read.
      - V(file_repository) is skipped when O(file_repository) is not set and V(database) when no C(sql_*)
        option names a database; RV(skipped) says so. With only V(database), no WinRM connection is made.
    type: list
    elements: str
    choices: [computer, product, services, file_repository, database]
    default: [computer, product, services, file_repository, database]
  product_pattern:
    description:
      - Installed products (C(Win32_Product)) whose name contains this text (case-insensitive) are the
        Group Chat products.
    type: str
    default: Group Chat
  service_patterns:
    description:
      - Display-name patterns (wildcards allowed) of the Group Chat Windows services. Microsoft does not
        document their names, so adjust them to what the server shows.
      - Patterns that match no service are listed in RV(unmatched_service_patterns).
    type: list
    elements: str
    default: ['*Group Chat*']
  file_repository:
    description:
      - UNC path (or local path on the server) of the Group Chat file repository, for example
        C(\\\\gc01.contoso.local\\GroupChatFiles).
    type: str
  lookup_user:
    description:
      - SIP address of the legacy lookup user, with or without C(sip:).
      - Default C(ocschat@) followed by O(sip_domain), or by the server's domain when O(sip_domain) is not set.
    type: str
  sip_domain:
    description:
      - SIP domain used to derive the default O(lookup_user).
    type: str
  list_items:
    description:
      - Return the lists of categories, rooms and add-ins besides their counts.
    type: bool
    default: true
extends_documentation_fragment:
  - lync.persistent_chat.attributes
  - lync.persistent_chat.attributes.read_only
  - lync.persistent_chat.connection
  - lync.persistent_chat.sql
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
author:
  - lync.persistent_chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.pool_info
"""

EXAMPLES = r"""
- name: Read the legacy Group Chat server and its database
  lync.persistent_chat.legacy_info:
    file_repository: '\\gc01.contoso.local\GroupChatFiles'
    sql_server: sql01.contoso.local
    sql_instance: GROUPCHAT
    sql_database: GroupChat
  register: legacy

- name: Only the database counts, against a SQLite copy
  lync.persistent_chat.legacy_info:
    include: [database]
    list_items: false
    sql_driver: SQLite3
    sql_database: /srv/lab/groupchat.db
"""

RETURN = r"""
computer:
  description: The server's name and domain (C(Win32_ComputerSystem)).
  returned: when O(include) has V(computer)
  type: dict
  sample: {"name": "GC01", "domain": "contoso.local"}
products:
  description: Installed products whose name contains O(product_pattern).
  returned: when O(include) has V(product)
  type: list
  elements: dict
  sample: [{"name": "Microsoft Lync Server 2010, Group Chat Server", "version": "4.0.7577.0",
            "vendor": "Microsoft Corporation", "identifying_number": "{...}"}]
product:
  description: V(lync2010), V(ocs2007r2), or null when no Group Chat product was recognised.
  returned: when O(include) has V(product)
  type: str
  sample: lync2010
product_version:
  description: Version of the recognised Group Chat product.
  returned: when O(include) has V(product)
  type: str
  sample: 4.0.7577.0
services:
  description: Windows services whose display name matches O(service_patterns).
  returned: when O(include) has V(services)
  type: list
  elements: dict
  sample: [{"name": "ChannelService", "display_name": "Lync Server Group Chat Channel", "status": "Running"}]
unmatched_service_patterns:
  description: Entries of O(service_patterns) that matched no service.
  returned: when O(include) has V(services)
  type: list
  elements: str
file_repository:
  description: The file repository; C(files) and C(bytes) are null when it does not exist or cannot be read.
  returned: when O(include) has V(file_repository) and O(file_repository) is set
  type: dict
  sample: {"path": "\\\\gc01.contoso.local\\GroupChatFiles", "exists": true, "files": 42, "bytes": 1048576}
lookup_user:
  description:
    - The legacy lookup user. C(derived_from) says where its domain came from (V(option), V(sip_domain), V(computer)).
    - C(principal) is its row in the legacy database (C(tblPrincipal)), null when the database does not know
      it (or was not read); that does not prove the account is missing from Active Directory.
  returned: when O(lookup_user) or a domain to derive it from is known
  type: dict
  sample: {"sip_address": "sip:ocschat@contoso.local", "derived_from": "computer",
           "principal": {"principal_id": 7, "uri": "sip:ocschat@contoso.local", "name": "ocschat", "disabled": 0}}
database:
  description: What the legacy database holds, counted in SQL.
  returned: when O(include) has V(database) and a database is configured
  type: dict
  contains:
    counts:
      description:
        - Numbers of categories (root excluded), rooms, disabled rooms, add-ins and messages.
        - C(content_chars) is the length of all message texts in characters (the preflight estimates the export and backup sizes from it).
      type: dict
      returned: always
      sample: {"categories": 3, "rooms": 12, "disabled_rooms": 1, "addins": 1, "messages": 5120, "content_chars": 409600}
    categories:
      description: Categories with their parent and number of rooms.
      type: list
      elements: dict
      returned: when O(list_items)
      sample: [{"node_id": 2, "name": "IT", "description": "", "parent_id": 1, "rooms": 4}]
    rooms:
      description: Rooms with their category, disabled flag and number of messages.
      type: list
      elements: dict
      returned: when O(list_items)
      sample: [{"node_id": 5, "name": "IT Helpdesk", "category_id": 2, "disabled": false, "messages": 120}]
    addins:
      description: Add-ins (C(tblSiopWhiteList)).
      type: list
      elements: dict
      returned: when O(list_items)
      sample: [{"addin_id": "7f0c...", "name": "ITAddin", "url": "https://intranet.contoso.local/it"}]
skipped:
  description: Sections left out, with the reason.
  returned: always
  type: dict
  sample: {"database": "no sql_connection_string, sql_server or sql_database given"}
"""

import re

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.legacy_db import read_database
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_objects import sip_uri
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_views import PLAIN, STRING, as_list, select_pipeline
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSCommand, ps_literal

SECTIONS = ("computer", "product", "services", "file_repository", "database")
SERVER_SECTIONS = ("computer", "product", "services", "file_repository")


COMPUTER_PROPERTIES = [("Name", PLAIN), ("Domain", PLAIN)]
PRODUCT_PROPERTIES = [("Name", PLAIN), ("Version", PLAIN), ("Vendor", PLAIN), ("IdentifyingNumber", PLAIN)]
SERVICE_PROPERTIES = [("Name", PLAIN), ("DisplayName", PLAIN), ("Status", STRING)]


def build_script(include, service_patterns, file_repository):
    """One script that reads every requested server-side section into one ordered dictionary."""
    lines = ["$pchat=[ordered]@{}"]
    if "computer" in include:
        lines.append("$pchat['computer']=%s" % select_pipeline(
            PSCommand("Get-CimInstance").param("ClassName", "Win32_ComputerSystem"), COMPUTER_PROPERTIES))
    if "product" in include:
        lines.append("$pchat['products']=%s" % select_pipeline(
            PSCommand("Get-CimInstance").param("ClassName", "Win32_Product"), PRODUCT_PROPERTIES))
    if "services" in include:
        # -ErrorAction SilentlyContinue: a pattern without wildcards that matches nothing is an error
        # for Get-Service; we report unmatched patterns ourselves instead.
        lines.append("$pchat['services']=%s" % select_pipeline(
            PSCommand("Get-Service").param("DisplayName", list(service_patterns))
            .param("ErrorAction", "SilentlyContinue"), SERVICE_PROPERTIES))
    if "file_repository" in include and file_repository:
        path = ps_literal(file_repository)
        lines.append("$repo=[ordered]@{Path=%s;Exists=(Test-Path -LiteralPath %s);Files=$null;Bytes=$null}" % (path, path))
        lines.append("if($repo['Exists']){$m=Get-ChildItem -LiteralPath %s -Recurse -File|"
                     "Measure-Object -Property Length -Sum;$repo['Files']=$m.Count;$repo['Bytes']=$m.Sum}" % path)
        lines.append("$pchat['file_repository']=$repo")
    lines.append("$pchat")
    return "\n".join(lines)


def recognise_product(products, pattern):
    """(product key, version) of the first installed product whose name contains ``pattern``."""
    wanted = pattern.lower()
    for product in products:
        name = product.get("name") or ""
        if wanted not in name.lower():
            continue
        version = product.get("version") or ""
        if "lync" in name.lower() or version.startswith("4."):
            return "lync2010", version
        if "communications server" in name.lower() or version.startswith("3."):
            return "ocs2007r2", version
    return None, None


def wildcard_match(pattern, text):
    """PowerShell -like semantics for * and ? (case-insensitive; [] classes taken literally)."""
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.match("\\A" + regex + "\\Z", text or "", re.I | re.S) is not None


def lookup_address(lookup_user, sip_domain, computer_domain):
    """(sip address, where it came from) for the legacy lookup user, or (None, None)."""
    if lookup_user:
        return sip_uri(lookup_user), "option"
    if sip_domain:
        return "sip:ocschat@%s" % sip_domain, "sip_domain"
    if computer_domain:
        return "sip:ocschat@%s" % computer_domain, "computer"
    return None, None


def shape_server(raw, include, params):
    result = {}
    raw = raw or {}
    if "computer" in include:
        computers = as_list(raw.get("computer"))
        computer = computers[0] if computers else {}
        result["computer"] = {"name": computer.get("Name"), "domain": computer.get("Domain")}
    if "product" in include:
        pattern = params["product_pattern"]
        products = [
            {"name": item.get("Name"), "version": item.get("Version"), "vendor": item.get("Vendor"),
             "identifying_number": item.get("IdentifyingNumber")}
            for item in as_list(raw.get("products"))
            if pattern.lower() in (item.get("Name") or "").lower()]
        result["products"] = products
        result["product"], result["product_version"] = recognise_product(products, pattern)
    if "services" in include:
        services = [{"name": item.get("Name"), "display_name": item.get("DisplayName"), "status": item.get("Status")}
                    for item in as_list(raw.get("services"))]
        result["services"] = services
        result["unmatched_service_patterns"] = [
            pattern for pattern in params["service_patterns"]
            if not any(wildcard_match(pattern, service["display_name"]) for service in services)]
    if "file_repository" in include and params["file_repository"]:
        repo = raw.get("file_repository") or {}
        exists = bool(repo.get("Exists"))
        result["file_repository"] = {
            "path": params["file_repository"],
            "exists": exists,
            "files": int(repo.get("Files") or 0) if exists else None,
            "bytes": int(repo.get("Bytes") or 0) if exists else None,
        }
    return result


def main():
    module = PchatModule(
        argument_spec=dict(
            include=dict(type="list", elements="str", choices=list(SECTIONS), default=list(SECTIONS)),
            product_pattern=dict(type="str", default="Group Chat"),
            service_patterns=dict(type="list", elements="str", default=["*Group Chat*"]),
            file_repository=dict(type="str"),
            lookup_user=dict(type="str"),
            sip_domain=dict(type="str"),
            list_items=dict(type="bool", default=True),
        ),
        connections=("winrm", "sql"),
        supports_check_mode=True,
    )
    params = module.params
    include = set(params["include"])
    skipped = {}
    if "file_repository" in include and not params["file_repository"]:
        skipped["file_repository"] = "file_repository not given"
    if "database" in include and not module.sql_configured():
        skipped["database"] = "no sql_connection_string, sql_server or sql_database given"
    module.results["skipped"] = skipped

    result = {}
    server_sections = include.intersection(SERVER_SECTIONS) - set(skipped)
    if server_sections:
        with module.step("read the Group Chat server"):
            script = build_script(server_sections, params["service_patterns"], params["file_repository"])
            raw = module.winrm().run_json(script, depth=4)
        result.update(shape_server(raw, server_sections, params))
        module.results.update(result)

    computer_domain = (result.get("computer") or {}).get("domain")
    address, derived_from = lookup_address(params["lookup_user"], params["sip_domain"], computer_domain)

    principal = None
    if "database" in include and "database" not in skipped:
        with module.step("read the legacy Group Chat database"):
            database = read_database(module.sql(), list_items=params["list_items"], lookup_uri=address)
        principal = database.pop("lookup_principal", None)
        result["database"] = database
    if address:
        result["lookup_user"] = {"sip_address": address, "derived_from": derived_from, "principal": principal}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
