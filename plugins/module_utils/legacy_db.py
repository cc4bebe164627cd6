# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only queries on the legacy Group Chat database (Lync 2010 / OCS 2007 R2 schema).

Written once in portable SQL that SQL Server and SQLite both run unchanged: no schema prefix, no TOP or
LIMIT, scalar subqueries instead of vendor functions, LOWER() for case-insensitive matches, values as
bound ``?`` parameters. The tables are the documented ones: tblNode (nodeType 1 = category, 0 = room;
nodeID 1 is the root category), tblChat (messages, channelId = nodeID), tblSiopWhiteList (add-ins),
tblPrincipal (users and groups the server has seen).
"""

from __future__ import annotations

from ansible_collections.lync.persistent_chat.plugins.module_utils.chat_queries import for_client

COUNTS = """
SELECT
  (SELECT COUNT(*) FROM tblNode WHERE nodeType = 1 AND nodeID <> 1) AS categories,
  (SELECT COUNT(*) FROM tblNode WHERE nodeType = 0) AS rooms,
  (SELECT COUNT(*) FROM tblNode WHERE nodeType = 0 AND disabled = 1) AS disabled_rooms,
  (SELECT COUNT(*) FROM tblSiopWhiteList) AS addins,
  (SELECT COUNT(*) FROM tblChat) AS messages,
  (SELECT SUM(LEN(content)) FROM tblChat) AS content_chars
"""

CATEGORIES = """
SELECT c.nodeID AS node_id, c.nodeName AS name, c.nodeDesc AS description, c.parentID AS parent_id,
       COUNT(r.nodeID) AS rooms
FROM tblNode c
LEFT JOIN tblNode r ON r.parentID = c.nodeID AND r.nodeType = 0
WHERE c.nodeType = 1 AND c.nodeID <> 1
GROUP BY c.nodeID, c.nodeName, c.nodeDesc, c.parentID
ORDER BY c.nodeID
"""

ROOMS = """
SELECT r.nodeID AS node_id, r.nodeName AS name, r.parentID AS category_id, r.disabled AS disabled,
       COUNT(m.chatId) AS messages
FROM tblNode r
LEFT JOIN tblChat m ON m.channelId = r.nodeID
WHERE r.nodeType = 0
GROUP BY r.nodeID, r.nodeName, r.parentID, r.disabled
ORDER BY r.nodeID
"""

ADDINS = """
SELECT siopID AS addin_id, siopName AS name, siopUrl AS url
FROM tblSiopWhiteList
ORDER BY siopName
"""

PRINCIPAL_BY_URI = """
SELECT prinID AS principal_id, prinUri AS uri, prinName AS name, prinDisabled AS disabled
FROM tblPrincipal
WHERE LOWER(prinUri) = ?
"""


def _bool(value):
    """bit columns arrive as bool (SQL Server) or 0/1 (SQLite); NULL stays None."""
    return None if value is None else bool(value)


def read_database(client, list_items=True, lookup_uri=None):
    """Counts (always), and the categories, rooms and add-ins when ``list_items``; the principal with
    ``lookup_uri`` when given. ``client`` is a module_utils.sql.SQLClient."""
    # LEN is T-SQL's; for_client makes it SQLite's LENGTH when the database is the lab's.
    counts = client.query_one(for_client(COUNTS, client)) or {}
    result = {"counts": {key: int(value or 0) for key, value in counts.items()}}
    if list_items:
        result["categories"] = client.query_all(CATEGORIES)
        rooms = client.query_all(ROOMS)
        for room in rooms:
            room["disabled"] = _bool(room.get("disabled"))
        result["rooms"] = rooms
        result["addins"] = client.query_all(ADDINS)
    if lookup_uri:
        principal = client.query_one(PRINCIPAL_BY_URI, [lookup_uri.lower()])
        result["lookup_principal"] = principal
    return result
