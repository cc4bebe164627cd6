# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The read-only queries readiness and parity send to the legacy Group Chat database and to ``mgc``.

Every query is one text written in T-SQL that SQLite also runs; the only vendor differences, the
string-length functions (T-SQL ``LEN(x)`` and ``DATALENGTH(x)``, SQLite ``LENGTH(x)`` and
``LENGTH(CAST(x AS BLOB))``), are rewritten by ``for_client``. Both databases of one comparison are on the
same engine, so lengths, sizes and character codes are computed the same way on both sides. Values are bound ``?`` parameters. Aggregation (message counts and
fingerprints per room) happens in SQL; rows are streamed by module_utils.sql.SQLClient.query.

Tables and columns are the documented ones (reference §4.1, §4.2): tblNode (nodeType 1 category /
0 room, nodeID 1 the root), tblPrincipalRole joined to tblRoleType by the documented descriptions
(Member, Manager, Voiced, Creator), tblScopePrincipal, tblSiopWhiteList, tblPrincipal, tblChat.
The legacy-only columns (topic) are read from the legacy database only.
"""

from __future__ import annotations

import contextlib
import gc
import re


# Rows of tblNode. Legacy has the room topic; 2013 has none (reference §1.7).
LEGACY_NODES = """
SELECT nodeID AS node_id, nodeGuid AS guid, parentID AS parent_id, nodeType AS node_type, nodeName AS name,
       nodeDesc AS description, topic AS topic, invite AS invite, logged AS logged, filePost AS file_post,
       disabled AS disabled, behavior AS behavior, visibility AS visibility, siopID AS addin_id
FROM tblNode
ORDER BY nodeID
"""

TARGET_NODES = """
SELECT nodeID AS node_id, nodeGuid AS guid, parentID AS parent_id, nodeType AS node_type, nodeName AS name,
       nodeDesc AS description, invite AS invite, logged AS logged, filePost AS file_post,
       disabled AS disabled, behavior AS behavior, visibility AS visibility, siopID AS addin_id
FROM tblNode
ORDER BY nodeID
"""

# Readiness reports neither GUIDs, descriptions, privacy nor add-ins of rooms: its reads leave them out
# (a third of tblNode's fetch).
LEGACY_NODES_FOR_READINESS = """
SELECT nodeID AS node_id, parentID AS parent_id, nodeType AS node_type, nodeName AS name, topic AS topic,
       invite AS invite, logged AS logged, filePost AS file_post, disabled AS disabled, behavior AS behavior
FROM tblNode
ORDER BY nodeID
"""

TARGET_NODES_FOR_READINESS = """
SELECT nodeID AS node_id, parentID AS parent_id, nodeType AS node_type, nodeName AS name,
       invite AS invite, logged AS logged, filePost AS file_post, disabled AS disabled, behavior AS behavior
FROM tblNode
ORDER BY nodeID
"""

# Principals in roles (their identity comes from PRINCIPALS, read once).
ROLES = """
SELECT r.prinRoleNodeID AS node_id, t.rtypeDesc AS role, r.prinRolePrinID AS principal_id
FROM tblPrincipalRole r
JOIN tblRoleType t ON t.rtypeID = r.prinRoleTypeID
"""

# Readiness needs only the roles that a finding is about: managers of categories (the root's become
# managers of every room; the others are dropped), presenters, and any role of a federated user. The
# members and room managers, most of the table, are filtered out in SQL. One SELECT per kind, each with
# its own plan (the category managers through the key's node column; the other two one pass each, the
# role type and the federated users small lists looked up once), is a third faster than one SELECT with
# the three conditions ORed. A role in two branches comes twice; the reader keeps sets.
ROLES_FOR_READINESS = """
SELECT r.prinRoleNodeID AS node_id, t.rtypeDesc AS role, r.prinRolePrinID AS principal_id
FROM tblPrincipalRole r
JOIN tblRoleType t ON t.rtypeID = r.prinRoleTypeID
WHERE t.rtypeDesc = 'Manager' AND r.prinRoleNodeID IN (SELECT nodeID FROM tblNode WHERE nodeType = 1)
UNION ALL
SELECT r.prinRoleNodeID, t.rtypeDesc, r.prinRolePrinID
FROM tblPrincipalRole r
JOIN tblRoleType t ON t.rtypeID = r.prinRoleTypeID
WHERE r.prinRoleTypeID IN (SELECT rtypeID FROM tblRoleType WHERE rtypeDesc = 'Voiced')
UNION ALL
SELECT r.prinRoleNodeID, t.rtypeDesc, r.prinRolePrinID
FROM tblPrincipalRole r
JOIN tblRoleType t ON t.rtypeID = r.prinRoleTypeID
WHERE r.prinRolePrinID IN (SELECT prinID FROM tblPrincipal WHERE prinTypeID = 5 AND prinADPath IS NULL)
"""

# Principals in scope of categories (AllowedMembers / DeniedMembers).
SCOPES = """
SELECT scopeNodeID AS node_id, scopeIsDenied AS denied, scopePrinID AS principal_id
FROM tblScopePrincipal
"""

ADDINS = """
SELECT siopID AS addin_id, siopName AS name, siopUrl AS url
FROM tblSiopWhiteList
"""

# Every principal, with what identifies it across databases (URI, directory path); federated users
# [DOC §1.3.6] are SIP users (prinTypeID 5) with no object in this forest (no AD path). Read as tuples:
# the order of the select list is what migration_model.ChatTree.read unpacks.
PRINCIPALS = """
SELECT prinID AS principal_id, prinUri AS uri, prinADPath AS ad_path, prinTypeID AS principal_type,
       prinDisabled AS disabled
FROM tblPrincipal
"""

# Per room: the number of messages only.
MESSAGE_COUNTS = """
SELECT channelId AS room_id, COUNT(*) AS messages, 0 AS fingerprint
FROM tblChat
%s
GROUP BY channelId
"""

# Per room: the number of messages and a fingerprint that changes when a message goes missing, is added,
# moves, or changes its date, its stored size or its first character. The size (DATALENGTH: UTF-16 bytes
# on SQL Server, trailing blanks included, which LEN ignores; UTF-8 bytes on SQLite) changes with every
# character added or removed and with a character replaced by one of another encoded width: on the large
# dataset's messages, every non-ASCII character turned into '?' (on SQLite; a character outside the BMP on
# SQL Server) and 64% of random one-character replacements, where the length in characters sees none.
# It is also cheaper than LEN, which counts characters. The chatId weight is reduced modulo 1024 and the
# date modulo a prime so that sums stay far inside BIGINT for millions of messages per room.
# One pass over tblChat, one aggregate expression.
MESSAGE_FINGERPRINTS = """
SELECT channelId AS room_id, COUNT(*) AS messages,
       SUM((DATALENGTH(content) * 64 + COALESCE(UNICODE(content), 0)) * (chatId %% 1024 + 1) + chatDate %% 1000003) AS fingerprint
FROM tblChat
%s
GROUP BY channelId
"""

# Every message of every room, in order, for exact digests (streamed, never held). Fetching the values is
# most of a digest's time, more than hashing them, so as few are read as say everything: chatId orders the
# rows but is not read, and the date and the alert flag come as one number (twice the date, plus the flag).
MESSAGES_IN_ORDER = """
SELECT channelId AS room_id, chatDate * 2 + COALESCE(isAlert, 0) AS stamp, COALESCE(userId, 0) AS user_id,
       content AS content
FROM tblChat
%s
ORDER BY channelId, chatId
"""

# SQLite only (T-SQL has no ordered string aggregate before STRING_AGG ... WITHIN GROUP in SQL Server 2017):
# the same values as MESSAGES_IN_ORDER, one row per room, each column its messages' values joined in chatId
# order. On 5 million messages the digest then fetches 10,000 rows instead of 5 million, and the per-message
# work left to Python is one author id looked up. The order: tblChat's primary key is (channelId, chatId)
# and the table is WITHOUT ROWID, so SQLite scans it in that order and groups by channelId as it goes,
# without a sorter (EXPLAIN QUERY PLAN "SCAN tblChat", no "TEMP B-TREE"; a unit test checks it), and
# group_concat joins the values in the order they arrive. The separators are literals (',' and the
# character \x1e, as in the digest): SQLite evaluates any other separator expression once per row
# (char(30) or a bound parameter made the query half as dear again). The digest reads the values as raw
# bytes (SQL_C_BINARY), which the SQLite3 ODBC driver hex-decodes when the whole value looks like a blob
# literal (X'..'): the contents come after one '.' that the digest skips, so no message text can look so.
ROOM_MESSAGE_LISTS = """
SELECT channelId AS room_id, COUNT(*) AS messages,
       group_concat(chatDate * 2 + COALESCE(isAlert, 0), ',') AS stamps,
       group_concat(COALESCE(userId, 0), ',') AS user_ids,
       '.' || group_concat(COALESCE(content, ''), '\x1e') AS contents
FROM tblChat
%s
GROUP BY channelId
"""

# The messages of one room, for naming the messages that differ.
ROOM_MESSAGES = """
SELECT chatId AS chat_id, chatDate AS chat_date, userId AS user_id, isAlert AS alert, content AS content
FROM tblChat
WHERE channelId = ?%s
ORDER BY chatId
"""

# Readiness: per room, messages before the cut-off and messages that post a file (ma-filelink), in one scan.
MESSAGE_SCAN = """
SELECT channelId AS room_id, COUNT(*) AS messages,
       SUM(CASE WHEN chatDate < ? THEN 1 ELSE 0 END) AS old_messages,
       SUM(CASE WHEN content LIKE 'ma-filelink:%' THEN 1 ELSE 0 END) AS file_links
FROM tblChat
GROUP BY channelId
"""

# What a file link looks like (reference §4.2: files as ``ma-filelink:`` links).
FILE_LINKS = """
SELECT channelId AS room_id, content AS content
FROM tblChat
WHERE content LIKE 'ma-filelink:%'
"""

_LEN = re.compile(r"\bLEN\(")
_DATALENGTH = re.compile(r"\bDATALENGTH\(([^()]*)\)")


def tuples(client, statement, params=()):
    """Rows of one read-only query as tuples in the order of the select list, streamed."""
    for _names, batch in client.batches(statement, params):
        yield from batch


def rows(client, statement, params=()):
    """Rows of one read-only query as dicts (column alias -> value), streamed."""
    for names, batch in client.batches(statement, params):
        for row in batch:
            yield dict(zip(names, row))


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector off while a reader turns rows into its many small dicts and sets (none of
    them cyclic garbage): its passes over every live object otherwise take a quarter of readiness's time
    on the large dataset. Left as found afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def for_client(statement, client):
    """The statement in the dialect of ``client`` (a module_utils.sql.SQLClient): on SQLite, LEN(x) becomes
    LENGTH(x) and DATALENGTH(x), the size in bytes, LENGTH(CAST(x AS BLOB))."""
    if getattr(client, "is_sqlite", False):
        return _DATALENGTH.sub(r"LENGTH(CAST(\1 AS BLOB))", _LEN.sub("LENGTH(", statement))
    return statement


def date_filter(start_ticks, column="chatDate", keyword="WHERE"):
    """(SQL fragment, params) keeping messages on or after ``start_ticks`` (None keeps all)."""
    if start_ticks is None:
        return "", []
    return " %s %s >= ?" % (keyword, column), [int(start_ticks)]


def fingerprint_query(start_ticks=None, counts_only=False):
    where, params = date_filter(start_ticks)
    return (MESSAGE_COUNTS if counts_only else MESSAGE_FINGERPRINTS) % where, params


def ordered_messages_query(start_ticks=None):
    where, params = date_filter(start_ticks)
    return MESSAGES_IN_ORDER % where, params


def room_message_lists_query(start_ticks=None):
    """SQLite only: (ROOM_MESSAGE_LISTS, params), see there."""
    where, params = date_filter(start_ticks)
    return ROOM_MESSAGE_LISTS % where, params


def room_messages_query(room_id, start_ticks=None):
    where, params = date_filter(start_ticks, keyword="AND")
    return ROOM_MESSAGES % where, [int(room_id)] + params
