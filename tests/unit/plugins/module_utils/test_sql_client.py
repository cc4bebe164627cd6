"""The read-only SQL client: connection strings, the read-only guard, error messages, and the legacy
Group Chat queries against a real SQLite file through pyodbc and the SQLite3 ODBC driver."""
from __future__ import annotations

import sqlite3
import uuid

import pyodbc
import pytest

from ansible_collections.lync.persistent_chat.plugins.module_utils.legacy_db import (
    ADDINS,
    CATEGORIES,
    COUNTS,
    PRINCIPAL_BY_URI,
    ROOMS,
    read_database,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.sql import (
    ReadOnlyViolation,
    SQLClient,
    SQLConnectionError,
    SQLError,
    build_connection_string,
    check_read_only,
    describe_connection_string,
    odbc_value,
)

PASSWORD = "p}w;d={x}"


# -- connection strings ----------------------------------------------------------------------------

def test_sql_server_connection_string_braces_every_value():
    text = build_connection_string(server="sql01.contoso.local", instance="GROUPCHAT", port=1433,
                                   database="Group;Chat", auth="sql", user="reader", password=PASSWORD,
                                   encrypt=True, trust_server_certificate=False, timeout=20)
    assert text == ("Driver={ODBC Driver 18 for SQL Server};Server={sql01.contoso.local\\GROUPCHAT,1433};"
                    "Database={Group;Chat};UID={reader};PWD={p}}w;d={x}}};Encrypt={yes};"
                    "TrustServerCertificate={no};Connection Timeout={20}")


def test_windows_auth_and_read_only_intent():
    text = build_connection_string(driver="FreeTDS", server="sql01", database="mgc", auth="windows",
                                   encrypt=False, trust_server_certificate=True, read_only_intent=True)
    assert "Trusted_Connection={yes}" in text and "UID" not in text and "PWD" not in text
    assert text.startswith("Driver={FreeTDS};")
    assert "Encrypt={no}" in text and "TrustServerCertificate={yes}" in text
    assert text.endswith("ApplicationIntent={ReadOnly}")


@pytest.mark.parametrize("value, expected", [("plain", "{plain}"), ("a}b", "{a}}b}"), ("{x}", "{{x}}}"),
                                             ("a;b=c", "{a;b=c}")])
def test_odbc_value_escaping(value, expected):
    assert odbc_value(value) == expected


def test_describe_connection_string_reads_braced_values_and_not_the_password():
    text = build_connection_string(server="sql01", instance="RTC", database="m;gc", auth="sql", user="u",
                                   password=PASSWORD)
    server, database, driver = describe_connection_string(text)
    assert (server, database, driver) == ("sql01\\RTC", "m;gc", "ODBC Driver 18 for SQL Server")


@pytest.mark.parametrize("kwargs, message", [
    (dict(server=None), "sql_server is required"),
    (dict(server="s", auth="sql", user=None), "sql_user is required"),
    (dict(server="s", auth="kerberos"), "sql_auth must be"),
    (dict(driver="SQLite3", database=None), "SQLite file path"),
])
def test_missing_pieces_are_named(kwargs, message):
    with pytest.raises(SQLError, match=message):
        build_connection_string(**kwargs)


# -- the read-only guard ---------------------------------------------------------------------------

@pytest.mark.parametrize("statement", [
    "SELECT 1",
    "  select nodeID from tblNode where nodeName = ?;",
    "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
    "SELECT 'insert into t; drop table x' AS text",
    "-- delete everything\nSELECT 1",
    "SELECT REPLACE(nodeName, 'a', 'b') FROM tblNode",
    COUNTS, CATEGORIES, ROOMS, ADDINS, PRINCIPAL_BY_URI,
])
def test_queries_pass_the_guard(statement):
    assert check_read_only(statement) == statement


@pytest.mark.parametrize("statement", [
    "", "   ", "DELETE FROM tblNode", "UPDATE tblNode SET nodeName = 'x'", "SELECT 1; DROP TABLE tblNode",
    "SELECT * INTO copy FROM tblNode", "WITH x AS (SELECT 1) DELETE FROM tblNode", "EXEC sp_who",
    "/* SELECT */ INSERT INTO t VALUES (1)", "PRAGMA writable_schema = 1", "ATTACH DATABASE 'x' AS y",
    "SELECT 1 /* ; */ ; SELECT 2",
])
def test_anything_else_is_refused(statement):
    with pytest.raises(ReadOnlyViolation):
        check_read_only(statement)


# -- error mapping (with a stand-in connect) --------------------------------------------------------

def _failing(state, text):
    def connect(*_args, **_kwargs):
        raise pyodbc.Error(state, text)
    return connect


@pytest.mark.parametrize("state, text, expected", [
    ("IM002", "[IM002] Data source name not found and no default driver specified", "ODBC driver is not installed"),
    ("01000", "[01000] [unixODBC][Driver Manager]Can't open lib 'ODBC Driver 18 for SQL Server' : file not found",
     "ODBC driver is not installed"),
    ("28000", "[28000] Login failed for user 'reader'. PWD=%s" % PASSWORD, "login failed"),
    ("08001", "[08001] TCP Provider: Error code 0x2749", "cannot connect"),
])
def test_connection_failures_name_server_and_database_never_the_password(state, text, expected):
    connection_string = build_connection_string(server="sql01", instance="GROUPCHAT", database="GroupChat",
                                                auth="sql", user="reader", password=PASSWORD)
    client = SQLClient(connection_string, connect=_failing(state, text))
    with pytest.raises(SQLConnectionError) as caught:
        client.query_all("SELECT 1")
    message = str(caught.value)
    assert expected in message
    assert "sql01\\GROUPCHAT" in message and "GroupChat" in message
    assert PASSWORD not in message


def test_a_missing_driver_for_real():
    client = SQLClient(build_connection_string(driver="No Such Driver 99", server="s", database="d"))
    with pytest.raises(SQLConnectionError, match="ODBC driver is not installed"):
        client.query_all("SELECT 1")


def test_the_guard_runs_before_connecting():
    calls = []
    client = SQLClient("Driver={x}", connect=lambda *a, **k: calls.append(a))
    with pytest.raises(ReadOnlyViolation):
        client.query_all("DROP TABLE tblNode")
    assert calls == []


# -- a real SQLite file through pyodbc --------------------------------------------------------------

LEGACY_SCHEMA = """
CREATE TABLE tblNode (nodeID INTEGER PRIMARY KEY, nodeGuid TEXT NOT NULL, parentID INTEGER NOT NULL,
  nodeType BIT NOT NULL, nodeName NVARCHAR(256) NOT NULL, nodeDesc NVARCHAR(256), disabled BIT);
CREATE TABLE tblChat (channelId INTEGER NOT NULL, chatId BIGINT NOT NULL, chatDate BIGINT NOT NULL,
  userId INTEGER NOT NULL, content NVARCHAR NOT NULL, PRIMARY KEY (channelId, chatId));
CREATE TABLE tblSiopWhiteList (siopID TEXT PRIMARY KEY, siopName NVARCHAR(50) NOT NULL, siopUrl NVARCHAR(255) NOT NULL);
CREATE TABLE tblPrincipal (prinID INTEGER PRIMARY KEY, prinUri NVARCHAR(256) NOT NULL, prinName NVARCHAR(256),
  prinDisabled SMALLINT NOT NULL DEFAULT 0);
"""


@pytest.fixture
def legacy_db(tmp_path):
    """A tiny legacy Group Chat database: root, two categories (one nested), three rooms (one disabled,
    one with a quote in its name), two add-ins, messages in two rooms, and the lookup user."""
    path = tmp_path / "group chat; it's {legacy}.db"
    with sqlite3.connect(path) as db:
        db.executescript(LEGACY_SCHEMA)
        nodes = [(1, 1, 1, "Root", None, None), (2, 1, 1, "IT", "IT rooms", None),
                 (3, 2, 1, "Backend", None, None), (10, 2, 0, "Help'desk", None, 0),
                 (11, 3, 0, "Deploys", None, 1), (12, 3, 0, "서울", None, None)]
        db.executemany("INSERT INTO tblNode VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [(n, str(uuid.uuid4()), p, t, name, desc, dis) for n, p, t, name, desc, dis in nodes])
        db.executemany("INSERT INTO tblChat VALUES (?, ?, ?, ?, ?)",
                       [(10, i, 634000000000000000 + i, 5, "hi %d" % i) for i in range(1, 6)] +
                       [(12, 1, 634000000000000000, 5, "안녕")])
        db.executemany("INSERT INTO tblSiopWhiteList VALUES (?, ?, ?)",
                       [("b-guid", "Wiki", "https://wiki"), ("a-guid", "Tickets", "https://tickets")])
        db.execute("INSERT INTO tblPrincipal VALUES (7, 'sip:OCSChat@contoso.local', 'ocschat', 0)")
    return path


def test_legacy_queries_on_a_real_sqlite_file(legacy_db):
    with SQLClient(build_connection_string(driver="SQLite3", database=str(legacy_db))) as client:
        result = read_database(client, list_items=True, lookup_uri="sip:ocschat@contoso.local")
    # content_chars: the length of the six messages' text together.
    assert result["counts"] == {"categories": 2, "rooms": 3, "disabled_rooms": 1, "addins": 2, "messages": 6,
                                "content_chars": 22}
    assert result["categories"] == [
        {"node_id": 2, "name": "IT", "description": "IT rooms", "parent_id": 1, "rooms": 1},
        {"node_id": 3, "name": "Backend", "description": None, "parent_id": 2, "rooms": 2},
    ]
    assert result["rooms"] == [
        {"node_id": 10, "name": "Help'desk", "category_id": 2, "disabled": False, "messages": 5},
        {"node_id": 11, "name": "Deploys", "category_id": 3, "disabled": True, "messages": 0},
        {"node_id": 12, "name": "서울", "category_id": 3, "disabled": None, "messages": 1},
    ]
    assert [addin["name"] for addin in result["addins"]] == ["Tickets", "Wiki"]
    assert result["lookup_principal"] == {"principal_id": 7, "uri": "sip:OCSChat@contoso.local", "name": "ocschat",
                                          "disabled": 0}


def test_counts_only_and_an_unknown_lookup_user(legacy_db):
    with SQLClient(build_connection_string(driver="SQLite3", database=str(legacy_db))) as client:
        result = read_database(client, list_items=False, lookup_uri="sip:nobody@contoso.local")
    assert set(result) == {"counts", "lookup_principal"}
    assert result["lookup_principal"] is None


def test_bound_parameters_carry_hostile_values(legacy_db):
    with SQLClient(build_connection_string(driver="SQLite3", database=str(legacy_db))) as client:
        rows = client.query_all("SELECT nodeID FROM tblNode WHERE nodeName = ?", ["Help'desk"])
        assert rows == [{"nodeID": 10}]
        assert client.query_all("SELECT nodeID FROM tblNode WHERE nodeName = ?", ["x' OR '1'='1"]) == []


def test_the_sqlite_connection_itself_refuses_writes(legacy_db):
    # Beneath the guard: the connection string opens the file read-only, so even a statement that
    # slipped past it could not write.
    connection = pyodbc.connect(build_connection_string(driver="SQLite3", database=str(legacy_db)), autocommit=True)
    with pytest.raises(pyodbc.Error, match="readonly"):
        connection.cursor().execute("DELETE FROM tblNode")
    connection.close()
    with sqlite3.connect(legacy_db) as db:
        assert db.execute("SELECT COUNT(*) FROM tblNode").fetchone()[0] == 6


def test_a_wrong_sqlite_path_fails_and_creates_nothing(tmp_path):
    missing = tmp_path / "missing.db"
    client = SQLClient(build_connection_string(driver="SQLite3", database=str(missing)))
    with pytest.raises(SQLConnectionError, match="cannot open the SQLite database file"):
        client.query_all("SELECT 1")
    assert not missing.exists()


def test_rows_stream_in_batches(legacy_db):
    with SQLClient(build_connection_string(driver="SQLite3", database=str(legacy_db)), fetch_size=2) as client:
        rows = list(client.query("SELECT chatId FROM tblChat WHERE channelId = ? ORDER BY chatId", [10]))
    assert [row["chatId"] for row in rows] == [1, 2, 3, 4, 5]


def test_big_integers_survive(legacy_db):
    with SQLClient(build_connection_string(driver="SQLite3", database=str(legacy_db))) as client:
        row = client.query_one("SELECT MAX(chatDate) AS newest FROM tblChat")
    assert row["newest"] == 634000000000000005
