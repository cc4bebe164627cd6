"""Two pools migrated in parallel against one after the other: playbooks/migrate.yml on inventories/lab-two-pools
(the lab's lync2010-two-pools topology: two Group Chat pools, two Persistent Chat pools), once with --forks 2
(both migrations at once) and once with --forks 1 (the same tasks, one host at a time), in one run of this
script against one lab reset between the runs. Printed; nothing is asserted.

    .venv/bin/python benchmarks/bench_multi_pool.py [--dataset small|standard] [--rows-per-second 5000]
                                                    [--rounds 1] [--workdir DIR] [--keep]

The lab keeps the topology's simulated Export/Import transfer rate (lync.migration.rows_per_second, 5000 rows/s
unless --rows-per-second says otherwise): on real servers most of a migration is waiting for them, which is what
running the pools side by side overlaps. Each run has its own ledger and report folders; the lab is reset
(reseeded) before each. Printed: each run's wall time, its outcome and each migration's stages, the machine's
load average before, during (mean and max, sampled every second) and after each run, and the ratio
serial / parallel. With --rounds N the two orders alternate (parallel first in odd rounds) so that neither
always runs on a warmer or busier machine.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
import lab_ports  # noqa: E402  (the integration tests' free-port search)
from bench_migration import load_text, take_lab_exports  # noqa: E402  (the same lab start-up and load line)

MIGRATIONS = ("lab-pool1", "lab-pool2")
STAGES = ("preflight", "readiness", "backup", "pool_configuration", "cutover", "verify", "enable_users",
          "decommission")


class LoadSampler(threading.Thread):
    """The 1-minute load average every second while a run lasts."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples, self.stopped = [], threading.Event()

    def run(self):
        while not self.stopped.is_set():
            self.samples.append(os.getloadavg()[0])
            self.stopped.wait(1.0)

    def text(self):
        samples = self.samples or [0.0]
        return "load mean %.2f, max %.2f" % (sum(samples) / len(samples), max(samples))


def start_lab(args, workdir, environment):
    source = REPO / "lab" / "pchat_lab" / "topologies" / "lync2010-two-pools.yaml"
    topology = yaml.safe_load(source.read_text(encoding="utf-8"))
    topology["lync"]["migration"] = {"rows_per_second": args.rows_per_second}
    topology_file = workdir / "topology.yaml"
    topology_file.write_text(yaml.safe_dump(topology), encoding="utf-8")
    state = workdir / "lab"
    subprocess.run(["pchat-lab", "up", "--topology", str(topology_file), "--dataset", args.dataset,
                    "--state-dir", str(state), "--kerberos", "on"], env=environment, check=True,
                   stdout=subprocess.DEVNULL)
    take_lab_exports(state, environment)
    return state


def reset_lab(state):
    """Back to the seeded data (both pools), as before the first run."""
    info = json.loads((state / "lab.json").read_text(encoding="utf-8"))
    request = urllib.request.Request(info["control_url"].rstrip("/") + "/reset", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        response.read()


def run_migration(workdir, state, environment, forks, label):
    folder = workdir / label
    ledger, report = folder / "ledger", folder / "report"
    report.mkdir(parents=True, exist_ok=True)
    environment = dict(environment, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), PCHAT_LAB_STATE_DIR=str(state),
                       PCHAT_REPORT_DIR=str(report))
    reset_lab(state)
    before = load_text()
    sampler = LoadSampler()
    sampler.start()
    with open(folder / "playbook.log", "wb") as output:
        started = time.perf_counter()
        code = subprocess.run(["ansible-playbook", "-i", "inventories/lab-two-pools", "playbooks/migrate.yml",
                               "--forks", str(forks), "-e", "pchat_ledger_dir=%s" % ledger], cwd=REPO,
                              env=environment, stdout=output, stderr=subprocess.STDOUT, check=False).returncode
        wall = time.perf_counter() - started
    sampler.stopped.set()
    sampler.join()
    stages = {}
    for migration in MIGRATIONS:
        path = ledger / ("%s.json" % migration)
        book = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"stages": {}}
        stages[migration] = [book["stages"].get(stage, {}).get("status") or "-" for stage in STAGES]
    return dict(label=label, forks=forks, code=code, wall=wall, before=before, during=sampler.text(),
                after=load_text(), stages=stages, log=folder / "playbook.log")


def print_run(run):
    outcome = "passed" if run["code"] == 0 else "FAILED (rc %d, %s)" % (run["code"], run["log"])
    print("%-9s --forks %d  %7.1f s  %s" % (run["label"], run["forks"], run["wall"], outcome))
    print("          before: %s; during: %s; after: %s" % (run["before"], run["during"], run["after"]))
    for migration, statuses in run["stages"].items():
        done = sum(1 for status in statuses if status == "done")
        print("          %s: %d/%d stages done%s" % (migration, done, len(STAGES),
                                                     "" if done == len(STAGES) else " (%s)" % " ".join(statuses)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="small", choices=["small", "standard"])
    parser.add_argument("--rows-per-second", type=float, default=5000.0,
                        help="the lab's simulated Export/Import transfer rate (the topology's 5000; 0: only real work)")
    parser.add_argument("--rounds", type=int, default=1, help="parallel and serial runs of each kind")
    parser.add_argument("--workdir", help="where the lab, ledgers and reports go (default: a new temporary folder)")
    parser.add_argument("--keep", action="store_true", help="leave the lab running and the work folder in place")
    args = parser.parse_args()

    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="pchat-bench-multi-pool-"))
    workdir.mkdir(parents=True, exist_ok=True)
    explicit = lab_ports.explicit_offset()
    offset = explicit if explicit is not None else lab_ports.claim_offset(lab_ports.search_from())
    environment = dict(os.environ, PCHAT_LAB_PORT_OFFSET=str(offset))
    environment["PATH"] = "%s:%s" % (REPO / ".venv" / "bin", environment.get("PATH", ""))
    print("two pools (lync2010-two-pools), dataset %s each; lab transfer rate %g rows/s; ports offset %d; %s" % (
        args.dataset, args.rows_per_second, offset, workdir), flush=True)
    print("before: %s" % load_text(), flush=True)
    state, runs = None, []
    try:
        state = start_lab(args, workdir, environment)
        for round_number in range(1, args.rounds + 1):
            order = [(2, "parallel"), (1, "serial")]
            for forks, kind in (order if round_number % 2 else order[::-1]):
                run = run_migration(workdir, state, environment, forks, "%s-%d" % (kind, round_number))
                print_run(run)
                runs.append(run)
                sys.stdout.flush()
    finally:
        if state is not None and not args.keep:
            subprocess.run(["pchat-lab", "down", "--state-dir", str(state)], env=environment, check=False,
                           stdout=subprocess.DEVNULL)
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    parallel = [r["wall"] for r in runs if r["forks"] == 2 and r["code"] == 0]
    serial = [r["wall"] for r in runs if r["forks"] == 1 and r["code"] == 0]
    if parallel and serial:
        best_parallel, best_serial = min(parallel), min(serial)
        print()
        print("two pools: parallel (--forks 2) %.1f s, serial (--forks 1) %.1f s: serial / parallel = %.2fx "
              "(best of %d each)" % (best_parallel, best_serial, best_serial / best_parallel, len(parallel)))
    else:
        print("no comparison: a run failed (see its playbook.log)")
    print("after: %s" % load_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
