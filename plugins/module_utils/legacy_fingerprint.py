# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fingerprint of a legacy Group Chat database's content, read over ODBC (read-only, portable SQL):
row counts of every table an export reads, plus message count and highest chatId of each room. Any
new, deleted or moved message, room, category, principal, role, scope or add-in changes it. Edits that
keep every count (renaming a room in place) do not, which is why the data_export module documents
stopping the legacy services before the export."""

from __future__ import annotations

import hashlib
import json

COUNTS = """
SELECT
  (SELECT COUNT(*) FROM tblNode) AS nodes,
  (SELECT COUNT(*) FROM tblPrincipal) AS principals,
  (SELECT COUNT(*) FROM tblPrincipalRole) AS roles,
  (SELECT COUNT(*) FROM tblScopePrincipal) AS scopes,
  (SELECT COUNT(*) FROM tblSiopWhiteList) AS addins,
  (SELECT COUNT(*) FROM tblChat) AS messages
"""

ROOM_CONTENT = """
SELECT channelId AS room, COUNT(*) AS messages, MAX(chatId) AS last_chat
FROM tblChat
GROUP BY channelId
ORDER BY channelId
"""


def fingerprint(client):
    """(sha256 hex, counts dict) of the database ``client`` (a module_utils.sql.SQLClient) reads."""
    counts = {key: int(value or 0) for key, value in (client.query_one(COUNTS) or {}).items()}
    rooms = [[int(row["room"]), int(row["messages"]), int(row["last_chat"] or 0)]
             for row in client.query(ROOM_CONTENT)]
    digest = hashlib.sha256(json.dumps({"counts": counts, "rooms": rooms}, sort_keys=True).encode("utf-8"))
    return digest.hexdigest(), counts
