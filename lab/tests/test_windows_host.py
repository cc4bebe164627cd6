"""The Windows host model: topology loading (strict about keys) and path resolution that never leaves
the lab's folders."""
from __future__ import annotations

import copy
import os

import pytest

from pchat_lab.lab import Lab, load_topology
from pchat_lab.windows.filesystem import DriveNotFound, InvalidPath, PathNotFound
from pchat_lab.windows.host import GB, SimHost, TopologyError


@pytest.fixture
def win_lab(tmp_path):
    lab = Lab(load_topology("lync2010"), tmp_path, dataset="small")
    yield lab
    for backend in lab.backends.values():
        getattr(backend, "stop", lambda: None)()


def _broken(mutate) -> dict:
    topology = copy.deepcopy(load_topology("lync2010"))
    mutate(topology["hosts"][2])
    return topology


# --- topology ------------------------------------------------------------------------------------
def test_hosts_come_from_the_topology(win_lab):
    gc01 = win_lab.host("gc01.contoso.local")
    assert gc01 is win_lab.host("GC01")
    assert gc01.os_caption == "Microsoft Windows Server 2008 R2 Enterprise"
    assert gc01.os_version == "6.1.7601" and gc01.service_pack == 1
    assert sorted(gc01.drives) == ["C", "E"]
    assert gc01.drives["E"].size == 100 * GB and gc01.drives["E"].free == 75 * GB
    assert gc01.shares["groupchatfiles"].path == "E:\\GroupChat\\FileRepository"
    assert (gc01.drives["E"].root / "GroupChat" / "FileRepository").is_dir()
    assert gc01.services["winrm"].status == "Running"
    assert gc01.local_groups["Administrators"] == ["CONTOSO\\Domain Admins"]


def test_each_drive_is_a_folder_of_the_state_dir(win_lab, tmp_path):
    fs01 = win_lab.host("FS01")
    assert fs01.drives["D"].root == tmp_path / "hosts" / "FS01" / "D"
    assert (tmp_path / "hosts" / "FS01" / "C" / "Windows" / "Temp").is_dir()


@pytest.mark.parametrize("mutate, key", [
    (lambda h: h.update(colour="blue"), "'colour'"),
    (lambda h: h["drives"][0].update(sizegb=1), "'sizegb'"),
    (lambda h: h["services"][0].update(startup="Automatic"), "'startup'"),
    (lambda h: h["shares"][0].update(share_path="E:\\x"), "'share_path'"),
])
def test_an_unknown_key_fails_loudly_and_names_the_key(tmp_path, mutate, key):
    with pytest.raises(TopologyError) as raised:
        Lab(_broken(mutate), tmp_path)
    assert key in str(raised.value) and "GC01" in str(raised.value)


@pytest.mark.parametrize("mutate, text", [
    (lambda h: h["services"][0].update(status="Sleeping"), "Sleeping"),
    (lambda h: h["services"][0].update(start_type="Sometimes"), "Sometimes"),
    (lambda h: h["drives"][0].update(filesystem="ext4"), "ext4"),
    (lambda h: h["drives"][0].update(free_gb=500), "free_gb"),
    (lambda h: h["shares"][0].update(path="Q:\\nowhere"), "not on a drive"),
    (lambda h: h["shares"][0].update(path="E:\\..\\x"), ".."),
    (lambda h: h.update(drives=[{"letter": "D", "size_gb": 1, "free_gb": 1}]), "C drive"),
])
def test_invalid_values_fail_loudly(tmp_path, mutate, text):
    with pytest.raises(TopologyError) as raised:
        Lab(_broken(mutate), tmp_path)
    assert text in str(raised.value)


def test_services_can_be_added_at_run_time_and_are_case_insensitive(win_lab):
    host = win_lab.host("PC01")
    host.add_service("RTCTEST", "Test service", "Stopped", "Manual", depends_on=["MSMQ"])
    assert host.services["rtctest"].display_name == "Test service"
    assert [s.name for s in host.services["MSMQ"].dependent_services()] == ["RTCTEST"]
    obj = host.services["RTCTEST"].to_psobject()
    assert obj["Status"] == "Stopped" and obj["Status"].value == 1
    assert obj["StartType"] == "Manual" and obj["StartType"].value == 3
    assert obj.type_names[0] == "System.ServiceProcess.ServiceController"
    with pytest.raises(TopologyError):
        host.add_service("BAD", status="Exploded")


def test_environment_of_a_winrm_user(win_lab):
    env = win_lab.host("FE01").env("CONTOSO\\lyncadmin")
    assert env["COMPUTERNAME"] == "FE01" and env["USERNAME"] == "lyncadmin"
    assert env["USERDOMAIN"] == "CONTOSO" and env["PROCESSOR_ARCHITECTURE"] == "AMD64"
    assert env["TEMP"] == "C:\\Users\\lyncadmin\\AppData\\Local\\Temp"


def test_free_space_drops_when_the_lab_writes(win_lab):
    drive = win_lab.host("FS01").drives["D"]
    before = drive.free
    (drive.root / "LyncShare" / "blob.bin").write_bytes(b"x" * 4096)
    assert drive.free == before - 4096


# --- path resolution -----------------------------------------------------------------------------
@pytest.mark.parametrize("text, shown, tail", [
    ("C:\\Users", "C:\\Users", "C/Users"),
    ("c:/users", "C:\\Users", "C/Users"),                       # case-insensitive, actual case shown
    ("C:\\Windows\\..\\Users\\.\\Public", "C:\\Users\\Public", "C/Users/Public"),
    ("E:", "E:\\", "E"),
    ("Documents", "C:\\Users\\lyncadmin\\Documents", "C/Users/lyncadmin/Documents"),
    ("\\Windows", "C:\\Windows", "C/Windows"),
    ("C:Documents", "C:\\Users\\lyncadmin\\Documents", "C/Users/lyncadmin/Documents"),
    ("FileSystem::C:\\Windows", "C:\\Windows", "C/Windows"),
])
def test_windows_paths_map_into_the_drive_folders(win_lab, tmp_path, text, shown, tail):
    path = win_lab.host("GC01").filesystem.resolve(text, "C:\\Users\\lyncadmin")
    assert path.display == shown
    assert path.real == tmp_path / "hosts" / "GC01" / tail


@pytest.mark.parametrize("text, host, tail", [
    ("\\\\fs01\\LyncShare\\x", "FS01", "D/LyncShare/x"),
    ("\\\\FS01.contoso.local\\lyncshare", "FS01", "D/LyncShare"),
    ("//gc01/GroupChatFiles/a/b", "GC01", "E/GroupChat/FileRepository/a/b"),
    ("\\\\sql01\\F$\\Backups", "SQL01", "F/Backups"),
    ("\\\\localhost\\C$\\Windows", "GC01", "C/Windows"),
])
def test_unc_paths_reach_shares_of_any_lab_host(win_lab, tmp_path, text, host, tail):
    path = win_lab.host("GC01").filesystem.resolve(text)
    assert path.real == tmp_path / "hosts" / host / tail


@pytest.mark.parametrize("text, error", [
    ("C:\\..\\..\\etc\\passwd", PathNotFound),
    ("C:\\Windows\\..\\..\\x", PathNotFound),
    ("\\\\fs01\\LyncShare\\..\\Backups", PathNotFound),          # not even to a sibling share
    ("\\\\fs01\\D$\\..\\..\\..", PathNotFound),
    ("\\\\nohost\\C$\\x", PathNotFound),
    ("\\\\fs01\\NoSuchShare\\x", PathNotFound),
    ("\\\\fs01\\Z$\\x", PathNotFound),
    ("Q:\\x", DriveNotFound),
    ("C:\\a\\b:c", InvalidPath),
    ("C:\\a|b", InvalidPath),
    ("C:\\a\x00b", InvalidPath),
])
def test_escapes_and_unknown_places_fail_with_powershell_errors(win_lab, text, error):
    with pytest.raises(error) as raised:
        win_lab.host("FS01").filesystem.resolve(text, command="Get-Item")
    assert raised.value.category in ("ObjectNotFound", "InvalidArgument")
    if error is PathNotFound:
        assert raised.value.message.startswith("Cannot find path '")
        assert raised.value.message.endswith("' because it does not exist.")
        assert raised.value.error_id == "PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand"


def test_a_linux_absolute_path_stays_on_the_current_drive(win_lab, tmp_path):
    path = win_lab.host("FS01").filesystem.resolve("/etc/passwd")
    assert path.display == "C:\\etc\\passwd"
    assert tmp_path in path.real.parents and not path.exists()


def test_a_symlink_out_of_the_lab_is_not_followed(win_lab, tmp_path):
    host = win_lab.host("FS01")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    os.symlink(outside, host.drives["D"].root / "LyncShare" / "link")
    os.symlink(outside / "secret.txt", host.drives["C"].root / "secret.txt")
    for text in ("D:\\LyncShare\\link", "D:\\LyncShare\\link\\secret.txt", "\\\\fs01\\LyncShare\\link\\new.txt",
                 "C:\\secret.txt"):
        with pytest.raises(PathNotFound):
            host.filesystem.resolve(text)


def test_a_symlink_inside_the_drive_is_allowed(win_lab):
    host = win_lab.host("FS01")
    os.symlink(host.drives["D"].root / "Backups", host.drives["D"].root / "LyncShare" / "to-backups")
    assert host.filesystem.resolve("D:\\LyncShare\\to-backups").is_dir()
    # ...but through a share it may not reach outside the share's own folder.
    with pytest.raises(PathNotFound):
        host.filesystem.resolve("\\\\fs01\\LyncShare\\to-backups")


def test_wildcards_expand_case_insensitively(win_lab):
    fs = win_lab.host("GC01").filesystem
    names = [p.display for p in fs.expand("c:\\USERS\\*\\appdata")]
    assert names == ["C:\\Users\\lyncadmin\\AppData", "C:\\Users\\readonly\\AppData"]
    assert [p.display for p in fs.expand("C:\\Prog*")] == ["C:\\Program Files", "C:\\Program Files (x86)",
                                                            "C:\\ProgramData"]
    assert fs.expand("C:\\nothing*") == []


def test_from_topology_builds_one_host_without_a_lab_reset(win_lab):
    spec = copy.deepcopy(load_topology("lync2010")["hosts"][0])
    spec["name"] = "EXTRA01"
    spec.pop("fqdn")
    host = SimHost.from_topology(spec, win_lab)
    assert host.fqdn == "extra01.contoso.local"
    assert host.drives["C"].root.is_dir()


@pytest.mark.parametrize("name", ["lync2010", "ocs2007r2"])
def test_every_ready_made_topology_loads(tmp_path, name):
    lab = Lab(load_topology(name), tmp_path, dataset="small")
    try:
        for host in lab.hosts.values():
            assert host.drives["C"].root.is_dir()
            for share in host.shares.values():
                assert host.filesystem.resolve("\\\\%s\\%s" % (host.name, share.name)).is_dir()
    finally:
        for backend in lab.backends.values():
            getattr(backend, "stop", lambda: None)()


# --- property: whatever the path, it lands inside the lab's host folders or fails ---------------------
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

COMPONENTS = st.sampled_from(["..", ".", "Users", "users", "LyncShare", "link", "x", "C$", "D$", "fs01", "nohost",
                              "", "a b", "..\\..", "/", "~", "etc", "passwd"])
PREFIXES = st.sampled_from(["", "C:\\", "c:", "D:/", "\\", "/", "\\\\fs01\\", "\\\\FS01.contoso.local\\",
                            "\\\\gc01\\", "//sql01/", "FileSystem::", "Q:\\", "\\\\nohost\\"])


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(prefix=PREFIXES, parts=st.lists(COMPONENTS, max_size=8), separator=st.sampled_from(["\\", "/"]))
def test_no_path_resolves_outside_the_lab(win_lab, tmp_path, prefix, parts, separator):
    host = win_lab.host("FS01")
    link = host.drives["D"].root / "LyncShare" / "link"
    if not link.exists():
        os.symlink(tmp_path.parent, link)            # a trap: points outside the lab
    text = prefix + separator.join(parts)
    try:
        path = host.filesystem.resolve(text, "C:\\Users\\lyncadmin")
    except (PathNotFound, DriveNotFound, InvalidPath):
        return
    hosts_root = os.path.realpath(tmp_path / "hosts")
    assert os.path.realpath(path.real).startswith(hosts_root + os.sep)
