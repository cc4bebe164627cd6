"""Export/Import, SQL backups and background traffic of the Lync backend, cmdlets called directly."""
from __future__ import annotations

import time

import pytest

from pchat_lab.chatdb import datasets
from pchat_lab.lab import Lab
from pchat_lab.powershell.api import PSError, PSListModifier

from conftest import lync_topology
from test_lync_backend import run

GC = "sql01.contoso.local\\GROUPCHAT"
RTC = "sql01.contoso.local\\RTC"


def _export(lab, **extra):
    params = dict(DBInstance=GC, DBName="GroupChat", FileName="D:\\Backups\\gc.zip")
    params.update(extra)
    return run(lab, "Export-CsPersistentChatData", host="FS01", **params)


def test_export_writes_the_zip_and_report_on_the_host(lync_lab):
    _export(lync_lab, Report="D:\\Backups\\export.html")
    root = lync_lab.host("FS01").drives["D"].root / "Backups"
    assert (root / "gc.zip").stat().st_size > 0
    assert "<html" in (root / "export.html").read_text(encoding="utf-8").lower()


def test_export_without_dbname_looks_for_mgc_on_the_legacy_instance(lync_lab):
    with pytest.raises(PSError, match='Cannot open database "mgc"'):
        run(lync_lab, "Export-CsPersistentChatData", host="FS01", DBInstance=GC, FileName="D:\\Backups\\gc.zip")


def test_export_to_unknown_instance_or_missing_folder_fails(lync_lab):
    with pytest.raises(PSError, match="network-related"):
        _export(lync_lab, DBInstance="sql02.contoso.local\\GC")
    with pytest.raises(PSError, match="Could not find a part of the path"):
        _export(lync_lab, FileName="D:\\NoSuchFolder\\gc.zip")


def test_import_whatif_changes_nothing_then_import_migrates(lync_lab):
    _export(lync_lab)
    mgc = lync_lab.backends["lync"].db.mgc_path
    before = datasets.digest(mgc)
    _, ctx = run(lync_lab, "Import-CsPersistentChatData", host="FS01", whatif=True, DBInstance=RTC,
                 FileName="D:\\Backups\\gc.zip", Report="D:\\Backups\\whatif.html")
    assert datasets.digest(mgc) == before
    assert ctx.warnings, "the small dataset carries an invitation conflict that must be reported"
    assert (lync_lab.host("FS01").drives["D"].root / "Backups" / "whatif.html").is_file()
    run(lync_lab, "Import-CsPersistentChatData", host="FS01", DBInstance=RTC, FileName="D:\\Backups\\gc.zip")
    assert datasets.digest(mgc) != before
    rooms, _ = run(lync_lab, "Get-CsPersistentChatRoom")
    assert len(rooms) >= 5
    categories, _ = run(lync_lab, "Get-CsPersistentChatCategory")
    assert any("_" in c["Name"] for c in categories)      # nested categories were flattened


def test_presenters_only_on_auditorium_rooms_after_import(lync_lab):
    _export(lync_lab)
    run(lync_lab, "Import-CsPersistentChatData", host="FS01", DBInstance=RTC, FileName="D:\\Backups\\gc.zip")
    rooms, _ = run(lync_lab, "Get-CsPersistentChatRoom", Type="Normal")
    room = rooms[0]
    principal = (room["Members"] + room["Managers"])[0]
    with pytest.raises(PSError, match="Auditorium"):
        run(lync_lab, "Set-CsPersistentChatRoom", Identity=room["Identity"],
            Presenters=PSListModifier(add=[principal]))


def test_import_into_the_legacy_instance_is_refused(lync_lab):
    _export(lync_lab)
    with pytest.raises(PSError, match='Cannot open database "mgc"'):
        run(lync_lab, "Import-CsPersistentChatData", host="FS01", DBInstance=GC, FileName="D:\\Backups\\gc.zip")


def test_export_as_bytes_then_import_bytes(lync_lab):
    data, _ = run(lync_lab, "Export-CsPersistentChatData", DBInstance=GC, DBName="GroupChat", AsBytes=True)
    assert isinstance(data[0], bytes) and data[0][:2] == b"PK"
    run(lync_lab, "Import-CsPersistentChatData", DBInstance=RTC, ByteInput=data[0])
    assert run(lync_lab, "Get-CsPersistentChatAddin")[0]


def test_export_takes_time_in_proportion_to_rows(tmp_path):
    lab = Lab(lync_topology(rows_per_second=2000), tmp_path, dataset="small")
    try:
        started = time.monotonic()
        _export(lab)
        assert time.monotonic() - started >= 0.15          # ~380 rows at 2000 rows/s
    finally:
        lab.backends["lync"].stop()


# ------------------------------------------------------------------------------------------ traffic

def test_traffic_follows_the_running_channel_service(tmp_path):
    lab = Lab(lync_topology(legacy_rate=100.0, pc_rate=100.0), tmp_path, dataset="small")
    lync = lab.backends["lync"]
    try:
        lync.ticker.stop()                          # drive it by hand: deterministic
        assert lync.ticker.step(0.05) == 5          # legacy posts; PC has no rooms yet
        assert lync.ticker.posted == {"legacy": 5, "persistent_chat": 0}
        lab.host("GC01").services["GroupChatChannel"].status = "Stopped"
        assert lync.ticker.step(1.0) == 0
        _export(lab)
        run(lab, "Import-CsPersistentChatData", host="FS01", DBInstance=RTC, FileName="D:\\Backups\\gc.zip")
        assert lync.ticker.step(0.05) == 5
        assert lync.ticker.posted["persistent_chat"] == 5
        run(lab, "Stop-CsWindowsService", host="PC01")
        assert lync.ticker.step(1.0) == 0
    finally:
        lync.stop()


def test_traffic_thread_posts_to_the_legacy_database(tmp_path):
    lab = Lab(lync_topology(legacy_rate=40.0), tmp_path, dataset="small")
    lync = lab.backends["lync"]
    try:
        deadline = time.monotonic() + 5
        while lync.ticker.posted["legacy"] < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lync.ticker.posted["legacy"] >= 3, lync.ticker.describe()
    finally:
        lync.stop()


# ------------------------------------------------------------------------------------------ SQL

def test_backup_verify_restore(lync_lab):
    run(lync_lab, "Backup-SqlDatabase", host="SQL01", ServerInstance=[GC], Database="GroupChat",
        BackupFile="F:\\gc.bak", CopyOnly=True, Checksum=True, CompressionOption="On")
    _, ctx = run(lync_lab, "Invoke-Sqlcmd", host="SQL01", ServerInstance=GC,
                 Query="RESTORE VERIFYONLY FROM DISK = N'F:\\gc.bak' WITH CHECKSUM")
    assert "valid" in ctx.verbose[-1]
    with pytest.raises(PSError, match="tail of the log"):
        run(lync_lab, "Restore-SqlDatabase", host="SQL01", ServerInstance=[GC], Database="GroupChat",
            BackupFile=["F:\\gc.bak"])
    run(lync_lab, "Restore-SqlDatabase", host="SQL01", ServerInstance=[GC], Database="GroupChat",
        BackupFile=["F:\\gc.bak"], ReplaceDatabase=True)


def test_verifyonly_detects_a_damaged_backup(lync_lab):
    run(lync_lab, "Invoke-Sqlcmd", host="SQL01", ServerInstance=GC,
        Query="BACKUP DATABASE [GroupChat] TO DISK = N'F:\\gc2.bak' WITH COPY_ONLY, CHECKSUM")
    path = lync_lab.host("SQL01").drives["F"].root / "gc2.bak"
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(PSError, match="RESTORE detected an error"):
        run(lync_lab, "Invoke-Sqlcmd", host="SQL01", ServerInstance=GC,
            Query="RESTORE VERIFYONLY FROM DISK = N'F:\\gc2.bak' WITH CHECKSUM")


def test_invoke_sqlcmd_reads_but_refuses_writes(lync_lab):
    rows, _ = run(lync_lab, "Invoke-Sqlcmd", ServerInstance=GC, Database="GroupChat",
                  Query="SELECT COUNT(*) AS Rooms FROM dbo.tblNode WITH (NOLOCK) WHERE nodeType = 0")
    assert rows[0]["Rooms"] == 10
    for query in ("DELETE FROM tblNode", "SELECT 1; DROP TABLE tblNode", "UPDATE tblNode SET nodeName='x'"):
        with pytest.raises(PSError, match="does not run"):
            run(lync_lab, "Invoke-Sqlcmd", ServerInstance=GC, Database="GroupChat", Query=query)


def test_sql_refused_while_the_instance_service_is_stopped(lync_lab):
    lync_lab.host("SQL01").services["MSSQL$GROUPCHAT"].status = "Stopped"
    with pytest.raises(PSError, match="Failed to connect"):
        run(lync_lab, "Backup-SqlDatabase", ServerInstance=[GC], Database="GroupChat")


def test_reset_forgets_restored_databases_and_reseeds(lync_lab):
    run(lync_lab, "Backup-SqlDatabase", host="SQL01", ServerInstance=[GC], Database="GroupChat",
        BackupFile="F:\\gc.bak")
    run(lync_lab, "Restore-SqlDatabase", host="SQL01", ServerInstance=[GC], Database="GroupChatCopy",
        BackupFile=["F:\\gc.bak"])
    copy = lync_lab.backends["lync"].db.path(GC, "GroupChatCopy")
    assert copy.is_file()
    lync_lab.backends["lync"].stop()
    lync_lab.reset()
    assert not copy.is_file()
    assert lync_lab.backends["lync"].db.legacy_path.is_file()


def test_export_of_the_2013_database_mgc_works_and_imports(lync_lab):
    # [DOC §3.1, Export-CsPersistentChatData help] "-DBName: SQL instance name of the Persistent Chat
    # database" with mgc as the default, and the 2013 example
    # `Export-CsPersistentChatData -DBInstance "atl-sql-001.litwareinc.com\rtc" -FileName "C:\PersistentChatExport.zip"`
    # exports the 2013 store itself; [DOC BK] such an export is restored with Import-CsPersistentChatData.
    _export(lync_lab)
    run(lync_lab, "Import-CsPersistentChatData", host="FS01", DBInstance=RTC, FileName="D:\\Backups\\gc.zip")
    rooms_before = {r["Name"]: r["Members"] for r in run(lync_lab, "Get-CsPersistentChatRoom")[0]}
    run(lync_lab, "Export-CsPersistentChatData", host="FS01", DBInstance=RTC,
        FileName="D:\\Backups\\pc.zip", Report="D:\\Backups\\pc-export.html")
    assert (lync_lab.host("FS01").drives["D"].root / "Backups" / "pc.zip").stat().st_size > 0
    _, ctx = run(lync_lab, "Import-CsPersistentChatData", host="FS01", DBInstance=RTC,
                 FileName="D:\\Backups\\pc.zip")
    assert not ctx.errors
    assert {r["Name"]: r["Members"] for r in run(lync_lab, "Get-CsPersistentChatRoom")[0]} == rooms_before
