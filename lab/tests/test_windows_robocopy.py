"""robocopy over lab paths: exit-code bit mask, restartability, /MIR extras, /L, logs and errors."""
from __future__ import annotations

import os

import pytest

from pchat_lab.lab import Lab, load_topology
from pchat_lab.sink import OutputSink

LEGACY = "\\\\gc01\\GroupChatFiles"
STORE = "\\\\fs01\\LyncShare\\PChatFiles"


@pytest.fixture
def win_lab(tmp_path):
    lab = Lab(load_topology("lync2010"), tmp_path, dataset="small")
    # Start from a known repository, whatever the Lync dataset seeded there.
    repo = lab.host("GC01").drives["E"].root / "GroupChat" / "FileRepository"
    for entry in repo.iterdir():
        if entry.is_dir():
            import shutil
            shutil.rmtree(entry)
        else:
            entry.unlink()
    (repo / "room1").mkdir()
    (repo / "room1" / "a.txt").write_bytes(b"alpha")
    (repo / "room1" / "b.bin").write_bytes(b"\x00" * 100)
    (repo / "top.txt").write_bytes(b"top")
    (repo / "empty").mkdir()
    yield lab
    for backend in lab.backends.values():
        getattr(backend, "stop", lambda: None)()


def robocopy(lab, args: str, host: str = "PC01"):
    sink = OutputSink()
    sink.user, sink.codepage = "lyncadmin", 437
    rc = lab.execute(lab.host(host), "robocopy " + args, sink)
    out, err, _ = sink.take(0)
    assert err == b""                  # robocopy writes everything to stdout
    return rc, out.decode("cp437")


def store(lab):
    return lab.host("FS01").drives["D"].root / "LyncShare" / "PChatFiles"


def test_first_copy_copies_and_a_second_run_copies_nothing(win_lab):
    rc, out = robocopy(win_lab, "%s %s /E /COPY:DAT /R:2 /W:1" % (LEGACY, STORE))
    assert rc == 1
    assert (store(win_lab) / "room1" / "a.txt").read_bytes() == b"alpha"
    assert (store(win_lab) / "empty").is_dir()                       # /E keeps empty folders
    assert "   ROBOCOPY     ::     Robust File Copy for Windows" in out
    assert "   Source : \\\\gc01\\GroupChatFiles\\\r\n" in out
    assert "\t    New File  \t\t       5\ta.txt\r\n" in out
    assert "   Files :         3         3         0         0         0         0\r\n" in out
    rc, out = robocopy(win_lab, "%s %s /E /COPY:DAT /R:2 /W:1" % (LEGACY, STORE))
    assert rc == 0
    assert "   Files :         3         0         3         0         0         0\r\n" in out
    assert "New File" not in out


def test_timestamps_are_kept_so_reruns_compare_equal(win_lab):
    robocopy(win_lab, "%s %s /E" % (LEGACY, STORE))
    source = win_lab.host("GC01").drives["E"].root / "GroupChat" / "FileRepository" / "room1" / "a.txt"
    assert os.stat(source).st_mtime_ns == os.stat(store(win_lab) / "room1" / "a.txt").st_mtime_ns


def test_a_changed_source_file_is_copied_again(win_lab):
    robocopy(win_lab, "%s %s /E" % (LEGACY, STORE))
    source = win_lab.host("GC01").drives["E"].root / "GroupChat" / "FileRepository" / "room1" / "a.txt"
    source.write_bytes(b"alpha, edited")
    os.utime(source, (2_000_000_000, 2_000_000_000))
    rc, out = robocopy(win_lab, "%s %s /E /NJH /NJS" % (LEGACY, STORE))
    assert rc == 1 and "Newer" in out and "ROBOCOPY" not in out and "Total" not in out
    assert (store(win_lab) / "room1" / "a.txt").read_bytes() == b"alpha, edited"


def test_xo_skips_older_source_files(win_lab):
    robocopy(win_lab, "%s %s /E" % (LEGACY, STORE))
    copy = store(win_lab) / "top.txt"
    copy.write_bytes(b"newer at the destination")
    os.utime(copy, (2_000_000_000, 2_000_000_000))
    assert robocopy(win_lab, "%s %s /E /XO" % (LEGACY, STORE))[0] == 0
    assert copy.read_bytes() == b"newer at the destination"


def test_extras_are_reported_and_mir_deletes_them(win_lab):
    robocopy(win_lab, "%s %s /E" % (LEGACY, STORE))
    (store(win_lab) / "stale.txt").write_bytes(b"old")
    (store(win_lab) / "stale-dir").mkdir()
    rc, out = robocopy(win_lab, "%s %s /E" % (LEGACY, STORE))
    assert rc == 2 and "*EXTRA File" in out and (store(win_lab) / "stale.txt").exists()
    rc, out = robocopy(win_lab, "%s %s /MIR" % (LEGACY, STORE))
    assert rc == 2
    assert not (store(win_lab) / "stale.txt").exists() and not (store(win_lab) / "stale-dir").exists()
    assert robocopy(win_lab, "%s %s /MIR" % (LEGACY, STORE))[0] == 0


def test_list_only_changes_nothing(win_lab):
    rc, out = robocopy(win_lab, "%s %s /E /L" % (LEGACY, STORE))
    assert rc == 1 and "New File" in out
    assert not store(win_lab).exists()


def test_without_s_only_the_top_folder_is_copied(win_lab):
    assert robocopy(win_lab, "%s %s" % (LEGACY, STORE))[0] == 1
    assert (store(win_lab) / "top.txt").exists() and not (store(win_lab) / "room1").exists()
    robocopy(win_lab, "%s %s /S" % (LEGACY, STORE))
    assert (store(win_lab) / "room1" / "a.txt").exists() and not (store(win_lab) / "empty").exists()


def test_file_filters_and_exclusions(win_lab):
    robocopy(win_lab, "%s %s *.txt /S /XF top.*" % (LEGACY, STORE))
    assert (store(win_lab) / "room1" / "a.txt").exists()
    assert not (store(win_lab) / "room1" / "b.bin").exists() and not (store(win_lab) / "top.txt").exists()


def test_a_mismatch_is_bit_4(win_lab):
    store(win_lab).mkdir(parents=True)
    (store(win_lab) / "top.txt").mkdir()
    rc, _ = robocopy(win_lab, "%s %s /E" % (LEGACY, STORE))
    assert rc & 4 and rc & 1


def test_a_missing_source_is_fatal(win_lab):
    rc, out = robocopy(win_lab, "\\\\gc01\\GroupChatFiles\\nope %s /E" % STORE)
    assert rc == 16
    assert "ERROR 2 (0x00000002) Accessing Source Directory \\\\gc01\\GroupChatFiles\\nope\\\r\n" in out
    assert "The system cannot find the file specified." in out
    assert robocopy(win_lab, "\\\\nohost\\share %s" % STORE)[0] == 16


def test_invalid_parameter_is_fatal_and_numbered(win_lab):
    rc, out = robocopy(win_lab, "%s %s /E /BOGUS" % (LEGACY, STORE))
    assert rc == 16 and 'ERROR : Invalid Parameter #4 : "/BOGUS"' in out
    assert "Simple Usage :: ROBOCOPY source destination /MIR" in out
    assert robocopy(win_lab, "%s %s /R:x" % (LEGACY, STORE))[1].count('Invalid Parameter #3 : "/R:x"') == 1
    assert robocopy(win_lab, "%s %s /COPY:DATQ" % (LEGACY, STORE))[0] == 16
    assert not store(win_lab).exists()


def test_missing_destination_argument(win_lab):
    rc, out = robocopy(win_lab, LEGACY)
    assert rc == 16 and "No Destination Directory Specified" in out


def test_log_file_replaces_console_output(win_lab):
    rc, out = robocopy(win_lab, "%s %s /E /LOG:C:\\Windows\\Temp\\copy.log /NP" % (LEGACY, STORE))
    assert rc == 1 and out == ""
    log = (win_lab.host("PC01").drives["C"].root / "Windows" / "Temp" / "copy.log").read_text("cp437")
    assert "New File" in log and "Total" in log
    rc, out = robocopy(win_lab, "%s %s /E /LOG+:C:\\Windows\\Temp\\copy.log /TEE" % (LEGACY, STORE))
    assert rc == 0 and "Total" in out
    assert robocopy(win_lab, "%s %s /LOG:C:\\nofolder\\x.log" % (LEGACY, STORE))[0] == 16


def test_copies_between_drives_of_the_same_host(win_lab):
    rc, _ = robocopy(win_lab, "E:\\GroupChat\\FileRepository C:\\Copy /E", host="GC01")
    assert rc == 1
    assert (win_lab.host("GC01").drives["C"].root / "Copy" / "room1" / "b.bin").stat().st_size == 100


def test_quiet_switches(win_lab):
    rc, out = robocopy(win_lab, "%s %s /E /NFL /NDL /NP" % (LEGACY, STORE))
    assert rc == 1 and "New File" not in out and "New Dir" not in out and "Total" in out


def test_full_path_and_time_stamp_logging_options(win_lab):
    # /FP, /TS and /BYTES are documented logging options: accepted, echoed, and they shape the file lines.
    rc, out = robocopy(win_lab, "%s %s /E /FP /TS /BYTES /NP" % (LEGACY, STORE))
    assert rc == 1, out
    assert "Invalid Parameter" not in out
    assert " /TS /FP /NP /BYTES " in out                                  # the Options line
    source = win_lab.host("GC01").drives["E"].root / "GroupChat" / "FileRepository" / "room1" / "a.txt"
    import datetime
    stamp = datetime.datetime.fromtimestamp(source.stat().st_mtime).strftime("%Y/%m/%d %H:%M:%S")
    assert "\t    New File  \t\t       5\t%s\t\\\\gc01\\GroupChatFiles\\room1\\a.txt\r\n" % stamp in out
    # Without them, the line holds the bare name.
    rc, out = robocopy(win_lab, "%s %s\\again /E /NP" % (LEGACY, STORE))
    assert "\t    New File  \t\t       5\ta.txt\r\n" in out


def test_undocumented_logging_switches_stay_invalid(win_lab):
    rc, out = robocopy(win_lab, "%s %s /E /FULLPATH" % (LEGACY, STORE))
    assert rc == 16 and 'ERROR : Invalid Parameter #4 : "/FULLPATH"' in out
    rc, out = robocopy(win_lab, "%s %s /E /TS:1" % (LEGACY, STORE))
    assert rc == 16 and 'ERROR : Invalid Parameter #4 : "/TS:1"' in out
