"""SQL Server backup files of the lab's databases: a header line, a JSON metadata line, then the SQLite
database (gzip-compressed with COMPRESSION). ``verify`` is RESTORE VERIFYONLY: the header must parse and,
with CHECKSUM, the page checksum (sha256 here) must match. Not SQL Server's MTF format [ASSUMED]."""
from __future__ import annotations

import datetime as _dt
import gzip
import hashlib
import json
import shutil
import sqlite3
import tempfile
from pathlib import Path

MAGIC = b"PCHATLAB-SQLBAK/1\n"


class BackupError(ValueError):
    """SQL Server's refusal, with its message number."""

    def __init__(self, number: int, message: str):
        super().__init__(message)
        self.number = number


def snapshot(db_path: Path) -> bytes:
    """A consistent copy of a live SQLite database (others may be writing)."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "copy.db"
        src = sqlite3.connect(str(db_path), timeout=30)
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return target.read_bytes()


def write_backup(db_path: Path, database: str, server_instance: str, target: Path, copy_only: bool,
                 checksum: bool, compression: bool, init: bool) -> dict:
    payload = snapshot(db_path)
    meta = {"database": database, "server": server_instance, "copy_only": copy_only,
            "compressed": compression, "checksum": hashlib.sha256(payload).hexdigest() if checksum else None,
            "backup_finish_date": _dt.datetime.now().isoformat(timespec="seconds"), "size": len(payload)}
    body = gzip.compress(payload) if compression else payload
    # Without INIT SQL Server appends a backup set; the lab keeps only the newest set [ASSUMED], so
    # ``init`` changes nothing here.
    with open(target, "wb") as handle:
        handle.write(MAGIC)
        handle.write(json.dumps(meta).encode("utf-8") + b"\n")
        handle.write(body)
    return meta


def read_backup(path: Path) -> tuple:
    """(metadata, database bytes); BackupError 3241 when the file is not a backup the lab wrote."""
    data = Path(path).read_bytes()
    if not data.startswith(MAGIC):
        raise BackupError(3241, "The media family on device '%s' is incorrectly formed. SQL Server cannot "
                                "process this media family." % path)
    rest = data[len(MAGIC):]
    line, _, body = rest.partition(b"\n")
    try:
        meta = json.loads(line.decode("utf-8"))
        payload = gzip.decompress(body) if meta.get("compressed") else body
    except (ValueError, OSError):
        raise BackupError(3241, "The media family on device '%s' is incorrectly formed. SQL Server cannot "
                                "process this media family." % path) from None
    return meta, payload


def verify(path: Path, with_checksum: bool) -> dict:
    meta, payload = read_backup(path)
    if with_checksum and meta.get("checksum") is None:
        raise BackupError(3187, "RESTORE WITH CHECKSUM cannot be specified because the backup set does not "
                                "contain checksum information.")
    if meta.get("checksum") and hashlib.sha256(payload).hexdigest() != meta["checksum"]:
        raise BackupError(3183, "RESTORE detected an error on page (1:1) in database \"%s\" as read from the "
                                "backup set." % meta.get("database"))
    if len(payload) != meta.get("size", len(payload)):
        raise BackupError(3203, "Read on \"%s\" failed: 38(Reached the end of the file.)" % path)
    return meta


def restore(path: Path, target_db: Path) -> dict:
    meta, payload = read_backup(path)
    if meta.get("checksum") and hashlib.sha256(payload).hexdigest() != meta["checksum"]:
        raise BackupError(3183, "RESTORE detected an error on page (1:1) in database \"%s\" as read from the "
                                "backup set." % meta.get("database"))
    target_db.parent.mkdir(parents=True, exist_ok=True)
    tmp = target_db.with_suffix(".restoring")
    tmp.write_bytes(payload)
    for suffix in ("-journal", "-wal", "-shm"):
        Path(str(target_db) + suffix).unlink(missing_ok=True)
    shutil.move(str(tmp), str(target_db))
    return meta
