"""A symlink inside a share that points at an ancestor of the lab must not let a path that does not
exist yet (one New-Item would create) resolve outside the lab's folders."""
from __future__ import annotations

import os

import pytest

from pchat_lab.lab import Lab, load_topology
from pchat_lab.windows.filesystem import PathNotFound


@pytest.fixture
def lab(tmp_path):
    lab = Lab(load_topology("lync2010"), tmp_path / "state", dataset="small")
    yield lab
    for backend in lab.backends.values():
        getattr(backend, "stop", lambda: None)()


def test_a_missing_path_under_a_symlink_to_an_ancestor_is_not_found(lab, tmp_path):
    host = lab.host("FS01")
    os.symlink(tmp_path, host.drives["D"].root / "LyncShare" / "link")
    with pytest.raises(PathNotFound):
        host.filesystem.resolve("\\\\fs01\\LyncShare\\link\\Users", "C:\\")
    with pytest.raises(PathNotFound):
        host.filesystem.resolve("D:\\LyncShare\\link\\new\\file.txt", "C:\\")


def test_a_share_folder_not_made_yet_still_resolves(lab):
    host = lab.host("FS01")
    path = host.filesystem.resolve("D:\\NewFolder\\file.txt", "C:\\")
    assert not path.exists() and str(path.real).startswith(str(host.drives["D"].root))
