"""A small legacy Group Chat database and the 2013 database a correct migration makes of it, written by
hand with sqlite3 (the documented tables and columns only), for the readiness and parity unit tests.

The 2013 side is written independently of the collection's expectation model: it is what reference
§1.3 / §1.7 say Import does, spelled out item by item below."""
from __future__ import annotations

import sqlite3

DDL_COMMON = """
CREATE TABLE tblPrincipal (prinID INTEGER PRIMARY KEY, prinGuid TEXT, prinUri NVARCHAR(256) NOT NULL,
  prinName NVARCHAR(256), prinADPath NVARCHAR(384), prinDisabled SMALLINT NOT NULL DEFAULT 0,
  prinTypeID SMALLINT NOT NULL);
CREATE TABLE tblRoleType (rtypeID SMALLINT PRIMARY KEY, rtypeDesc NVARCHAR(256) NOT NULL, rtypeAllowedPermSet BIGINT);
CREATE TABLE tblPrincipalRole (prinRoleNodeID INTEGER NOT NULL, prinRolePrinID INTEGER NOT NULL,
  prinRoleTypeID SMALLINT NOT NULL, PRIMARY KEY (prinRoleNodeID, prinRolePrinID, prinRoleTypeID));
CREATE TABLE tblScopePrincipal (scopeNodeID INTEGER NOT NULL, scopePrinID INTEGER NOT NULL,
  scopeIsDenied BIT NOT NULL DEFAULT 0, PRIMARY KEY (scopeNodeID, scopePrinID));
CREATE TABLE tblSiopWhiteList (siopID TEXT PRIMARY KEY, siopName NVARCHAR(50) NOT NULL, siopUrl NVARCHAR(255) NOT NULL);
CREATE TABLE tblChat (channelId INTEGER NOT NULL, chatId BIGINT NOT NULL, chatDate BIGINT NOT NULL,
  userId INTEGER NOT NULL, isAlert BIT NOT NULL DEFAULT 0, content NVARCHAR NOT NULL, rtf TEXT,
  PRIMARY KEY (channelId, chatId));
"""
LEGACY_NODE = """
CREATE TABLE tblNode (nodeID INTEGER PRIMARY KEY, nodeGuid TEXT NOT NULL, parentID INTEGER NOT NULL,
  nodeType BIT NOT NULL, nodeName NVARCHAR(256) NOT NULL, nodeDesc NVARCHAR(256), topic NVARCHAR(256),
  invite BIT, logged BIT, filePost BIT, disabled BIT, behavior SMALLINT, visibility SMALLINT, siopID TEXT);
"""
MGC_NODE = """
CREATE TABLE tblNode (nodeID INTEGER PRIMARY KEY, nodeGuid TEXT NOT NULL, parentID INTEGER NOT NULL,
  nodeType BIT NOT NULL, nodeName NVARCHAR(256) NOT NULL, nodeDesc NVARCHAR(256), invite BIT, logged BIT,
  filePost BIT, disabled BIT, behavior SMALLINT, visibility SMALLINT, siopID TEXT);
"""
ROLE_TYPES = [(1, "Member", 0), (2, "Manager", 0), (3, "Voiced", 0), (4, "Creator", 0)]
MEMBER, MANAGER, VOICED, CREATOR = 1, 2, 3, 4

# 2009-06-01 and 2011-03-01 in .NET ticks
T2009 = 633794976000000000
T2011 = 634345344000000000
DAY = 864000000000

LONG_ROOM = "L" * 250          # 250 characters; "IT_Helpdesk_" makes it 262
ADDIN_OK = ("00000000-0000-0000-0000-00000000a001", "Wiki", "https://wiki.contoso.local/")
ADDIN_TOO_LONG = ("00000000-0000-0000-0000-00000000a002", "N" * 51, "https://n.contoso.local/")

LEGACY_PRINCIPALS = [
    # id, uri, name, ad path, disabled, type
    (1, "sip:alice@contoso.local", "alice", "CN=Alice,OU=Users,DC=contoso,DC=local", 0, 5),
    (2, "sip:bob@contoso.local", "bob", "CN=Bob,OU=Users,DC=contoso,DC=local", 0, 5),
    (3, "sip:carol@contoso.local", "carol", "CN=Carol,OU=Users,DC=contoso,DC=local", 0, 5),
    (4, "sip:pat@fabrikam.com", "pat", None, 0, 5),                       # federated
    (5, "ma-grp:helpdesk", "Helpdesk", "CN=Helpdesk,OU=Groups,DC=contoso,DC=local", 0, 9),
    (6, "sip:boss@contoso.local", "boss", "CN=Boss,OU=Users,DC=contoso,DC=local", 0, 5),
]

# nodeID, guid, parent, type, name, desc, topic, invite, logged, filePost, disabled, behavior, visibility, addin
LEGACY_NODES = [
    (1, "g-root", 1, 1, "Root", "Root category", None, 1, 1, 1, 0, 4, 6, None),
    (2, "g-it", 1, 1, "IT", "IT department", None, None, None, None, 0, 4, None, None),
    (3, "g-helpdesk", 2, 1, "Helpdesk", "Nested", None, 0, None, 0, 0, 4, None, None),
    (4, "g-general", 2, 0, "General", "General chat", "Today: outage", None, 1, None, 0, 4, 3, ADDIN_OK[0]),
    (5, "g-tickets", 3, 0, "Tickets", "Tickets room", None, 1, None, None, 0, 4, 2, None),   # invitation conflict
    (6, "g-old", 2, 0, "Old", "Retired", None, None, None, None, 1, 4, 3, None),            # disabled
    (7, "g-long", 3, 0, LONG_ROOM, "Too long", None, None, None, None, 0, 4, 3, None),     # name too long
    (8, "g-stage", 2, 0, "Stage", "Auditorium", None, 0, None, None, 0, 5, 6, None),
    (9, "g-normal", 2, 0, "Normal with presenter", "Normal", None, None, None, 1, 0, 4, 3, None),
]
LEGACY_ROLES = [
    (1, 6, MANAGER),                           # root manager
    (2, 1, CREATOR),
    (4, 1, MEMBER), (4, 2, MEMBER), (4, 2, MANAGER),
    (5, 2, MEMBER), (5, 4, MEMBER), (5, 3, MANAGER),
    (6, 1, MEMBER),
    (7, 1, MEMBER),
    (8, 1, MEMBER), (8, 2, MEMBER), (8, 2, VOICED), (8, 1, MANAGER),
    (9, 3, MEMBER), (9, 3, VOICED),            # presenter of a Normal room: dropped
]
LEGACY_SCOPES = [(2, 5, 0), (2, 3, 1)]         # IT: Helpdesk group allowed, carol denied

# channel, chatId, date, user, alert, content
LEGACY_MESSAGES = [
    (4, 1, T2009, 1, 0, "Hello from 2009"),
    (4, 2, T2009 + DAY, 2, 0, "ma-filelink:///g-general/2009/report.docx"),
    (4, 3, T2011, 1, 1, "Outage! 🚨"),
    (4, 4, T2011 + DAY, 2, 0, "안녕하세요"),
    (4, 5, T2011 + 2 * DAY, 1, 0, "bye"),
    (5, 1, T2011, 4, 0, "federated hello"),
    (5, 2, T2011 + DAY, 2, 0, "ticket 42"),
    (5, 3, T2011 + 2 * DAY, 3, 0, "closed"),
    (7, 1, T2011, 1, 0, "in the long room"),
    (8, 1, T2009, 2, 0, "keynote"),
    (8, 2, T2011, 2, 0, "Q&A"),
]

# --- what a correct import makes of it (principal ids shifted by 100 to prove keys are not ids) ---
MGC_PRINCIPALS = [
    (101, "sip:alice@contoso.local", "alice", "CN=Alice,OU=Users,DC=contoso,DC=local", 0, 5),
    (102, "sip:bob@contoso.local", "bob", "CN=Bob,OU=Users,DC=contoso,DC=local", 0, 5),
    (103, "sip:carol@contoso.local", "carol", "CN=Carol,OU=Users,DC=contoso,DC=local", 0, 5),
    (104, "sip:pat@fabrikam.com", "pat", None, 1, 5),                     # federated: disabled
    (105, "ma-grp:pool2013-helpdesk", "Helpdesk", "CN=Helpdesk,OU=Groups,DC=contoso,DC=local", 0, 9),
    (106, "sip:boss@contoso.local", "boss", "CN=Boss,OU=Users,DC=contoso,DC=local", 0, 5),
]
# nodeID, guid, parent, type, name, desc, invite, logged, filePost, disabled, behavior, visibility, addin
MGC_NODES = [
    (1, "g-root", 1, 1, "Root", None, None, None, None, None, 4, None, None),
    # Categories take the effective (inherited) settings; the nested one is flattened.
    (20, "g-it", 1, 1, "IT", "IT department", 1, 1, 1, None, 4, None, None),
    (30, "g-helpdesk", 1, 1, "IT_Helpdesk", "Nested", 0, 1, 0, None, 4, None, None),
    (40, "g-general", 20, 0, "General", "General chat", None, None, None, 0, 4, 3, ADDIN_OK[0]),
    (50, "g-tickets", 30, 0, "IT_Helpdesk_Tickets", "Tickets room", 0, None, None, 0, 4, 2, None),
    (60, "g-old", 20, 0, "Old", "Retired", None, None, None, 1, 4, 3, None),
    (80, "g-stage", 20, 0, "Stage", "Auditorium", 0, None, None, 0, 5, 6, None),
    (90, "g-normal", 20, 0, "Normal with presenter", "Normal", None, None, None, 0, 4, 3, None),
]
MGC_ROLES = [
    (20, 101, CREATOR), (30, 101, CREATOR),
    (40, 101, MEMBER), (40, 102, MEMBER), (40, 102, MANAGER), (40, 106, MANAGER),
    (50, 102, MEMBER), (50, 104, MEMBER), (50, 103, MANAGER), (50, 106, MANAGER),
    (60, 101, MEMBER), (60, 106, MANAGER),
    (80, 101, MEMBER), (80, 102, MEMBER), (80, 102, VOICED), (80, 101, MANAGER), (80, 106, MANAGER),
    (90, 103, MEMBER), (90, 106, MANAGER),
]
MGC_SCOPES = [(20, 105, 0), (20, 103, 1), (30, 105, 0), (30, 103, 1)]
NODE_MAP = {4: 40, 5: 50, 8: 80}


def mgc_messages(start_ticks=None):
    for channel, chat, date, user, alert, content in LEGACY_MESSAGES:
        if channel not in NODE_MAP or (start_ticks is not None and date < start_ticks):
            continue
        yield (NODE_MAP[channel], chat, date, user + 100, alert, content)


def _write(path, node_ddl, principals, nodes, roles, scopes, addins, messages):
    conn = sqlite3.connect(str(path))
    conn.executescript(DDL_COMMON + node_ddl)
    conn.executemany("INSERT INTO tblPrincipal (prinID, prinUri, prinName, prinADPath, prinDisabled, prinTypeID)"
                     " VALUES (?,?,?,?,?,?)", principals)
    conn.executemany("INSERT INTO tblRoleType VALUES (?,?,?)", ROLE_TYPES)
    marks = ",".join("?" * len(nodes[0]))
    conn.executemany("INSERT INTO tblNode VALUES (%s)" % marks, nodes)
    conn.executemany("INSERT INTO tblPrincipalRole VALUES (?,?,?)", roles)
    conn.executemany("INSERT INTO tblScopePrincipal VALUES (?,?,?)", scopes)
    conn.executemany("INSERT INTO tblSiopWhiteList VALUES (?,?,?)", addins)
    conn.executemany("INSERT INTO tblChat (channelId, chatId, chatDate, userId, isAlert, content) VALUES (?,?,?,?,?,?)",
                     list(messages))
    conn.commit()
    conn.close()
    return path


def write_legacy(path):
    return _write(path, LEGACY_NODE, LEGACY_PRINCIPALS, LEGACY_NODES, LEGACY_ROLES, LEGACY_SCOPES,
                  [ADDIN_OK, ADDIN_TOO_LONG], LEGACY_MESSAGES)


def write_mgc(path, start_ticks=None):
    return _write(path, MGC_NODE, MGC_PRINCIPALS, MGC_NODES, MGC_ROLES, MGC_SCOPES, [ADDIN_OK],
                  mgc_messages(start_ticks))


def odbc(path):
    return "Driver=SQLite3;Database=%s;BigInt=1" % path


def execute(path, statement, params=()):
    """Plain SQL on a database file, as a DBA would corrupt it."""
    conn = sqlite3.connect(str(path))
    conn.execute(statement, params)
    conn.commit()
    conn.close()
