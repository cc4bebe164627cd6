"""The collection as shipped: `ansible-galaxy collection build` makes a tarball without the lab and the
development files, `ansible-galaxy collection install` puts it into an empty collections path, and from
outside the repository (no ansible.cfg, no .collections link) ansible-doc, an ad hoc module and a stage
playbook run by FQCN from that installed copy, the last two against the session's lab. And
`ansible-builder create` accepts execution-environment.yml with that tarball (no container engine needed)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile

import pytest

from conftest import BIN, INVENTORY, REPO, _env

# Lab-only and development files: none may be in the tarball.
NOT_SHIPPED = ("lab/", "playbooks/lab.yml", "inventories/lab/", "molecule/", "tests/integration/", "benchmarks/",
               "scripts/", ".ci/", ".ansible-lint", ".gitignore", "requirements-dev.txt", "constraints.txt",
               "constraints-oldest.txt", "ansible.cfg", ".venv", ".collections/", ".lab-state/", "reports/",
               "tests/sanity/run.sh", ".git/")
# What a user of the collection needs: all of it must be there.
SHIPPED = ("meta/runtime.yml", "README.md", "requirements.txt", "bindep.txt", "execution-environment.yml",
           "plugins/modules/readiness.py", "plugins/action/readiness.py", "plugins/plugin_utils/pchat_action.py",
           "plugins/module_utils/winrm.py", "plugins/doc_fragments/connection.py", "roles/preflight/tasks/main.yml",
           "playbooks/preflight.yml", "playbooks/migrate.yml", "inventories/example/hosts.yml",
           "changelogs/changelog.yaml", "tests/unit/plugins/modules/test_readiness.py")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(tarball, environment that sees only the installed copy, a working folder outside the repository)."""
    root = tmp_path_factory.mktemp("shipped")
    outside = root / "work"
    outside.mkdir()
    env = {key: value for key, value in _env().items() if not key.startswith("ANSIBLE_")}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(root / "collections"), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
               ANSIBLE_HOME=str(root / "ansible-home"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_HOST_KEY_CHECKING="false", ANSIBLE_RETRY_FILES_ENABLED="false")
    build = subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(root), str(REPO)],
                           cwd=outside, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert build.returncode == 0, build.stdout + build.stderr
    tarball = next(root.glob("lync-persistent_chat-*.tar.gz"))
    install = subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "-p",
                              str(root / "collections"), str(tarball)],
                             cwd=outside, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert install.returncode == 0, install.stdout + install.stderr
    return tarball, env, outside


def run(installed, *argv):
    _tarball, env, outside = installed
    return subprocess.run([str(BIN / argv[0]), *argv[1:]], cwd=outside, env=env, capture_output=True, text=True,
                          timeout=900, check=False)


def test_the_tarball_has_the_collection_and_no_lab_or_development_files(installed):
    with tarfile.open(installed[0]) as tarball:
        names = [member.name + ("/" if member.isdir() else "") for member in tarball.getmembers()]
    leaked = [name for name in names for prefix in NOT_SHIPPED if name == prefix or name.startswith(prefix)]
    assert leaked == []
    assert [name for name in SHIPPED if name not in names] == []


def test_ansible_doc_reads_the_installed_copy(installed):
    done = run(installed, "ansible-doc", "--json", "lync.persistent_chat.readiness")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)["lync.persistent_chat.readiness"]["doc"]
    collections = installed[1]["ANSIBLE_COLLECTIONS_PATH"]
    assert doc["filename"] == os.path.join(collections, "ansible_collections/lync/persistent_chat/plugins/modules/readiness.py")
    assert "query" in doc["options"]


def test_an_ad_hoc_module_by_fqcn_against_the_lab(installed, lab):
    done = run(installed, "ansible", "-i", str(INVENTORY), "pchat_frontend", "-o", "-m",
               "lync.persistent_chat.pool_info", "-e", "pchat_lab_state_dir=%s" % lab.state_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    status, payload = done.stdout.split(" | ", 1)[1].split(" => ", 1)
    assert status == "SUCCESS" and "pcpool.contoso.local" in [pool["PoolFqdn"] for pool in json.loads(payload)["pools"]]


@pytest.mark.slow(minutes=1)
def test_a_stage_playbook_by_fqcn_against_the_lab(installed, lab, tmp_path):
    done = run(installed, "ansible-playbook", "-i", str(INVENTORY), "lync.persistent_chat.preflight",
               "-e", "pchat_lab_state_dir=%s" % lab.state_dir, "-e", "pchat_ledger_dir=%s" % tmp_path,
               "-e", "pchat_report_dir=%s" % (tmp_path / "report"))
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "failed=0" in done.stdout
    # The roles ran from the installed copy: the playbook's own path is there, not in the repository.
    assert str(REPO) not in done.stdout
    assert json.loads((tmp_path / "lab.json").read_text())["stages"]["preflight"]["status"] == "done"


def test_ansible_builder_accepts_the_execution_environment(installed, tmp_path):
    """The build context an image would be made from: the repository's EE definition and requirement files,
    the tarball where the definition takes it from (.build/, as `ansible-galaxy collection build
    --output-path .build` leaves it)."""
    for name in ("execution-environment.yml", "requirements.txt", "bindep.txt"):
        shutil.copy(REPO / name, tmp_path / name)
    (tmp_path / ".build").mkdir()
    shutil.copy(installed[0], tmp_path / ".build")
    done = run(installed, "ansible-builder", "create", "-f", str(tmp_path / "execution-environment.yml"),
               "--context", str(tmp_path / "context"), "--output-filename", "Containerfile")
    assert done.returncode == 0, done.stdout + done.stderr
    context = tmp_path / "context"
    containerfile = (context / "Containerfile").read_text()
    assert 'ANSIBLE_INSTALL_REFS="ansible-core>=2.16,<2.20 ansible-runner' in containerfile
    assert "ansible-galaxy collection install --offline -p /usr/share/ansible/collections" in containerfile
    assert (context / "_build" / "requirements.txt").read_text() == (REPO / "requirements.txt").read_text()
    assert "msodbcsql18 [platform:rpm]" in (context / "_build" / "bindep.txt").read_text()
    assert (context / "_build" / "collections" / installed[0].name).read_bytes() == installed[0].read_bytes()
