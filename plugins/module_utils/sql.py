# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A read-only SQL client on pyodbc.

Queries are written once in portable SQL (no schema prefix, no T-SQL-only syntax) so they run on SQL
Server and on the lab's SQLite files behind the SQLite3 ODBC driver alike. Values reach SQL only as
bound ``?`` parameters. Only SELECT / WITH statements are accepted, and the connection is opened in
read-only mode where the driver supports it.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import re
import uuid

from urllib.parse import quote

try:
    import pyodbc
    HAS_PYODBC = True
    PYODBC_IMPORT_ERROR = None
except ImportError as import_error:  # the sanity import test installs nothing; report at run time
    pyodbc = None
    HAS_PYODBC = False
    PYODBC_IMPORT_ERROR = import_error

DEFAULT_SQLSERVER_DRIVER = "ODBC Driver 18 for SQL Server"


class SQLError(Exception):
    """Base of every error this client raises; str() is a message fit for fail_json."""


class SQLConnectionError(SQLError):
    """The driver is missing, the server unreachable or the login refused."""


class ReadOnlyViolation(SQLError):
    """A statement that is not a single SELECT / WITH query was given."""


def odbc_value(value):
    """An ODBC connection-string value, braced so ';', '=', '{' and spaces cannot end or change it:
    '}' inside is doubled, the one escape ODBC defines (SQLDriverConnect, connection string syntax)."""
    text = str(value)
    if u"\x00" in text:
        raise SQLError("a connection-string value cannot contain NUL")
    return "{" + text.replace("}", "}}") + "}"


def is_sqlite_driver(driver):
    return bool(driver) and "sqlite" in driver.lower()


def build_connection_string(driver=None, server=None, instance=None, port=None, database=None,
                            auth="windows", user=None, password=None, encrypt=True,
                            trust_server_certificate=False, timeout=15, read_only_intent=False):
    """A connection string for SQL Server (msodbcsql / FreeTDS) or a SQLite file (SQLite3 driver).

    For SQLite, ``database`` is the file path and server/auth are not used.
    """
    driver = driver or DEFAULT_SQLSERVER_DRIVER
    parts = [("Driver", driver)]
    if is_sqlite_driver(driver):
        if not database:
            raise SQLError("sql_database (the SQLite file path) is required with driver %s" % driver)
        # The SQLite3 driver does not understand braced values, so the path goes in as a read-only
        # SQLite URI: percent-encoding leaves no ';' or '{' to escape, and mode=ro makes SQLite itself
        # refuse writes. NoCreat stops a wrong path from silently creating an empty database.
        uri = "file:%s?mode=ro" % quote(database, safe="/")
        # BigInt=1: the driver would otherwise truncate 64-bit integers (sums, tick timestamps) to 32 bits.
        return "Driver=%s;Database=%s;NoCreat=1;BigInt=1;Timeout=%d" % (odbc_value(driver), uri, int(timeout) * 1000)
    if not server:
        raise SQLError("sql_server is required unless sql_connection_string is given")
    address = server
    if instance:
        address = "%s\\%s" % (address, instance)
    if port:
        address = "%s,%d" % (address, int(port))
    parts.append(("Server", address))
    if database:
        parts.append(("Database", database))
    if auth == "windows":
        parts.append(("Trusted_Connection", "yes"))
    elif auth == "sql":
        if not user:
            raise SQLError("sql_user is required with sql_auth=sql")
        parts.append(("UID", user))
        parts.append(("PWD", password or ""))
    else:
        raise SQLError("sql_auth must be windows or sql, not %r" % (auth,))
    parts.append(("Encrypt", "yes" if encrypt else "no"))
    parts.append(("TrustServerCertificate", "yes" if trust_server_certificate else "no"))
    parts.append(("Connection Timeout", str(int(timeout))))
    if read_only_intent:
        parts.append(("ApplicationIntent", "ReadOnly"))
    return ";".join("%s=%s" % (key, odbc_value(val)) for key, val in parts)


def describe_connection_string(connection_string):
    """Server and database named in a connection string, for messages; never the password."""
    fields = {}
    for match in re.finditer(r"([^=;]+)=(\{(?:[^}]|\}\})*\}|[^;]*)", connection_string):
        key = match.group(1).strip().lower()
        value = match.group(2)
        if value.startswith("{") and value.endswith("}"):
            value = value[1:-1].replace("}}", "}")
        fields[key] = value
    server = fields.get("server") or fields.get("data source") or fields.get("address") or "-"
    database = fields.get("database") or fields.get("initial catalog") or "-"
    driver = fields.get("driver") or fields.get("dsn") or "-"
    return server, database, driver


_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_LITERAL = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\[[^\]]*\]")
_FORBIDDEN = re.compile(
    r"\b(insert|update|delete|merge|drop|alter|create|truncate|exec|execute|grant|revoke|deny|into|"
    r"attach|detach|pragma|vacuum|reindex|backup|restore|dbcc|openrowset|opendatasource|"
    r"shutdown|kill)\b", re.I)


def check_read_only(statement):
    """Refuse anything but one SELECT or WITH query (comments and string literals are ignored when
    looking for other statements or for words that write)."""
    if not isinstance(statement, str) or not statement.strip():
        raise ReadOnlyViolation("empty SQL statement")
    code = _COMMENT.sub(" ", statement)
    code = _LITERAL.sub("''", code)
    stripped = code.strip().rstrip(";").strip()
    if ";" in stripped:
        raise ReadOnlyViolation("only one statement may be sent: %s" % statement.strip()[:80])
    first = stripped.split(None, 1)[0].lower() if stripped else ""
    if first not in ("select", "with"):
        raise ReadOnlyViolation("only SELECT or WITH queries are allowed, not %r" % first.upper())
    found = _FORBIDDEN.search(stripped)
    if found:
        raise ReadOnlyViolation("read-only queries may not contain %s" % found.group(1).upper())
    return statement


def _json_value(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return value


def streaming(connection_string):
    """The connection string with the SQLite3 driver's StepAPI on: without it the driver reads a whole
    result set into memory before returning the first row (1.3 GB for 5 million messages). StepAPI
    costs the column types (a BIGINT may arrive as text), so it is for readers that convert their own
    values (chat_queries), not the general query()."""
    _server, _database, driver = describe_connection_string(connection_string)
    if is_sqlite_driver(driver) and "stepapi" not in connection_string.lower():
        return connection_string.rstrip(";") + ";StepAPI=1"
    return connection_string


def _text_types():
    return (pyodbc.SQL_CHAR, pyodbc.SQL_VARCHAR, pyodbc.SQL_LONGVARCHAR, pyodbc.SQL_WCHAR, pyodbc.SQL_WVARCHAR,
            pyodbc.SQL_WLONGVARCHAR)


@contextlib.contextmanager
def _raw_text(connection, raw):
    """While the block runs (one query), text columns of ``connection`` arrive as bytes: an output converter
    makes pyodbc fetch them as SQL_C_BINARY and hand the bytes over undecoded (the SQLite3 driver gives its
    stored UTF-8; SQL Server would give UTF-16LE). A reader that hashes text then skips decoding it here and
    encoding it again. The connection's converters are as found afterwards."""
    if not raw:
        yield
        return
    types = _text_types()
    before = [connection.get_output_converter(sql_type) for sql_type in types]
    for sql_type in types:
        connection.add_output_converter(sql_type, bytes)
    try:
        yield
    finally:
        for sql_type, converter in zip(types, before):
            if converter is None:
                connection.remove_output_converter(sql_type)
            else:
                connection.add_output_converter(sql_type, converter)


class SQLClient(object):
    """One read-only connection, opened lazily, closed by close()."""

    def __init__(self, connection_string, timeout=30, fetch_size=2000, connect=None):
        self.connection_string = connection_string
        self.timeout = int(timeout)
        self.fetch_size = int(fetch_size)
        self._connect = connect or (pyodbc.connect if HAS_PYODBC else None)
        self._connection = None
        server, database, driver = describe_connection_string(connection_string)
        self.server, self.database, self.driver = server, database, driver

    def describe(self):
        return "SQL server %s, database %s (driver %s)" % (self.server, self.database, self.driver)

    def sibling(self):
        """A second client on the same database with the same settings (its own connection, opened lazily):
        one connection runs one query at a time, so a reader that overlaps two queries needs two."""
        return SQLClient(self.connection_string, timeout=self.timeout, fetch_size=self.fetch_size, connect=self._connect)

    @property
    def is_sqlite(self):
        return is_sqlite_driver(self.driver)

    def _translate(self, error):
        where = self.describe()
        state = error.args[0] if getattr(error, "args", None) else ""
        text = " ".join(str(arg) for arg in error.args[1:]) if len(error.args) > 1 else str(error)
        if state == "IM002" or "can't open lib" in text.lower() or "file not found" in text.lower():
            return SQLConnectionError("%s: the ODBC driver is not installed or not registered in "
                                      "odbcinst.ini (%s)" % (where, state or text))
        if is_sqlite_driver(self.driver) and "connect failed" in text.lower():
            return SQLConnectionError("%s: cannot open the SQLite database file" % where)
        if state == "28000":
            return SQLConnectionError("%s: login failed" % where)
        if state in ("08001", "08S01", "HYT00", "HYT01"):
            return SQLConnectionError("%s: cannot connect (%s)" % (where, state))
        return SQLError("%s: %s" % (where, text))

    def _ensure(self):
        if self._connection is not None:
            return self._connection
        if self._connect is None:
            raise SQLError("pyodbc is not installed: %s" % PYODBC_IMPORT_ERROR)
        try:
            # readonly sets SQL_ATTR_ACCESS_MODE=READ_ONLY, a hint some drivers enforce.
            self._connection = self._connect(self.connection_string, autocommit=True, readonly=True,
                                             timeout=self.timeout)
        except Exception as error:  # pyodbc.Error and friends; never echo the connection string
            raise self._translate(error)
        try:
            self._connection.timeout = self.timeout
        except Exception:  # pylint: disable=broad-except
            pass
        return self._connection

    def batches(self, statement, params=(), fetch_size=None, raw_text=False):
        """(column names, rows) of one read-only query, ``fetch_size`` rows at a time (the client's unless
        given: fewer for rows as large as a whole room's messages), values as the driver returns them.
        The fast path for readers of millions of rows. ``raw_text``: text values arrive as the bytes the
        driver hands over (see _raw_text), not decoded into str."""
        check_read_only(statement)
        connection = self._ensure()
        try:
            with _raw_text(connection, raw_text):
                yield from self._fetch(connection, statement, params, fetch_size)
        except Exception as error:  # pylint: disable=broad-except
            if HAS_PYODBC and not isinstance(error, pyodbc.Error):
                raise
            raise self._translate(error)

    def _fetch(self, connection, statement, params, fetch_size):
        cursor = connection.cursor()
        try:
            cursor.execute(statement, list(params))
            names = [column[0] for column in cursor.description]
            while True:
                rows = cursor.fetchmany(fetch_size or self.fetch_size)
                if not rows:
                    break
                yield names, rows
        finally:
            cursor.close()

    def query(self, statement, params=()):
        """Yield each row of one read-only query as a dict (column name -> JSON-friendly value)."""
        for names, rows in self.batches(statement, params):
            for row in rows:
                yield dict(zip(names, (_json_value(value) for value in row)))

    def query_all(self, statement, params=()):
        return list(self.query(statement, params))

    def query_one(self, statement, params=()):
        rows = self.query_all(statement, params)
        return rows[0] if rows else None

    def close(self):
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # pylint: disable=broad-except
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
