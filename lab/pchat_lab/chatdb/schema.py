"""The documented database schemas, in SQLite: Lync 2013 ``mgc`` / ``mgccomp`` and the legacy Group Chat
database (Lync 2010 / OCS 2007 R2).

Sources: migration-reference.md §4.1 (legacy Node table, table list) and §4.2 (2013 tables). Types are
mapped to SQLite declared types that the SQLite3 ODBC driver reports sensibly:
int -> INTEGER, bigint -> BIGINT, smallint -> SMALLINT, bit -> BIT (pyodbc returns bool),
GUID -> UNIQUEIDENTIFIER (text, canonical lower-case form), nvarchar(n) -> NVARCHAR(n),
nvarchar(max) -> NVARCHAR, varchar(max) -> TEXT, datetime -> DATETIME ('YYYY-MM-DD HH:MM:SS').

Provenance of each column (also in lab/COVERAGE.md):
- [DOC] mgc: every table/column listed in reference §4.2 with its PK; the static rows of
  tblPrincipalType, tblRoleType descriptions, tblEnumAttribute/tblEnumValue values; root nodeID 1 is its
  own parent; tblChat.chatDate bigint (ticks: [INF]).
- [DOC] legacy tblNode: nodeID, nodeGuid, parentID, nodeType, nodeName, nodeDesc, topic, filestoreURI,
  inheritance, scopeChange, overrideMember, invite, logged, filePost, disabled, restrictChildCreate,
  behavior, visibility.
- [ASSUMED] legacy tblNode: siopID, nodeAddedBy/On, nodeUpdatedBy/On (the Microsoft page lists "…" after
  visibility); the hierarchy table ``tblTree`` as a closure table (ancestorID, descendantID, depth, one
  self row per node at depth 0); legacy principal/role/scope/chat/add-in tables carry the same columns as
  their 2013 successors; ``tblVersion`` columns and contents; tblRoleType ids (1 Member, 2 Manager,
  3 Voiced, 4 Creator) and their permission-bit combinations; tblEnumAttribute/Value column names;
  the root node's name ``Root``; tblConfig row ``pool`` holding the pool FQDN.
"""
from __future__ import annotations

import datetime as _dt
import sqlite3
from pathlib import Path

# Node model [DOC §4.2].
ROOT_NODE_ID = 1
NODE_CATEGORY = 1
NODE_ROOM = 0
VIS_PRIVATE, VIS_SCOPED, VIS_OPEN = 2, 3, 6          # Secret, Closed, Open
BEH_NORMAL, BEH_AUDITORIUM = 4, 5
PRIVACY_BY_VISIBILITY = {VIS_OPEN: "Open", VIS_SCOPED: "Closed", VIS_PRIVATE: "Secret"}
VISIBILITY_BY_PRIVACY = {v: k for k, v in PRIVACY_BY_VISIBILITY.items()}
TYPE_BY_BEHAVIOR = {BEH_NORMAL: "Normal", BEH_AUDITORIUM: "Auditorium"}
BEHAVIOR_BY_TYPE = {v: k for k, v in TYPE_BY_BEHAVIOR.items()}

# Principal types [DOC §4.2].
PRINCIPAL_TYPES = [
    # ptypeID, ptypeDesc, ptypeIsSystemUser, ptypeIsUser
    (1, "Any", 0, 0), (2, "AnyUser", 0, 0), (3, "AnyGroup", 0, 0), (4, "SystemUser", 1, 1),
    (5, "User", 0, 1), (8, "DC", 0, 0), (9, "Group", 0, 0), (10, "Folder", 0, 0),
]
PTYPE_USER, PTYPE_DC, PTYPE_GROUP, PTYPE_FOLDER = 5, 8, 9, 10
PRIN_ACTIVE, PRIN_SIP_DISABLED, PRIN_AD_DELETED = 0, 1, 2

# Role types: descriptions and bit meanings [DOC]; ids and combinations [ASSUMED].
ROLE_MEMBER, ROLE_MANAGER, ROLE_VOICED, ROLE_CREATOR = 1, 2, 3, 4
_P_MANAGE, _P_CREATE, _P_JOIN, _P_CHAT, _P_HISTORY, _P_SEE, _P_AUDITORIUM, _P_BYPASS = (
    1 << 2, 1 << 4, 1 << 7, 1 << 8, 1 << 10, 1 << 11, 1 << 12, 1 << 13)
ROLE_TYPES = [
    (ROLE_MEMBER, "Member", _P_JOIN | _P_CHAT | _P_SEE),
    (ROLE_MANAGER, "Manager", _P_MANAGE | _P_JOIN | _P_CHAT | _P_HISTORY | _P_SEE | _P_BYPASS),
    (ROLE_VOICED, "Voiced", _P_JOIN | _P_CHAT | _P_SEE | _P_AUDITORIUM),
    (ROLE_CREATOR, "Creator", _P_CREATE | _P_SEE),
]
ENUM_ATTRIBUTES = [(1, "Visibility"), (2, "Behavior")]
ENUM_VALUES = [(2, 1, "private"), (3, 1, "scope"), (4, 2, "normal"), (5, 2, "auditorium"), (6, 1, "open")]

ROOT_NODE_NAME = "Root"
ROOT_NODE_GUID = "00000000-0000-0000-0000-000000000001"

# .NET ticks: 100 ns since 0001-01-01 [INF: dbo.fnTicksToDate].
_EPOCH = _dt.datetime(1, 1, 1)


def ticks_from_datetime(value: _dt.datetime) -> int:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    delta = value - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def datetime_from_ticks(ticks: int) -> _dt.datetime:
    """Naive UTC datetime (tick precision below a microsecond is dropped)."""
    return _EPOCH + _dt.timedelta(microseconds=ticks // 10)


# ---------------------------------------------------------------------------------------------- DDL
# Tables shared by mgc and the legacy database (2013 kept the legacy principal/role model).
_PRINCIPAL_TABLES = """
CREATE TABLE tblPrincipalType (ptypeID SMALLINT PRIMARY KEY, ptypeDesc NVARCHAR(256) NOT NULL,
  ptypeIsSystemUser BIT NOT NULL, ptypeIsUser BIT NOT NULL);
CREATE TABLE tblPrincipal (prinID INTEGER PRIMARY KEY, prinGuid UNIQUEIDENTIFIER,
  prinUri NVARCHAR(256) NOT NULL, prinName NVARCHAR(256), prinDisplayName NVARCHAR(256),
  prinCompanyName NVARCHAR(256), prinEmail NVARCHAR(256), prinADPath NVARCHAR(384),
  prinADUserPrincipalName NVARCHAR(256), prinDisabled SMALLINT NOT NULL DEFAULT 0,
  prinTypeID SMALLINT NOT NULL REFERENCES tblPrincipalType(ptypeID), prinPoolID INTEGER,
  prinPolicyID INTEGER, prinAddedBy INTEGER, prinAddedOn DATETIME, prinUpdatedBy INTEGER,
  prinUpdatedOn DATETIME, prinVerifiedOn DATETIME);
CREATE UNIQUE INDEX ixPrincipalUri ON tblPrincipal(prinUri);
CREATE INDEX ixPrincipalADPath ON tblPrincipal(prinADPath);
CREATE TABLE tblRoleType (rtypeID SMALLINT PRIMARY KEY, rtypeDesc NVARCHAR(256) NOT NULL,
  rtypeAllowedPermSet BIGINT NOT NULL);
CREATE TABLE tblPrincipalRole (prinRoleNodeID INTEGER NOT NULL, prinRolePrinID INTEGER NOT NULL,
  prinRoleTypeID SMALLINT NOT NULL, prinRoleUpdatedBy INTEGER,
  PRIMARY KEY (prinRoleNodeID, prinRolePrinID, prinRoleTypeID));
CREATE TABLE tblScopePrincipal (scopeNodeID INTEGER NOT NULL, scopePrinID INTEGER NOT NULL,
  scopeIsDenied BIT NOT NULL DEFAULT 0, PRIMARY KEY (scopeNodeID, scopePrinID));
CREATE TABLE tblSiopWhiteList (siopID UNIQUEIDENTIFIER PRIMARY KEY, siopName NVARCHAR(50) NOT NULL,
  siopUrl NVARCHAR(255) NOT NULL);
CREATE TABLE tblEnumAttribute (attrID SMALLINT PRIMARY KEY, attrName NVARCHAR(64) NOT NULL);
CREATE TABLE tblEnumValue (valueID SMALLINT PRIMARY KEY, valueAttrID SMALLINT NOT NULL,
  valueName NVARCHAR(64) NOT NULL);
CREATE TABLE tblPrincipalAffiliations (principalID INTEGER NOT NULL, "index" INTEGER NOT NULL,
  affiliationID INTEGER NOT NULL, updatedBy INTEGER, PRIMARY KEY (principalID, "index", affiliationID));
CREATE TABLE tblPrincipalMembers (prinID INTEGER NOT NULL, memberADPath NVARCHAR(384) NOT NULL,
  PRIMARY KEY (prinID, memberADPath));
CREATE TABLE tblPrincipalInvites (prinID INTEGER NOT NULL, nodeID INTEGER NOT NULL, invID INTEGER,
  createdOn DATETIME, PRIMARY KEY (prinID, nodeID));
CREATE TABLE tblLastInviteId (prinID INTEGER PRIMARY KEY, lastInviteID INTEGER NOT NULL);
CREATE TABLE tblChat (channelId INTEGER NOT NULL, chatId BIGINT NOT NULL, chatDate BIGINT NOT NULL,
  userId INTEGER NOT NULL, isAlert BIT NOT NULL DEFAULT 0, content NVARCHAR NOT NULL, rtf TEXT,
  PRIMARY KEY (channelId, chatId)) WITHOUT ROWID;
CREATE TABLE tblLastChatId (nodeID INTEGER PRIMARY KEY, lastChatID BIGINT NOT NULL);
CREATE TABLE tblFileToken (fileToken NVARCHAR(50) PRIMARY KEY, fileTokenUserID INTEGER,
  fileTokenChannelID UNIQUEIDENTIFIER, fileTokenExpireDate DATETIME, fileTokenComplianceUrl NVARCHAR(256),
  fileTokenComplianceThumbnailUrl NVARCHAR(256), fileTokenComplianceTime DATETIME,
  fileTokenComplianceIsUpload BIT, fileTokenCompliancePinned BIT);
CREATE TABLE tblConfig (configLabel NVARCHAR(256) PRIMARY KEY, configContent NVARCHAR,
  configPoolID UNIQUEIDENTIFIER);
CREATE TABLE tblServerIdentity (serverID INTEGER PRIMARY KEY, serverAddress NVARCHAR(256),
  serverLastPingTime DATETIME);
CREATE TABLE tblPreference (prefLabel NVARCHAR(256) NOT NULL, prefSeqID INTEGER NOT NULL,
  prefContent NVARCHAR, PRIMARY KEY (prefLabel, prefSeqID));
"""

_MGC_NODE = """
CREATE TABLE tblNode (nodeID INTEGER PRIMARY KEY, nodeGuid UNIQUEIDENTIFIER NOT NULL,
  parentID INTEGER NOT NULL REFERENCES tblNode(nodeID), nodeType BIT NOT NULL,
  nodeName NVARCHAR(256) NOT NULL, nodeDesc NVARCHAR(256), invite BIT, logged BIT, filePost BIT,
  disabled BIT, behavior SMALLINT, visibility SMALLINT, siopID UNIQUEIDENTIFIER,
  nodeAddedBy INTEGER, nodeAddedOn BIGINT, nodeUpdatedBy INTEGER, nodeUpdatedOn BIGINT, purgedOn DATETIME);
CREATE INDEX ixNodeParent ON tblNode(parentID);
CREATE INDEX ixNodeName ON tblNode(nodeName COLLATE NOCASE);
"""

_LEGACY_NODE = """
CREATE TABLE tblNode (nodeID INTEGER PRIMARY KEY, nodeGuid UNIQUEIDENTIFIER NOT NULL,
  parentID INTEGER NOT NULL REFERENCES tblNode(nodeID), nodeType BIT NOT NULL,
  nodeName NVARCHAR(256) NOT NULL, nodeDesc NVARCHAR(256), topic NVARCHAR(256),
  filestoreURI NVARCHAR(256), inheritance BIT, scopeChange BIT, overrideMember BIT, invite BIT,
  logged BIT, filePost BIT, disabled BIT, restrictChildCreate BIT, behavior SMALLINT, visibility SMALLINT,
  siopID UNIQUEIDENTIFIER, nodeAddedBy INTEGER, nodeAddedOn BIGINT, nodeUpdatedBy INTEGER,
  nodeUpdatedOn BIGINT);
CREATE INDEX ixNodeParent ON tblNode(parentID);
CREATE TABLE tblTree (ancestorID INTEGER NOT NULL, descendantID INTEGER NOT NULL, depth INTEGER NOT NULL,
  PRIMARY KEY (ancestorID, descendantID));
CREATE INDEX ixTreeDescendant ON tblTree(descendantID);
CREATE TABLE tblVersion (component NVARCHAR(64) PRIMARY KEY, version NVARCHAR(32) NOT NULL,
  installedOn DATETIME);
"""

_MGCCOMP = """
CREATE TABLE tblComplianceData (cmplEventID INTEGER PRIMARY KEY, entryDate DATETIME, cmplType SMALLINT,
  cmplTime BIGINT, cmplChannelUri NVARCHAR(256), cmplChatID BIGINT, cmplUserID INTEGER,
  cmplUserUri NVARCHAR(256), cmplMessage NVARCHAR);
CREATE TABLE tblComplianceFanout (cmplEventID INTEGER NOT NULL, serverID INTEGER NOT NULL,
  PRIMARY KEY (cmplEventID, serverID));
CREATE TABLE tblComplianceParticipant (cmplChannelUri NVARCHAR(256) NOT NULL, cmplUserUri NVARCHAR(256) NOT NULL,
  joinedTime BIGINT, partedTime BIGINT, PRIMARY KEY (cmplChannelUri, cmplUserUri));
CREATE TABLE tblComplianceState (stateID INTEGER PRIMARY KEY, lastProcessedEntryID INTEGER NOT NULL,
  activeServerID INTEGER NOT NULL DEFAULT -1, lockExpirationTime DATETIME);
"""

MGC_TABLES = ("tblNode", "tblChat", "tblPrincipal", "tblPrincipalType", "tblPrincipalRole", "tblRoleType",
              "tblScopePrincipal", "tblSiopWhiteList", "tblEnumAttribute", "tblEnumValue", "tblLastChatId",
              "tblPrincipalAffiliations", "tblPrincipalMembers", "tblPrincipalInvites", "tblLastInviteId",
              "tblFileToken", "tblConfig", "tblServerIdentity", "tblPreference")
LEGACY_TABLES = MGC_TABLES + ("tblTree", "tblVersion")
MGCCOMP_TABLES = ("tblComplianceData", "tblComplianceFanout", "tblComplianceParticipant", "tblComplianceState")

FLAVOURS = ("lync2010", "ocs2007r2")
# [ASSUMED]/[UNV]: RTM build numbers of the two products; the only place the flavours differ.
LEGACY_VERSION = {"lync2010": ("GroupChat", "4.0.7577.0"), "ocs2007r2": ("GroupChat", "3.5.6907.0")}


def connect(path) -> sqlite3.Connection:
    """A sqlite3 connection for the lab's own (server-side) use; clients go through ODBC."""
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def _fresh(path) -> sqlite3.Connection:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-journal", "-wal", "-shm"):
        candidate = Path(str(path) + suffix)
        if candidate.exists():
            candidate.unlink()
    return connect(path)


def _static_rows(conn, root_name=ROOT_NODE_NAME, legacy=False, filestore_uri=None) -> None:
    conn.executemany("INSERT INTO tblPrincipalType VALUES (?,?,?,?)", PRINCIPAL_TYPES)
    conn.executemany("INSERT INTO tblRoleType VALUES (?,?,?)", ROLE_TYPES)
    conn.executemany("INSERT INTO tblEnumAttribute VALUES (?,?)", ENUM_ATTRIBUTES)
    conn.executemany("INSERT INTO tblEnumValue VALUES (?,?,?)", ENUM_VALUES)
    if legacy:
        # The legacy root carries the category defaults its children inherit.
        conn.execute(
            "INSERT INTO tblNode (nodeID, nodeGuid, parentID, nodeType, nodeName, nodeDesc, filestoreURI,"
            " inheritance, scopeChange, overrideMember, invite, logged, filePost, disabled,"
            " restrictChildCreate, behavior, visibility) VALUES (1,?,1,1,?,?,?,0,1,0,1,1,1,0,0,4,6)",
            (ROOT_NODE_GUID, root_name, "Root category", filestore_uri))
        conn.execute("INSERT INTO tblTree VALUES (1,1,0)")
    else:
        conn.execute("INSERT INTO tblNode (nodeID, nodeGuid, parentID, nodeType, nodeName, behavior)"
                     " VALUES (1,?,1,1,?,4)", (ROOT_NODE_GUID, root_name))


def create_mgc(path, pool_fqdn: str | None = None) -> Path:
    """A fresh, empty Lync 2013 ``mgc`` (static rows and the root node only). Overwrites ``path``."""
    conn = _fresh(path)
    try:
        conn.executescript("BEGIN;" + _PRINCIPAL_TABLES + _MGC_NODE + "COMMIT;")
        conn.execute("BEGIN")
        _static_rows(conn)
        if pool_fqdn:
            conn.execute("INSERT INTO tblConfig VALUES ('pool', ?, ?)", (pool_fqdn, ROOT_NODE_GUID))
        conn.execute("COMMIT")
    finally:
        conn.close()
    return Path(path)


def create_mgccomp(path) -> Path:
    """A fresh ``mgccomp``; tblComplianceState starts with no active server (-1)."""
    conn = _fresh(path)
    try:
        conn.executescript("BEGIN;" + _MGCCOMP + "INSERT INTO tblComplianceState VALUES (1, 0, -1, NULL);COMMIT;")
    finally:
        conn.close()
    return Path(path)


def create_legacy(path, flavour: str = "lync2010", filestore_uri: str | None = None) -> Path:
    """A fresh legacy Group Chat database (root node only). ``flavour``: 'lync2010' or 'ocs2007r2'."""
    if flavour not in FLAVOURS:
        raise ValueError("unknown legacy flavour %r (expected one of %s)" % (flavour, ", ".join(FLAVOURS)))
    conn = _fresh(path)
    try:
        conn.executescript("BEGIN;" + _PRINCIPAL_TABLES + _LEGACY_NODE + "COMMIT;")
        conn.execute("BEGIN")
        _static_rows(conn, legacy=True, filestore_uri=filestore_uri)
        component, version = LEGACY_VERSION[flavour]
        conn.execute("INSERT INTO tblVersion VALUES (?,?,?)", (component, version, "2012-01-01 00:00:00"))
        conn.execute("COMMIT")
    finally:
        conn.close()
    return Path(path)


def legacy_flavour(conn) -> str:
    """'lync2010' or 'ocs2007r2', read back from tblVersion."""
    (version,) = conn.execute("SELECT version FROM tblVersion WHERE component='GroupChat'").fetchone()
    return "ocs2007r2" if version.startswith("3.") else "lync2010"


# [ASSUMED] Lync Server 2013 RTM build; mgc has no tblVersion, the export manifest names the product.
MGC_FLAVOUR, MGC_VERSION = "lync2013", "5.0.8308.0"


def database_kind(conn) -> tuple:
    """(flavour, version) of a chat database: the legacy flavours from tblVersion, else Lync 2013 mgc.
    Export-CsPersistentChatData reads both [DOC §3.1: DBName defaults to mgc]."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='tblVersion'").fetchone():
        (version,) = conn.execute("SELECT version FROM tblVersion WHERE component='GroupChat'").fetchone()
        return legacy_flavour(conn), version
    return MGC_FLAVOUR, MGC_VERSION


def table_columns(conn, table: str) -> list[str]:
    return [row[1] for row in conn.execute('PRAGMA table_info("%s")' % table.replace('"', ''))]
