"""Module SqlServer: Backup-SqlDatabase, Restore-SqlDatabase and Invoke-Sqlcmd limited to what the
migration needs (reference §1.3 step 1, §1.4 step 4, §4.2): full backups TO DISK, RESTORE VERIFYONLY and
read-only SELECT. Any other statement is refused. Backup paths are paths on the SQL Server's host (the
database engine writes the file), UNC paths reach other hosts."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from ...auth import logon, second_hop
from ...chatdb import instances
from ...powershell.api import PSError, Param, cmdlet
from .. import permissions, sqlbackup
from ._common import SQL, authorised, obj

_NS = "Microsoft.SqlServer.Management.PowerShell"


def _exec_error(message: str, command: str, target=None, number: int = 0) -> PSError:
    text = "System.Data.SqlClient.SqlError: %s" % message if command != "GetScriptCommand" else message
    return PSError(text, "%s,%s.%s" % ("SqlError" if command == "GetScriptCommand" else "ExecutionFailed",
                                        _NS, command),
                   "InvalidOperation", target, exception_type="Microsoft.SqlServer.Management.Smo."
                   "FailedOperationException" if command != "GetScriptCommand" else
                   "System.Data.SqlClient.SqlException")


def _connect_error(instance: str, command: str) -> PSError:
    return PSError("Failed to connect to server %s." % instance, "ConnectionFailure,%s.%s" % (_NS, command),
                   "ConnectionError", instance,
                   exception_type="Microsoft.SqlServer.Management.Common.ConnectionFailureException")


def _instance(ctx, lync, server_instance: str, command: str):
    """(sql host, instance name) of a reachable instance of the topology whose service runs."""
    if not lync.db.instance_known(server_instance):
        raise _connect_error(server_instance, command)
    short, name = instances.parse_instance(server_instance)
    host = ctx.lab.host(short)
    if host is not None:
        service = host.services.get("MSSQL$%s" % name.upper()) or (
            host.services.get("MSSQLSERVER") if name == instances.DEFAULT_INSTANCE else None)
        if service is not None and service.status != "Running":
            raise _connect_error(server_instance, command)
    if not second_hop.may_reach(ctx.lab, ctx.host, host, "SQL Server %s" % server_instance, "MSSQLSvc"):
        raise _anonymous_login(server_instance, command)
    return host, name


def _anonymous_login(instance: str, command: str) -> PSError:
    """A remote instance reached without delegated credentials (second hop): SQL Server refuses
    ANONYMOUS LOGON (error 18456). Invoke-Sqlcmd shows the SqlException itself; the SMO cmdlets
    (Backup-/Restore-SqlDatabase) wrap it in ConnectionFailureException, whose message is shown."""
    if command == "GetScriptCommand":
        return PSError(second_hop.sql_login_failed(), "SqlExectionError,%s.%s" % (_NS, command), "InvalidOperation",
                       instance, exception_type="System.Data.SqlClient.SqlException")
    return _connect_error(instance, command)


def _backup_path(ctx, sql_host, instance_name: str, backup_file: str, command: str):
    """The real file for a backup path as the SQL Server sees it (relative = default backup folder)."""
    fs = sql_host.filesystem if sql_host is not None else ctx.host.filesystem
    default_dir = "C:\\Program Files\\Microsoft SQL Server\\MSSQL11.%s\\MSSQL\\Backup" % instance_name.upper()
    text = backup_file
    # The database engine opens the file under its own service account, not the caller's logon.
    with logon.service_account():
        if not (text.startswith("\\\\") or (len(text) > 1 and text[1] == ":")):
            fs.resolve(default_dir).real.mkdir(parents=True, exist_ok=True)
            text = default_dir + "\\" + text
        return fs.resolve(text, command=command)


def _first(value):
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise PSError("The lab runs SQL cmdlets against one -ServerInstance at a time.", "NotSupported",
                          "NotImplemented", value)
        return str(value[0])
    return str(value)


def do_backup(ctx, lync, server_instance, database, backup_file, copy_only, checksum, compression, init,
              command):
    sql_host, name = _instance(ctx, lync, server_instance, command)
    try:
        db_path = instances.database_path(lync.lab.state_dir, server_instance, database)
    except ValueError:
        db_path = None
    if db_path is None or not db_path.is_file():
        raise _exec_error("Database '%s' does not exist. Make sure that the name is entered correctly." % database,
                          command, database, 911)
    target = _backup_path(ctx, sql_host, name, backup_file or "%s.bak" % database, command)
    parent = target.parent()
    if parent is None or not parent.is_dir():
        raise _exec_error("Cannot open backup device '%s'. Operating system error 3(The system cannot find the "
                          "path specified.)." % target.display, command, backup_file, 3201)
    return target, sqlbackup.write_backup(db_path, database, server_instance, target.real, copy_only, checksum,
                                          compression, init)


@cmdlet("Backup-SqlDatabase", type_name="Microsoft.SqlServer.Management.PowerShell.BackupSqlDatabaseCommand",
        module=SQL, should_process=True, params=[
    Param("ServerInstance", "string[]", mandatory=True, position=0),
    Param("Database", "string", mandatory=True, position=1),
    Param("BackupFile", "string", position=2),
    Param("BackupAction", "enum", values=("Database", "Files", "Log"),
          enum_type="Microsoft.SqlServer.Management.Smo.BackupActionType"),
    Param("CopyOnly", "switch"), Param("Checksum", "switch"),
    Param("CompressionOption", "enum", values=("Default", "On", "Off"),
          enum_type="Microsoft.SqlServer.Management.Smo.BackupCompressionOptions"),
    Param("Initialize", "switch"), Param("Incremental", "switch"), Param("ContinueAfterError", "switch"),
    Param("Credential", "object"), Param("ConnectionTimeout", "int"), Param("PassThru", "switch"),
    Param("Script", "switch"),
])
def backup_sql_database(ctx, args, pipeline):
    lync = authorised(ctx, permissions.SQL_ADMIN)
    instance = _first(args["ServerInstance"])
    action = str(args.get("BackupAction") or "Database")
    if action != "Database" or args.get("Incremental"):
        raise PSError("The lab simulates full database backups only (-BackupAction Database, no -Incremental).",
                      "NotSupported", "NotImplemented", action)
    database = args["Database"]
    compression = str(args.get("CompressionOption") or "Default") == "On"
    file_text = args.get("BackupFile") or "%s.bak" % database
    if args.get("Script"):
        options = [o for o, on in (("COPY_ONLY", args.get("CopyOnly")), ("CHECKSUM", args.get("Checksum")),
                                   ("COMPRESSION", compression), ("INIT", args.get("Initialize"))) if on]
        return ["BACKUP DATABASE [%s] TO  DISK = N'%s' %s" % (database.replace("]", "]]"),
                                                             file_text.replace("'", "''"),
                                                             ("WITH  " + ", ".join(options)) if options else "")]
    if not ctx.should_process(database, "Backup-SqlDatabase"):
        return []
    target, meta = do_backup(ctx, lync, instance, database, file_text, bool(args.get("CopyOnly")),
                             bool(args.get("Checksum")), compression, bool(args.get("Initialize")),
                             "BackupSqlDatabaseCommand")
    if args.get("PassThru"):
        return [obj("Microsoft.SqlServer.Management.Smo.Backup", {
            "Database": database, "Action": "Database", "CopyOnly": meta["copy_only"],
            "Checksum": bool(meta["checksum"]), "Devices": [target.display]})]
    return []


@cmdlet("Restore-SqlDatabase", type_name="Microsoft.SqlServer.Management.PowerShell.RestoreSqlDatabaseCommand",
        module=SQL, should_process=True, params=[
    Param("ServerInstance", "string[]", mandatory=True, position=0),
    Param("Database", "string", mandatory=True, position=1),
    Param("BackupFile", "string[]", position=2),
    Param("RestoreAction", "enum", values=("Database", "Files", "OnlinePage", "OnlineFiles", "Log"),
          enum_type="Microsoft.SqlServer.Management.Smo.RestoreActionType"),
    Param("ReplaceDatabase", "switch"), Param("NoRecovery", "switch"), Param("Checksum", "switch"),
    Param("ContinueAfterError", "switch"), Param("Credential", "object"), Param("ConnectionTimeout", "int"),
    Param("PassThru", "switch"), Param("Script", "switch"),
])
def restore_sql_database(ctx, args, pipeline):
    lync = authorised(ctx, permissions.SQL_ADMIN)
    command = "RestoreSqlDatabaseCommand"
    instance = _first(args["ServerInstance"])
    database = args["Database"]
    if str(args.get("RestoreAction") or "Database") != "Database" or args.get("NoRecovery"):
        raise PSError("The lab simulates full database restores with recovery only.", "NotSupported",
                      "NotImplemented", database)
    files = args.get("BackupFile") or ["%s.bak" % database]
    backup_text = _first(files)
    if args.get("Script"):
        return ["RESTORE DATABASE [%s] FROM  DISK = N'%s' WITH  FILE = 1%s" % (
            database, backup_text, ",  REPLACE" if args.get("ReplaceDatabase") else "")]
    sql_host, name = _instance(ctx, lync, instance, command)
    source = _backup_path(ctx, sql_host, name, backup_text, command)
    if not source.is_file():
        raise _exec_error("Cannot open backup device '%s'. Operating system error 2(The system cannot find the "
                          "file specified.)." % source.display, command, backup_text, 3201)
    try:
        meta, _payload = sqlbackup.read_backup(source.real)
    except sqlbackup.BackupError as exc:
        raise _exec_error(str(exc), command, backup_text, exc.number) from None
    target = instances.database_path(lync.lab.state_dir, instance, database)
    if target.is_file() and not args.get("ReplaceDatabase"):
        if meta["database"].lower() != database.lower():
            raise _exec_error("The backup set holds a backup of a database other than the existing '%s' "
                              "database." % database, command, database, 3154)
        raise _exec_error("The tail of the log for the database \"%s\" has not been backed up. Use BACKUP LOG WITH "
                          "NORECOVERY to backup the log if it contains work you do not want to lose. Use the WITH "
                          "REPLACE or WITH STOPAT clause of the RESTORE statement to just overwrite the contents of "
                          "the log." % database, command, database, 3159)
    if not ctx.should_process(database, "Restore-SqlDatabase"):
        return []
    try:
        with lync.lock:
            sqlbackup.restore(source.real, target)
    except sqlbackup.BackupError as exc:
        raise _exec_error(str(exc), command, backup_text, exc.number) from None
    return []


# ----------------------------------------------------------------------------------------- Invoke-Sqlcmd

_BACKUP_RE = re.compile(r"^\s*BACKUP\s+DATABASE\s+(\[(?:[^\]]|\]\])+\]|\w+)\s+TO\s+DISK\s*=\s*N?'((?:[^']|'')*)'"
                        r"\s*(?:WITH\s+(.+?))?\s*;?\s*$", re.IGNORECASE | re.DOTALL)
_VERIFY_RE = re.compile(r"^\s*RESTORE\s+VERIFYONLY\s+FROM\s+DISK\s*=\s*N?'((?:[^']|'')*)'\s*(?:WITH\s+(.+?))?\s*;?\s*$",
                        re.IGNORECASE | re.DOTALL)
_BACKUP_OPTIONS = {"COPY_ONLY", "CHECKSUM", "NO_CHECKSUM", "COMPRESSION", "NO_COMPRESSION", "INIT", "NOINIT",
                   "FORMAT", "NOFORMAT", "SKIP", "NOSKIP"}
_VERIFY_OPTIONS = {"CHECKSUM", "NO_CHECKSUM", "FILE"}


def _options(text: str, allowed: set, statement: str) -> set:
    found = set()
    for raw in (text or "").split(","):
        item = raw.strip()
        if not item:
            continue
        key = item.split("=")[0].strip().upper()
        if key in ("STATS", "NAME", "DESCRIPTION") or key in allowed:
            found.add(key)
            if key == "FILE" and item.split("=", 1)[-1].strip() != "1":
                raise _refuse("%s WITH FILE other than 1" % statement)
            continue
        raise _refuse("%s option %s" % (statement, key))
    return found


def _refuse(what: str) -> PSError:
    return PSError("The lab's Invoke-Sqlcmd does not run %s; it runs BACKUP DATABASE ... TO DISK, "
                   "RESTORE VERIFYONLY and read-only SELECT statements." % what,
                   "SqlError,%s.GetScriptCommand" % _NS, "InvalidOperation", what,
                   exception_type="System.Data.SqlClient.SqlException")


def _translate_select(query: str) -> str:
    """The T-SQL of read-only inventory queries in SQLite: dbo. prefixes, NOLOCK hints and TOP n."""
    text = query.strip().rstrip(";").strip()
    if ";" in text:
        raise _refuse("several statements in one query")
    if not re.match(r"^SELECT\b", text, re.IGNORECASE):
        raise _refuse("'%s'" % text.split()[0] if text else "an empty query")
    text = re.sub(r"\bdbo\.", "", text, flags=re.IGNORECASE)
    text = re.sub(r"\bWITH\s*\(\s*NOLOCK\s*\)", "", text, flags=re.IGNORECASE)
    top = re.match(r"^SELECT\s+TOP\s*\(?\s*(\d+)\s*\)?\s+", text, re.IGNORECASE)
    if top:
        text = "SELECT " + text[top.end():] + " LIMIT %s" % top.group(1)
    return text


def _run_select(db_path: Path, sql: str, database: str):
    def authorizer(action, *rest):
        allowed = (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION)
        return sqlite3.SQLITE_OK if action in allowed else sqlite3.SQLITE_DENY
    conn = sqlite3.connect("file:%s?mode=ro" % db_path.resolve(), uri=True, timeout=30)
    try:
        conn.set_authorizer(authorizer)
        try:
            cursor = conn.execute(sql)
        except sqlite3.DatabaseError as exc:
            text = str(exc)
            match = re.match(r"no such table: (.+)", text)
            if match:
                text = "Invalid object name '%s'." % match.group(1)
            match = re.match(r"no such column: (.+)", text)
            if match:
                text = "Invalid column name '%s'." % match.group(1)
            raise PSError(text, "SqlError,%s.GetScriptCommand" % _NS, "InvalidOperation", database,
                          exception_type="System.Data.SqlClient.SqlException") from None
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall()
    finally:
        conn.close()
    return [obj("System.Data.DataRow", dict(zip(columns, row))) for row in rows]


@cmdlet("Invoke-Sqlcmd", type_name="Microsoft.SqlServer.Management.PowerShell.GetScriptCommand", module=SQL, params=[
    Param("ServerInstance", "string"),
    Param("Database", "string"),
    Param("Query", "string", position=0),
    Param("QueryTimeout", "int", value_range=(1, 65535)),
    Param("ConnectionTimeout", "int", value_range=(0, 65534)),
    Param("Username", "string"), Param("Password", "string"), Param("Credential", "object"),
    Param("AbortOnError", "switch"), Param("OutputSqlErrors", "bool"),
    Param("SuppressProviderContextWarning", "switch"),
])
def invoke_sqlcmd(ctx, args, pipeline):
    lync = authorised(ctx, permissions.SQL_ADMIN)
    instance = args.get("ServerInstance") or ctx.host.name
    query = args.get("Query") or ""
    backup = _BACKUP_RE.match(query)
    verify = _VERIFY_RE.match(query)
    command = "GetScriptCommand"
    if backup:
        database = backup.group(1).strip("[]").replace("]]", "]")
        options = _options(backup.group(3), _BACKUP_OPTIONS, "BACKUP")
        do_backup(ctx, lync, instance, database, backup.group(2).replace("''", "'"), "COPY_ONLY" in options,
                  "CHECKSUM" in options, "COMPRESSION" in options, "INIT" in options or "FORMAT" in options,
                  command)
        ctx.write_verbose("BACKUP DATABASE successfully processed.")
        return []
    if verify:
        options = _options(verify.group(2), _VERIFY_OPTIONS, "RESTORE VERIFYONLY")
        sql_host, name = _instance(ctx, lync, instance, command)
        path = _backup_path(ctx, sql_host, name, verify.group(1).replace("''", "'"), command)
        if not path.is_file():
            raise _exec_error("Cannot open backup device '%s'. Operating system error 2(The system cannot find the "
                              "file specified.)." % path.display, command, path.display, 3201)
        try:
            sqlbackup.verify(path.real, "CHECKSUM" in options)
        except sqlbackup.BackupError as exc:
            raise _exec_error(str(exc), command, path.display, exc.number) from None
        ctx.write_verbose("The backup set on file 1 is valid.")
        return []
    sql = _translate_select(query)
    _instance(ctx, lync, instance, command)
    database = args.get("Database") or "master"
    try:
        db_path = instances.database_path(lync.lab.state_dir, instance, database)
    except ValueError:
        db_path = None
    if db_path is None or not db_path.is_file():
        raise PSError("Cannot open database \"%s\" requested by the login. The login failed." % database,
                      "SqlError,%s.GetScriptCommand" % _NS, "InvalidOperation", database,
                      exception_type="System.Data.SqlClient.SqlException")
    return _run_select(db_path, sql, database)
