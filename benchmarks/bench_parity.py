"""Parity and readiness on the ``large`` dataset (>= 5,000,000 messages, 10,000 rooms) against bare
queries, as ratios measured in one run. Figures are printed; nothing is asserted.

    .venv/bin/python benchmarks/bench_parity.py [--workdir DIR] [--profile large] [--repeat 3]

The databases are made once per work folder with the lab's library (seed, export, import: ~2 minutes
for large) and reused by later runs. Then, each timed ``--repeat`` times (best kept, warm page cache):
- bare: ``SELECT channelId, COUNT(*), SUM(LENGTH(content)) FROM tblChat GROUP BY channelId`` on both, one
  after the other (the issue's yardstick; the ratios are to it) and, for comparison, both at once in two
  threads, as parity reads them;
- parity with messages=fingerprint, =digest and =count (module_utils.parity_compare.compare), each in a
  child process whose peak RSS is reported; with ``--baseline CHECKOUT`` also the digest of another checkout
  of the collection (before and after a change, side by side at the same load);
- readiness (module_utils.readiness_checks.check, no message scan) against one scan of tblNode and the
  role tables (tblPrincipalRole, tblScopePrincipal) through the same ODBC driver;
- preflight's read of the legacy database (module_utils.legacy_db.read_database with list_items=false, as
  roles/preflight runs legacy_info: counts, one pass over tblChat) against the bare GROUP BY on the legacy
  database alone.
Targets (issues): parity by count and fingerprint <= 1.5x bare, by digest <= 5x bare, peak memory < 200 MB;
readiness <= 1.2x the scan; preflight's read <= 1.5x its bare GROUP BY.
The machine's load average is printed before and after, and the 1-minute figure beside each result (at the
end of its best run): parity reads both databases at once, so other work on the machine weighs on it more
than on the bare query, which runs on one core.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BARE = "SELECT channelId, COUNT(*), SUM(LENGTH(content)) FROM tblChat GROUP BY channelId"
SCAN = ("SELECT nodeID, nodeGuid, parentID, nodeType, nodeName, nodeDesc, topic, invite, logged, filePost, disabled,"
        " behavior, visibility, siopID FROM tblNode",
        "SELECT prinRoleNodeID, prinRolePrinID, prinRoleTypeID FROM tblPrincipalRole",
        "SELECT scopeNodeID, scopePrinID, scopeIsDenied FROM tblScopePrincipal")


def odbc(path):
    # As the lab writes them, plus StepAPI=1, which the modules add (module_utils.chat_queries.streaming).
    return "Driver=SQLite3;Database=%s;BigInt=1;StepAPI=1" % path


def collection_path(repo=REPO):
    """A collections folder in which ansible_collections.lync.persistent_chat is ``repo`` (this repository
    unless another checkout is given)."""
    root = Path(tempfile.mkdtemp(prefix="bench-collections-"))
    (root / "ansible_collections" / "lync").mkdir(parents=True)
    (root / "ansible_collections" / "lync" / "persistent_chat").symlink_to(Path(repo).resolve())
    return root


def install_finder(root):
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
    _AnsibleCollectionFinder(paths=[str(root)])._install()


def make_databases(workdir, profile):
    legacy, mgc = workdir / "groupchat.db", workdir / "mgc.db"
    done = workdir / ("%s.done" % profile)
    if done.exists():
        return legacy, mgc, json.loads(done.read_text())
    sys.path.insert(0, str(REPO / "lab"))
    from pchat_lab.chatdb import datasets, migration
    times = {}
    start = time.perf_counter()
    summary = datasets.seed({"legacy": legacy, "mgc": mgc}, profile)
    times["seed"] = time.perf_counter() - start
    start = time.perf_counter()
    migration.export(legacy, workdir / "export.zip")
    times["export"] = time.perf_counter() - start
    start = time.perf_counter()
    report = migration.import_(workdir / "export.zip", mgc)
    times["import"] = time.perf_counter() - start
    (workdir / "export.zip").unlink()
    facts = {"rooms": summary["legacy"]["rooms"], "messages": summary["legacy"]["messages"],
             "imported": report["counts"]["messages_imported"], "times": times}
    done.write_text(json.dumps(facts))
    return legacy, mgc, facts


def both_at_once(connections, statement):
    threads = [threading.Thread(target=lambda c=c: c.cursor().execute(statement).fetchall()) for c in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def load():
    return "load average %.2f %.2f %.2f on %d cores" % (os.getloadavg() + (os.cpu_count() or 0,))


def best(function, repeat):
    times = []
    for _attempt in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def child(args):
    """Run one measured operation in this process (called in a child) and print its time and peak RSS."""
    install_finder(Path(args.collections))
    from ansible_collections.lync.persistent_chat.plugins.module_utils import legacy_db, parity_compare, readiness_checks
    from ansible_collections.lync.persistent_chat.plugins.module_utils.sql import SQLClient
    legacy, target = SQLClient(odbc(args.legacy)), SQLClient(odbc(args.mgc))
    start, cpu = time.perf_counter(), time.process_time()
    if args.child == "readiness":
        result, _facts = readiness_checks.check(legacy)
        outcome = {"findings": len(result.findings)}
    elif args.child == "preflight":
        outcome = {"messages": legacy_db.read_database(legacy, list_items=False)["counts"]["messages"]}
    else:
        result = parity_compare.compare(legacy, target, messages=args.child)
        outcome = {"passed": result["passed"], "differences": result["differences_total"],
                   "messages": result["counts"]["messages_target"]}
    elapsed = time.perf_counter() - start
    outcome.update(seconds=elapsed, cpu=time.process_time() - cpu,
                   peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                   load=os.getloadavg()[0])
    print(json.dumps(outcome))
    return 0


def measure_child(kind, legacy, mgc, collections, repeat):
    runs = []
    for _attempt in range(repeat):
        out = subprocess.run([sys.executable, __file__, "--child", kind, "--legacy", str(legacy), "--mgc", str(mgc),
                              "--collections", str(collections)], capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    fastest = min(runs, key=lambda run: run["seconds"])
    fastest["peak_mb"] = max(run["peak_mb"] for run in runs)
    return fastest


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "pchat-bench-parity"))
    parser.add_argument("--profile", default="large")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["parity", "readiness"], help="run one half only")
    parser.add_argument("--baseline", metavar="CHECKOUT",
                        help="another checkout of the collection (e.g. a worktree of main): its parity by digest "
                             "is measured in the same run, interleaved, as 'digest@baseline'")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--legacy", help=argparse.SUPPRESS)
    parser.add_argument("--mgc", help=argparse.SUPPRESS)
    parser.add_argument("--collections", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    workdir = Path(args.workdir) / args.profile
    workdir.mkdir(parents=True, exist_ok=True)
    legacy, mgc, facts = make_databases(workdir, args.profile)
    print("dataset %s: %d rooms, %d messages (%d imported); seed %.0fs, export %.0fs, import %.0fs" % (
        args.profile, facts["rooms"], facts["messages"], facts["imported"], facts["times"]["seed"],
        facts["times"]["export"], facts["times"]["import"]), flush=True)
    import pyodbc
    print(load(), flush=True)
    collections = collection_path()
    connections = [pyodbc.connect(odbc(path), autocommit=True) for path in (legacy, mgc)]

    # Bare query and candidates are interleaved, best of --repeat each, so that load from other processes
    # on the machine weighs on both sides of each ratio alike.
    if args.only != "readiness":
        bare, bare_together, runs = [], [], {}
        modes = ("count", "fingerprint", "digest")
        roots = {mode: collections for mode in modes}
        if args.baseline:
            modes += ("digest@baseline",)
            roots["digest@baseline"] = collection_path(args.baseline)
        bare_cpu = []
        for attempt in range(args.repeat):
            cpu = time.process_time()
            bare.append(best(lambda: [c.cursor().execute(BARE).fetchall() for c in connections], 1))
            bare_cpu.append(time.process_time() - cpu)
            bare_together.append(best(lambda: both_at_once(connections, BARE), 1))
            for mode in modes:
                runs.setdefault(mode, []).append(measure_child(mode.split("@", maxsplit=1)[0], legacy, mgc, roots[mode], 1))
        bare = min(bare)
        print("bare GROUP BY over both databases: %.2fs (best of %d; CPU %.2fs); both at once in two threads: "
              "%.2fs" % (bare, args.repeat, min(bare_cpu), min(bare_together)), flush=True)
        for mode in modes:
            run = min(runs[mode], key=lambda item: item["seconds"])
            print("parity messages=%-15s %6.2fs  ratio %5.2fx (%5.2fx of both at once)  peak %5.0f MB  passed=%s "
                  "differences=%d messages=%d  load %.2f  CPU %.2fs (%.2fx the bare's)" % (
                      mode, run["seconds"], run["seconds"] / bare, run["seconds"] / min(bare_together),
                      max(r["peak_mb"] for r in runs[mode]), run["passed"], run["differences"], run["messages"],
                      run["load"], run["cpu"], run["cpu"] / min(bare_cpu)), flush=True)

    if args.only != "parity":
        legacy_connection = connections[0]
        scans, runs, bares, preflights = [], [], [], []
        for attempt in range(args.repeat):
            scans.append(best(lambda: [legacy_connection.cursor().execute(q).fetchall() for q in SCAN], 1))
            runs.append(measure_child("readiness", legacy, mgc, collections, 1))
            bares.append(best(lambda: legacy_connection.cursor().execute(BARE).fetchall(), 1))
            preflights.append(measure_child("preflight", legacy, mgc, collections, 1))
        scan, run = min(scans), min(runs, key=lambda item: item["seconds"])
        print("scan of tblNode and the role tables: %.2fs (best of %d)" % (scan, args.repeat))
        print("readiness (no message scan)    %6.2fs  ratio %5.2fx  peak %5.0f MB  findings=%d  load %.2f" % (
            run["seconds"], run["seconds"] / scan, max(r["peak_mb"] for r in runs), run["findings"], run["load"]),
            flush=True)
        bare, run = min(bares), min(preflights, key=lambda item: item["seconds"])
        print("bare GROUP BY over the legacy database: %.2fs (best of %d)" % (bare, args.repeat))
        print("preflight's database read      %6.2fs  ratio %5.2fx  peak %5.0f MB  messages=%d  load %.2f" % (
            run["seconds"], run["seconds"] / bare, max(r["peak_mb"] for r in preflights), run["messages"],
            run["load"]), flush=True)
    print(load(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
