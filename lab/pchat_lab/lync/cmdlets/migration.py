"""Export-CsPersistentChatData / Import-CsPersistentChatData (reference §1.4, §3.1, §3.2) over chatdb's
migration library. Paths are Windows paths of the host the cmdlet runs on (UNC reaches other hosts).
Both take time in proportion to the rows they move (``lync.migration.rows_per_second``), so a real-size
run outlasts several WinRM OperationTimeouts as it would on a real pool."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from ...auth import second_hop
from ...chatdb import instances
from ...chatdb.errors import ChatDbError
from ...powershell.api import PSError, Param, cmdlet
from .. import permissions
from ._common import LYNC, authorised

EXPORT_LEVELS = ("All", "User", "Category", "RoomDirectory", "Content")   # [DOC] ExportLevel
_EXPORT = "Microsoft.Rtc.Management.PersistentChat.Cmdlets.ExportPersistentChatDataCmdlet"
_IMPORT = "Microsoft.Rtc.Management.PersistentChat.Cmdlets.ImportPersistentChatDataCmdlet"


def _sql_error(message: str, cmdlet_type: str, target) -> PSError:
    return PSError(message, "SqlException,%s" % cmdlet_type, "OpenError", target,
                   exception_type="System.Data.SqlClient.SqlException")


def database_file(lync, instance: str, database: str, cmdlet_type: str, ctx=None) -> Path:
    """The SQLite file behind instance+database, or SQL Server's own connection errors (with ``ctx``,
    an instance on another host than the session's refuses a logon without delegated credentials)."""
    if not lync.db.instance_known(instance):
        raise _sql_error(
            "A network-related or instance-specific error occurred while establishing a connection to SQL "
            "Server. The server was not found or was not accessible. Verify that the instance name is correct "
            "and that SQL Server is configured to allow remote connections. (provider: SQL Network Interfaces, "
            "error: 26 - Error Locating Server/Instance Specified)", cmdlet_type, instance)
    if ctx is not None:
        sql_host = lync.lab.host(instances.parse_instance(instance)[0])
        if not second_hop.may_reach(lync.lab, ctx.host, sql_host, "SQL Server %s" % instance, "MSSQLSvc"):
            raise _sql_error(second_hop.sql_login_failed(), cmdlet_type, instance)
    try:
        path = instances.database_path(lync.lab.state_dir, instance, database)
    except ValueError:
        path = None
    if path is None or not path.is_file():
        raise _sql_error("Cannot open database \"%s\" requested by the login. The login failed." % database,
                         cmdlet_type, database)
    return path


def resolve_output(ctx, windows_path: str, cmdlet_type: str):
    """A file the cmdlet will write: its folder must exist (.NET's DirectoryNotFoundException)."""
    path = ctx.host.filesystem.resolve(windows_path, cwd=_cwd(ctx), command=ctx.name)
    parent = path.parent()
    if parent is None or not parent.is_dir():
        raise PSError("Could not find a part of the path '%s'." % path.display,
                      "DirectoryNotFound,%s" % cmdlet_type, "WriteError", windows_path,
                      exception_type="System.IO.DirectoryNotFoundException")
    return path


def resolve_input(ctx, windows_path: str, cmdlet_type: str):
    path = ctx.host.filesystem.resolve(windows_path, cwd=_cwd(ctx), command=ctx.name)
    if not path.is_file():
        raise PSError("Could not find file '%s'." % path.display, "FileNotFound,%s" % cmdlet_type,
                      "ReadError", windows_path, exception_type="System.IO.FileNotFoundException")
    return path


def _cwd(ctx):
    try:
        value = ctx.get_variable("PWD")
    except Exception:
        return None
    return str(value) if value else None


def take_time(ctx, lync, rows: int) -> None:
    """Sleep rows / rows_per_second seconds, in slices, stopping early if the shell is terminated."""
    rate = lync.rows_per_second
    if rate <= 0 or rows <= 0:
        return
    started = time.monotonic()
    deadline = started + rows / rate
    sink = getattr(ctx, "sink", None)
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (sink is not None and getattr(sink, "terminated", False)):
                return
            time.sleep(min(remaining, 0.2))
    finally:
        if sink is not None and hasattr(sink, "paced_seconds"):
            sink.paced_seconds += time.monotonic() - started


def _rows(counts: dict) -> int:
    return sum(int(v) for v in (counts or {}).values() if isinstance(v, (int, float)))


@cmdlet("Export-CsPersistentChatData", type_name=_EXPORT, module=LYNC, default_set="FileName", params=[
    Param("DBInstance", "string", mandatory=True),
    Param("DBName", "string"),
    Param("FileName", "string", sets=("FileName",)),
    Param("AsBytes", "switch", sets=("AsBytes",)),
    Param("Level", "enum", values=EXPORT_LEVELS,
          enum_type="Microsoft.Rtc.Management.PersistentChat.Cmdlets.ExportLevel"),
    Param("Scope", "string[]"),
    Param("StartDate", "datetime"),
    Param("DisableExportedNodes", "switch"),
    Param("Report", "string"),
])
def export_cs_persistent_chat_data(ctx, args, pipeline):
    lync = authorised(ctx, permissions.PC_ADMIN)
    source = database_file(lync, args["DBInstance"], args.get("DBName") or "mgc", _EXPORT, ctx)   # [DOC] default mgc
    target = resolve_output(ctx, args["FileName"], _EXPORT) if args.given("FileName") else None
    report = resolve_output(ctx, args["Report"], _EXPORT) if args.given("Report") else None
    if not args.given("FileName") and not args.get("AsBytes"):
        raise PSError("Specify either -FileName or -AsBytes.", "MissingOutput,%s" % _EXPORT, "InvalidArgument")
    from ...chatdb import migration
    work = Path(tempfile.mkdtemp(prefix="export-", dir=lync.lab.state_dir))
    try:
        zip_tmp = work / "export.zip"
        report_tmp = work / "report.html" if report else None
        try:
            summary = migration.export(source, zip_tmp, level=str(args.get("Level") or "All"),
                                       scope=args.get("Scope"), start_date=args.get("StartDate"),
                                       report_path=report_tmp)
        except (ChatDbError, ValueError, KeyError) as exc:
            raise PSError("Export failed: %s" % exc, "ExportFailed,%s" % _EXPORT, "InvalidData",
                          args["DBInstance"]) from None
        take_time(ctx, lync, _rows(summary.get("counts")))
        if args.get("DisableExportedNodes"):
            # GH3300: reported to disable nothing; the lab does the same and says so.
            ctx.write_verbose("-DisableExportedNodes: no categories or rooms were disabled in the source.")
        if report:
            os.makedirs(report.real.parent, exist_ok=True)
            shutil.copyfile(report_tmp, report.real)
        lync.migration_log.append({"action": "export", "source": str(source), "counts": summary.get("counts"),
                                   "level": str(args.get("Level") or "All")})
        if target is not None:
            shutil.copyfile(zip_tmp, target.real)
            return []
        return [zip_tmp.read_bytes()]
    finally:
        shutil.rmtree(work, ignore_errors=True)


@cmdlet("Import-CsPersistentChatData", type_name=_IMPORT,
        module=LYNC, default_set="FileName", should_process=True, params=[
    Param("DBInstance", "string", mandatory=True),
    Param("FileName", "string", mandatory=True, sets=("FileName",)),
    Param("ByteInput", "byte[]", mandatory=True, sets=("ByteInput",), from_pipeline=True),   # [DOC] ByValue
    Param("Report", "string"),
])
def import_cs_persistent_chat_data(ctx, args, pipeline):
    lync = authorised(ctx, permissions.PC_ADMIN)
    # [DOC] no -DBName: the Persistent Chat store database of the pool whose back end is on that instance.
    pool = lync.db.pc_pool_of_instance(args["DBInstance"]) or lync.topo.pc_pool
    target_db = database_file(lync, args["DBInstance"], pool.store.database, _IMPORT, ctx)
    report = resolve_output(ctx, args["Report"], _IMPORT) if args.given("Report") else None
    from ...chatdb import migration
    work = Path(tempfile.mkdtemp(prefix="import-", dir=lync.lab.state_dir))
    try:
        if args.given("FileName"):
            source = resolve_input(ctx, args["FileName"], _IMPORT).real
        else:
            source = work / "input.zip"
            source.write_bytes(bytes(args["ByteInput"]))
        whatif = bool(ctx.whatif)
        if not whatif and not ctx.should_process(str(target_db.name), "Import-CsPersistentChatData"):
            return []
        report_tmp = work / "report.html" if report else None
        try:
            result = migration.import_(source, target_db, report_path=report_tmp, whatif=whatif)
        except (ChatDbError, ValueError, KeyError, OSError) as exc:
            raise PSError("Import failed: %s" % exc, "ImportFailed,%s" % _IMPORT, "InvalidData",
                          args.get("FileName")) from None
        take_time(ctx, lync, _rows(result.get("counts")))
        if report:
            shutil.copyfile(report_tmp, report.real)    # [DOC] overwritten if it exists
        for warning in result.get("warnings", []):
            ctx.write_warning("%s: %s" % (warning.get("object"), warning.get("message")))
        for error in result.get("errors", []):
            ctx.write_error(PSError("%s: %s" % (error.get("object"), error.get("message")),
                                    "%s,%s" % (error.get("id", "ImportError"), _IMPORT), "InvalidData",
                                    error.get("object")))
        lync.migration_log.append({"action": "import", "whatif": whatif, "counts": result.get("counts"),
                                   "errors": len(result.get("errors", [])),
                                   "warnings": len(result.get("warnings", []))})
        return []
    finally:
        shutil.rmtree(work, ignore_errors=True)
