"""The SQLite stand-ins carry the documented tables and columns and are readable over the SQLite3 ODBC driver
exactly like SQL Server is read by the collection (bound parameters, Unicode nvarchar, bigint ticks)."""
from __future__ import annotations

import datetime as dt

import pyodbc
import pytest

from pchat_lab.chatdb import datasets, instances, schema

# Reference §4.2 (mgc) and §4.1 (legacy Node) - the column names a query written for SQL Server uses.
DOC_MGC = {
    "tblNode": ["nodeID", "nodeGuid", "parentID", "nodeType", "nodeName", "nodeDesc", "invite", "logged", "filePost",
                "disabled", "behavior", "visibility", "siopID", "nodeAddedBy", "nodeUpdatedBy", "nodeAddedOn",
                "nodeUpdatedOn", "purgedOn"],
    "tblChat": ["channelId", "chatId", "chatDate", "userId", "isAlert", "content", "rtf"],
    "tblPrincipal": ["prinID", "prinGuid", "prinUri", "prinName", "prinDisplayName", "prinCompanyName", "prinEmail",
                     "prinADPath", "prinADUserPrincipalName", "prinDisabled", "prinTypeID", "prinPoolID",
                     "prinPolicyID", "prinAddedBy", "prinAddedOn", "prinUpdatedBy", "prinUpdatedOn", "prinVerifiedOn"],
    "tblPrincipalType": ["ptypeID", "ptypeDesc", "ptypeIsSystemUser", "ptypeIsUser"],
    "tblPrincipalRole": ["prinRoleNodeID", "prinRolePrinID", "prinRoleTypeID", "prinRoleUpdatedBy"],
    "tblRoleType": ["rtypeID", "rtypeDesc", "rtypeAllowedPermSet"],
    "tblScopePrincipal": ["scopeNodeID", "scopePrinID", "scopeIsDenied"],
    "tblSiopWhiteList": ["siopID", "siopName", "siopUrl"],
    "tblPrincipalAffiliations": ["principalID", "index", "affiliationID", "updatedBy"],
    "tblPrincipalMembers": ["prinID", "memberADPath"],
    "tblPrincipalInvites": ["prinID", "nodeID", "invID", "createdOn"],
    "tblLastChatId": ["nodeID", "lastChatID"],
    "tblLastInviteId": ["prinID", "lastInviteID"],
    "tblFileToken": ["fileToken", "fileTokenUserID", "fileTokenChannelID", "fileTokenExpireDate",
                     "fileTokenCompliancePinned"],
    "tblServerIdentity": ["serverID", "serverAddress", "serverLastPingTime"],
    "tblConfig": ["configLabel", "configContent", "configPoolID"],
    "tblPreference": ["prefLabel", "prefSeqID"],
    "tblEnumAttribute": [], "tblEnumValue": [],
}
DOC_LEGACY_NODE = ["nodeID", "nodeGuid", "parentID", "nodeType", "nodeName", "nodeDesc", "topic", "filestoreURI",
                   "inheritance", "scopeChange", "overrideMember", "invite", "logged", "filePost", "disabled",
                   "restrictChildCreate", "behavior", "visibility"]
DOC_MGCCOMP = {
    "tblComplianceData": ["cmplEventID", "entryDate", "cmplType", "cmplTime", "cmplChannelUri", "cmplChatID",
                          "cmplUserID", "cmplUserUri", "cmplMessage"],
    "tblComplianceFanout": [], "tblComplianceParticipant": [],
    "tblComplianceState": ["lastProcessedEntryID", "activeServerID", "lockExpirationTime"],
}


@pytest.fixture(scope="module")
def dbs(tmp_path_factory):
    root = tmp_path_factory.mktemp("chatdb_schema")
    paths = {"legacy": root / "gc.db", "mgc": root / "mgc.db", "mgccomp": root / "mgccomp.db"}
    summary = datasets.seed(paths, "small", filestore_dir=root / "files", precreated_2013=True)
    return paths, summary


def _columns(path, table):
    conn = schema.connect(path)
    try:
        return schema.table_columns(conn, table)
    finally:
        conn.close()


@pytest.mark.parametrize("table", sorted(DOC_MGC))
def test_mgc_has_documented_columns(dbs, table):
    columns = _columns(dbs[0]["mgc"], table)
    assert columns, "table %s missing" % table
    assert set(DOC_MGC[table]) <= set(columns)


def test_mgc_has_no_legacy_only_columns(dbs):
    columns = set(_columns(dbs[0]["mgc"], "tblNode"))
    assert not columns & {"topic", "filestoreURI", "inheritance", "scopeChange", "restrictChildCreate"}


def test_legacy_node_and_tree(dbs):
    assert set(DOC_LEGACY_NODE) <= set(_columns(dbs[0]["legacy"], "tblNode"))
    assert _columns(dbs[0]["legacy"], "tblTree") == ["ancestorID", "descendantID", "depth"]
    assert _columns(dbs[0]["legacy"], "tblVersion")


@pytest.mark.parametrize("table", sorted(DOC_MGCCOMP))
def test_mgccomp_columns(dbs, table):
    columns = _columns(dbs[0]["mgccomp"], table)
    assert columns and set(DOC_MGCCOMP[table]) <= set(columns)


def test_static_rows_and_root(dbs):
    conn = schema.connect(dbs[0]["mgc"])
    try:
        assert [r[0] for r in conn.execute("SELECT ptypeID FROM tblPrincipalType ORDER BY 1")] == [1, 2, 3, 4, 5, 8, 9, 10]
        assert {r[0] for r in conn.execute("SELECT rtypeDesc FROM tblRoleType")} == {"Member", "Manager", "Voiced", "Creator"}
        manager_bits = conn.execute("SELECT rtypeAllowedPermSet FROM tblRoleType WHERE rtypeDesc='Manager'").fetchone()[0]
        assert manager_bits & (1 << 2), "managers hold the 'manage node' permission bit"
        assert conn.execute("SELECT parentID, nodeType FROM tblNode WHERE nodeID=1").fetchone() == (1, 1)
        values = dict(conn.execute("SELECT valueID, valueName FROM tblEnumValue"))
        assert values == {2: "private", 3: "scope", 4: "normal", 5: "auditorium", 6: "open"}
    finally:
        conn.close()


def test_flavours_differ_in_version_only(tmp_path):
    a = schema.create_legacy(tmp_path / "a.db", "lync2010")
    b = schema.create_legacy(tmp_path / "b.db", "ocs2007r2")
    for path, flavour in ((a, "lync2010"), (b, "ocs2007r2")):
        conn = schema.connect(path)
        assert schema.legacy_flavour(conn) == flavour
        conn.close()
    with pytest.raises(ValueError):
        schema.create_legacy(tmp_path / "c.db", "lync2013")


def test_ticks_round_trip():
    when = dt.datetime(2011, 3, 4, 5, 6, 7, 123456)
    ticks = schema.ticks_from_datetime(when)
    # .NET: DateTime.UnixEpoch.Ticks == 621355968000000000
    assert schema.ticks_from_datetime(dt.datetime(1970, 1, 1)) == 621355968000000000
    assert ticks == 621355968000000000 + int(when.replace(tzinfo=dt.timezone.utc).timestamp() * 10**6) * 10
    assert schema.datetime_from_ticks(ticks) == when
    aware = when.replace(tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert schema.ticks_from_datetime(aware) == ticks - 9 * 3600 * 10_000_000


def test_odbc_reads_with_bound_parameters_and_unicode(dbs):
    paths, summary = dbs
    conn = pyodbc.connect(instances.odbc_connection_string(paths["legacy"]), autocommit=True)
    try:
        cur = conn.cursor()
        cutoff = schema.ticks_from_datetime(dt.datetime(2010, 1, 1))
        rows = cur.execute(
            "SELECT nodeName AS ChatRoom, COUNT(*) AS ChatMessages FROM tblChat, tblNode WHERE channelId = nodeID "
            "AND chatDate > ? GROUP BY nodeName ORDER BY ChatMessages DESC", cutoff).fetchall()
        assert rows and all(isinstance(r.ChatMessages, int) for r in rows)
        (ticks,) = cur.execute("SELECT MAX(chatDate) FROM tblChat").fetchone()
        assert isinstance(ticks, int) and ticks > 2**59           # an aggregate of bigint is not truncated
        korean = next(p[-1] for p in summary["legacy"]["notable"]["nested_categories"] if "서울" in p[-1])
        row = cur.execute("SELECT nodeName, nodeGuid, invite FROM tblNode WHERE nodeName = ?", korean).fetchone()
        assert row.nodeName == korean and len(row.nodeGuid) == 36
        emoji = cur.execute("SELECT COUNT(*) FROM tblChat WHERE content LIKE ?", "%😀%").fetchone()[0]
        korean_msgs = cur.execute("SELECT COUNT(*) FROM tblChat WHERE content LIKE ?", "%안녕하세요%").fetchone()[0]
        assert emoji > 0 and korean_msgs > 0
        managers = cur.execute("SELECT p.prinUri FROM tblPrincipalRole r JOIN tblPrincipal p ON p.prinID = r.prinRolePrinID "
                               "JOIN tblRoleType t ON t.rtypeID = r.prinRoleTypeID WHERE r.prinRoleNodeID = ? "
                               "AND t.rtypeDesc = ?", 1, "Manager").fetchall()
        assert sorted(m.prinUri for m in managers) == sorted(summary["legacy"]["notable"]["root_managers"])
    finally:
        conn.close()
    mgc = pyodbc.connect(instances.odbc_connection_string(paths["mgc"]), autocommit=True)
    try:
        assert mgc.cursor().execute("SELECT configContent FROM tblConfig WHERE configLabel = ?", "pool").fetchone()[0] \
            == "pc.contoso.local"
        assert mgc.cursor().execute("SELECT content FROM tblChat WHERE content LIKE ?", "%✈%").fetchone()[0].endswith("✈")
    finally:
        mgc.close()


def test_instance_paths(tmp_path):
    a = instances.database_path(tmp_path, r"sql01.contoso.local\GROUPCHAT", "GroupChat")
    assert a == instances.database_path(tmp_path, r"SQL01\groupchat", "GROUPCHAT")
    assert a == tmp_path / "sql" / "sql01.groupchat" / "groupchat.db"
    assert instances.database_path(tmp_path, "sql01", "mgc").parent.name == "sql01.mssqlserver"
    for bad in (r"sql01\..\x", "", r"sql01\a;b"):
        with pytest.raises(ValueError):
            instances.database_path(tmp_path, bad, "mgc")
    with pytest.raises(ValueError):
        instances.database_path(tmp_path, "sql01", "../etc")
    assert instances.odbc_connection_string(a).startswith("Driver=SQLite3;Database=/")
    assert instances.odbc_connection_string(a).endswith(";BigInt=1")
