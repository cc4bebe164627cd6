"""robocopy.exe over lab paths (drives and UNC shares of any lab host).

Copies only what is new or changed (size or last-write time), so a second run copies nothing and
exits 0; /MIR (= /E /PURGE) deletes extras; /L only lists. The exit code is robocopy's bit mask:
1 files copied, 2 extra files or folders seen in the destination, 4 mismatches (a file where the
other side has a folder), 8 copy failures, 16 fatal (bad parameter, missing source, log not opened).
Everything, errors included, goes to stdout as robocopy writes it.
"""
from __future__ import annotations

import datetime as _dt
import os
import shutil
import time
from dataclasses import dataclass, field

from ..powershell.api import PSError
from . import console
from .filesystem import ShareAccessDenied, wildcard_regex

FLAG_SWITCHES = {"S", "E", "MIR", "PURGE", "COPYALL", "NP", "NFL", "NDL", "NJH", "NJS", "TEE", "XO", "XN", "XC",
                 "XX", "XL", "L", "MT", "Z", "B", "ZB", "FFT", "BYTES", "NS", "NC", "IS", "IT", "V", "SEC",
                 "FP", "TS"}      # /FP full path names, /TS source time stamps (documented logging options)
VALUE_SWITCHES = {"COPY", "DCOPY", "R", "W", "LOG", "LOG+", "MT"}
LIST_SWITCHES = {"XF", "XD"}
RULE = "-" * 79
THIN_RULE = "-" * 78
USAGE = ("       Simple Usage :: ROBOCOPY source destination /MIR\r\n\r\n"
         "             source :: Source Directory (drive:\\path or \\\\server\\share\\path).\r\n"
         "        destination :: Destination Dir  (drive:\\path or \\\\server\\share\\path).\r\n"
         "               /MIR :: Mirror a complete directory tree.\r\n\r\n"
         "    For more usage information run ROBOCOPY /?\r\n\r\n\r\n"
         "****  /MIR can DELETE files as well as copy them !\r\n")


class BadParameter(Exception):
    def __init__(self, index: int, text: str):
        super().__init__(text)
        self.index, self.text = index, text


@dataclass
class Options:
    source: str = ""
    dest: str = ""
    files: list = field(default_factory=list)
    flags: set = field(default_factory=set)
    copy: str = "DAT"
    retries: int = 1000000
    wait: int = 30
    log: str = ""
    log_append: bool = False
    exclude_files: list = field(default_factory=list)
    exclude_dirs: list = field(default_factory=list)
    shown: list = field(default_factory=list)      # the options line, as robocopy echoes it

    @property
    def subdirs(self) -> bool:
        return bool({"S", "E", "MIR"} & self.flags)

    @property
    def empty_dirs(self) -> bool:
        return bool({"E", "MIR"} & self.flags)

    @property
    def purge(self) -> bool:
        return bool({"PURGE", "MIR"} & self.flags)

    @property
    def list_only(self) -> bool:
        return "L" in self.flags


def parse(args: list) -> Options:
    options = Options()
    positional: list = []
    pending_list = None
    for index, arg in enumerate(args, 1):
        if not arg.startswith("/"):
            if pending_list is not None:
                pending_list.append(arg)
            else:
                positional.append(arg)
            continue
        pending_list = None
        name, _, value = arg[1:].partition(":")
        key = name.upper()
        if key == "LOG+" or (key == "LOG" and value):
            if not value:
                raise BadParameter(index, arg)
            options.log, options.log_append = value, key == "LOG+"
        elif key in LIST_SWITCHES and not value:
            pending_list = options.exclude_files if key == "XF" else options.exclude_dirs
            options.shown.append("/" + key)
        elif key in ("R", "W"):
            if not value.isdigit():
                raise BadParameter(index, arg)
            setattr(options, "retries" if key == "R" else "wait", int(value))
        elif key in ("COPY", "DCOPY"):
            allowed = "DATSOU" if key == "COPY" else "DAT"
            if not value or any(c not in allowed for c in value.upper()):
                raise BadParameter(index, arg)
            if key == "COPY":
                options.copy = value.upper()
            options.shown.append("/%s:%s" % (key, value.upper()))
        elif key == "MT" and (not value or value.isdigit()):
            options.shown.append(arg.upper())
        elif key in FLAG_SWITCHES and not value:
            options.flags.add(key)
            if key == "COPYALL":
                options.copy = "DATSOU"
            if key == "MIR":
                options.flags.update({"E", "PURGE"})
        else:
            raise BadParameter(index, arg)
    if positional:
        options.source = positional[0]
    if len(positional) > 1:
        options.dest = positional[1]
    options.files = positional[2:] or ["*.*"]
    return options


def _options_line(options: Options) -> str:
    parts = list(options.files)
    order = ["S", "E", "PURGE", "MIR", "L", "XO", "XN", "XC", "XX", "XL", "IS", "IT", "Z", "B", "ZB", "FFT",
             "TS", "FP", "NP", "NFL", "NDL", "NJH", "NJS", "BYTES", "NS", "NC", "TEE", "V"]
    parts += ["/" + f for f in order if f in options.flags]
    parts += options.shown
    if not any(s.startswith("/COPY:") for s in options.shown):
        parts.append("/COPY:%s" % options.copy)
    parts += ["/R:%d" % options.retries, "/W:%d" % options.wait]
    return " ".join(parts) + " "


def _stamp(moment: _dt.datetime) -> str:
    return moment.strftime("%A, %B %d, %Y ") + moment.strftime("%I:%M:%S %p").lstrip("0")


def _size(value: int, exact: bool) -> str:
    """Sizes as robocopy shows them: bytes below 1 KB (or always with /BYTES), else k, m, g."""
    if exact or value < 1024:
        return str(value)
    for unit, scale in (("g", 1024 ** 3), ("m", 1024 ** 2), ("k", 1024)):
        if value >= scale:
            return "%.1f %s" % (value / scale, unit)
    return str(value)


class Totals:
    def __init__(self) -> None:
        self.rows = {kind: {"total": 0, "copied": 0, "skipped": 0, "mismatch": 0, "failed": 0, "extras": 0}
                     for kind in ("Dirs", "Files", "Bytes")}

    def add(self, kind: str, column: str, amount: int = 1) -> None:
        self.rows[kind][column] += amount


class Run:
    def __init__(self, session, options: Options, write) -> None:
        self.session, self.options, self.write = session, options, write
        self.totals = Totals()
        self.started = _dt.datetime.now().replace(microsecond=0)
        self.clock = time.monotonic()
        self.file_patterns = [wildcard_regex(p) for p in options.files]
        self.exclude_files = [wildcard_regex(p) for p in options.exclude_files]
        self.exclude_dirs = [wildcard_regex(p) for p in options.exclude_dirs]

    # --- output ------------------------------------------------------------------------------
    def header(self, source: str, dest: str, separator: str = ":") -> None:
        if "NJH" in self.options.flags:
            return
        self.write("\r\n%s\r\n   ROBOCOPY     ::     Robust File Copy for Windows                              "
                   "\r\n%s\r\n\r\n" % (RULE, RULE))
        self.write("  Started : %s\r\n   Source %s %s\r\n     Dest %s %s\r\n\r\n" % (
            _stamp(self.started), separator, source, separator, dest))
        self.write("    Files : %s\r\n" % "\r\n\t    ".join(self.options.files))
        if self.options.exclude_files:
            self.write("\r\nExc Files : %s\r\n" % "\r\n\t    ".join(self.options.exclude_files))
        if self.options.exclude_dirs:
            self.write("\r\n Exc Dirs : %s\r\n" % "\r\n\t    ".join(self.options.exclude_dirs))
        self.write("\t    \r\n  Options : %s\r\n\r\n%s\r\n\r\n" % (_options_line(self.options), THIN_RULE))

    def dir_line(self, label: str, count: int, path: str) -> None:
        if "NDL" not in self.options.flags:
            self.write("\t%s%8d\t%s\r\n" % (("%-11s" % label) if label else " " * 11, count, path))

    def file_line(self, label: str, size: int, path) -> None:
        """One file: its class, size, (with /TS) last-write time and name (with /FP its full path)."""
        if "NFL" in self.options.flags:
            return
        stamp = ""
        if "TS" in self.options.flags:
            stamp = _dt.datetime.fromtimestamp(os.stat(path.real).st_mtime).strftime("%Y/%m/%d %H:%M:%S") + "\t"
        name = path.display if "FP" in self.options.flags else path.name
        self.write("\t    %-10s\t\t%8s\t%s%s\r\n" % (label, _size(size, "BYTES" in self.options.flags), stamp, name))

    def summary(self) -> None:
        if "NJS" in self.options.flags:
            return
        exact = "BYTES" in self.options.flags
        columns = ("total", "copied", "skipped", "mismatch", "failed", "extras")
        self.write("\r\n%s\r\n\r\n%10s%10s%10s%10s%10s%10s%10s\r\n" % (
            THIN_RULE, "", "Total", "Copied", "Skipped", "Mismatch", "FAILED", "Extras"))
        for kind in ("Dirs", "Files", "Bytes"):
            row = self.totals.rows[kind]
            cells = [(_size(row[c], exact) if kind == "Bytes" else str(row[c])) for c in columns]
            self.write("%8s :%s\r\n" % (kind, "".join("%10s" % c for c in cells)))
        elapsed = int(time.monotonic() - self.clock)
        took = "%d:%02d:%02d" % (elapsed // 3600, elapsed // 60 % 60, elapsed % 60)
        self.write("%8s :%10s%10s%20s%10s%10s\r\n" % ("Times", took, took, "", "0:00:00", "0:00:00"))
        copied = self.totals.rows["Bytes"]["copied"]
        if copied:
            rate = int(copied / max(time.monotonic() - self.clock, 0.001))
            self.write("%8s :%20d Bytes/sec.\r\n" % ("Speed", rate))
            self.write("%8s :%20.3f MegaBytes/min.\r\n" % ("Speed", rate * 60 / 1048576))
        self.write("%8s : %s\r\n\r\n" % ("Ended", _stamp(_dt.datetime.now().replace(microsecond=0))))

    # --- the copy ----------------------------------------------------------------------------
    def wanted(self, name: str) -> bool:
        return any(p.match(name) for p in self.file_patterns) and not any(p.match(name) for p in self.exclude_files)

    def copy_tree(self, source, dest, depth: int = 0) -> None:
        names = sorted(os.listdir(source.real), key=str.lower)
        files = [n for n in names if os.path.isfile(os.path.join(source.real, n)) and self.wanted(n)]
        folders = [n for n in names if os.path.isdir(os.path.join(source.real, n))
                   and not any(p.match(n) for p in self.exclude_dirs)]
        dest_exists = dest.is_dir()
        self.totals.add("Dirs", "total")
        if dest_exists:
            self.totals.add("Dirs", "skipped")
            self.dir_line("", len(files), source.display + "\\")
        else:
            self.totals.add("Dirs", "copied")
            self.dir_line("New Dir", len(files), source.display + "\\")
            if not self.options.list_only:
                os.makedirs(dest.real, exist_ok=True)
        if dest_exists:
            self.extras(source, dest, files, folders)
        for name in files:
            self.copy_file(source.child(name), dest.child(name))
        if self.options.subdirs:
            for name in folders:
                child_src, child_dst = source.child(name), dest.child(name)
                if child_dst.exists() and not child_dst.is_dir():
                    self.totals.add("Dirs", "mismatch")
                    self.dir_line("*MISMATCH", 0, child_src.display + "\\")
                    continue
                if not self.options.empty_dirs and not _has_files(child_src.real):
                    continue
                self.copy_tree(child_src, child_dst, depth + 1)

    def extras(self, source, dest, files: list, folders: list) -> None:
        wanted_files = {n.lower() for n in files}
        all_source = {n.lower() for n in os.listdir(source.real)}
        for name in sorted(os.listdir(dest.real), key=str.lower):
            path = dest.child(name)
            lowered = name.lower()
            if path.is_dir():
                if not self.options.subdirs or lowered in all_source or \
                        any(p.match(name) for p in self.exclude_dirs):
                    continue
                self.totals.add("Dirs", "extras")
                self.dir_line("*EXTRA Dir", -1, path.display + "\\")
                if self.options.purge and not self.options.list_only:
                    shutil.rmtree(path.real)
            else:
                if lowered in wanted_files or lowered in all_source or not self.wanted(name):
                    continue
                size = os.path.getsize(path.real)
                self.totals.add("Files", "extras")
                self.totals.add("Bytes", "extras", size)
                self.file_line("*EXTRA File", size, path)
                if self.options.purge and not self.options.list_only:
                    os.remove(path.real)

    def copy_file(self, source, dest) -> None:
        stat = os.stat(source.real)
        self.totals.add("Files", "total")
        self.totals.add("Bytes", "total", stat.st_size)
        label = "New File"
        if dest.exists():
            if dest.is_dir():
                self.totals.add("Files", "mismatch")
                self.totals.add("Bytes", "mismatch", stat.st_size)
                self.file_line("*Mismatch", stat.st_size, source)
                return
            other = os.stat(dest.real)
            same_time = self._same_time(stat, other)
            if same_time and other.st_size == stat.st_size:
                self.totals.add("Files", "skipped")
                self.totals.add("Bytes", "skipped", stat.st_size)
                return
            if same_time:
                label = "Changed"
            elif stat.st_mtime > other.st_mtime:
                label = "Newer"
            else:
                label = "Older"
                if "XO" in self.options.flags:
                    self.totals.add("Files", "skipped")
                    self.totals.add("Bytes", "skipped", stat.st_size)
                    return
        self.file_line(label, stat.st_size, source)
        if self.options.list_only:
            self.totals.add("Files", "copied")
            self.totals.add("Bytes", "copied", stat.st_size)
            return
        try:
            shutil.copyfile(source.real, dest.real)
            if "T" in self.options.copy:
                os.utime(dest.real, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        except OSError as error:
            when = _dt.datetime.now().strftime("%Y/%m/%d %H:%M:%S")
            self.write("%s ERROR 5 (0x00000005) Copying File %s\r\n%s\r\n" % (when, source.display, error.strerror))
            self.totals.add("Files", "failed")
            self.totals.add("Bytes", "failed", stat.st_size)
            return
        self.totals.add("Files", "copied")
        self.totals.add("Bytes", "copied", stat.st_size)

    def _same_time(self, a, b) -> bool:
        # /FFT: FAT file times have a 2-second granularity.
        if "FFT" in self.options.flags:
            return abs(a.st_mtime - b.st_mtime) <= 2
        return a.st_mtime_ns == b.st_mtime_ns

    def exit_code(self) -> int:
        rows = self.totals.rows
        code = 0
        if rows["Files"]["copied"]:
            code |= 1
        if rows["Files"]["extras"] or rows["Dirs"]["extras"]:
            code |= 2
        if rows["Files"]["mismatch"] or rows["Dirs"]["mismatch"]:
            code |= 4
        if rows["Files"]["failed"] or rows["Dirs"]["failed"]:
            code |= 8
        return code


def _has_files(folder) -> bool:
    for _dirpath, _dirs, files in os.walk(folder):
        if files:
            return True
    return False


def _show(path: str) -> str:
    return path.rstrip("\\") + "\\"


def run(session, args: list, sink) -> int:
    write = lambda text: console.out(sink, text)   # noqa: E731
    try:
        options = parse(args)
    except BadParameter as bad:
        options = Options(files=["*.*"])
        positional = [a for a in args if not a.startswith("/")]
        runner = Run(session, options, write)
        runner.header(_show(positional[0]) if positional else "", _show(positional[1]) if len(positional) > 1
                      else "", separator="-")
        write('ERROR : Invalid Parameter #%d : "%s"\r\n\r\n%s' % (bad.index, bad.text, USAGE))
        return 16
    log_handle = None
    if options.log:
        try:
            log_path = session.host.filesystem.resolve(options.log, session.cwd)
            parent = log_path.parent()
            if parent is None or not parent.is_dir() or log_path.is_dir():
                raise OSError
            log_handle = open(log_path.real, "ab" if options.log_append else "wb")
        except (PSError, OSError):
            write("\r\n%s ERROR 3 (0x00000003) Opening Log File %s\r\nThe system cannot find the path "
                  "specified.\r\n\r\n" % (_dt.datetime.now().strftime("%Y/%m/%d %H:%M:%S"), options.log))
            return 16
        codepage = getattr(sink, "codepage", 437)
        tee = "TEE" in options.flags

        def write(text: str) -> None:   # noqa: F811 - the log replaces the console unless /TEE
            log_handle.write(console.encode(text, codepage))
            if tee:
                console.out(sink, text)
    try:
        return _run(session, options, write)
    finally:
        if log_handle is not None:
            log_handle.close()


def _run(session, options: Options, write) -> int:
    runner = Run(session, options, write)
    if not options.source:
        runner.header("", "", separator="-")
        write("ERROR : No Source Directory Specified.\r\n\r\n" + USAGE)
        return 16
    if not options.dest:
        runner.header(_show(options.source), "", separator="-")
        write("ERROR : No Destination Directory Specified.\r\n\r\n" + USAGE)
        return 16
    fs = session.host.filesystem
    denied = set()     # "Source"/"Destination" on another server's share without credentials (second hop)
    try:
        source = fs.resolve(options.source, session.cwd)
    except ShareAccessDenied:
        source = None
        denied.add("Source")
    except PSError:
        source = None
    try:
        dest = fs.resolve(options.dest, session.cwd)
    except ShareAccessDenied:
        dest = None
        denied.add("Destination")
    except PSError:
        dest = None
    runner.header(_show(source.display if source else options.source),
                  _show(dest.display if dest else options.dest))
    when = runner.started.strftime("%Y/%m/%d %H:%M:%S")
    for which in ("Source", "Destination"):
        if which in denied:
            write("%s ERROR 5 (0x00000005) Accessing %s Directory %s\r\nAccess is denied.\r\n" % (
                when, which, _show(options.source if which == "Source" else options.dest)))
            return 16
    if source is None or not source.is_dir():
        code, text = ((267, "The directory name is invalid.") if source is not None and source.exists()
                      else (2, "The system cannot find the file specified."))
        write("%s ERROR %d (0x%08X) Accessing Source Directory %s\r\n%s\r\n" % (
            when, code, code, _show(source.display if source else options.source), text))
        return 16
    if dest is None or (dest.exists() and not dest.is_dir()):
        write("%s ERROR 3 (0x00000003) Accessing Destination Directory %s\r\nThe system cannot find the path "
              "specified.\r\n" % (when, _show(options.dest)))
        return 16
    runner.copy_tree(source, dest)
    runner.summary()
    return runner.exit_code()
