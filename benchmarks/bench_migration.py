"""The whole migration (playbooks/migrate.yml) against a lab of its own, with figures per stage. Printed; nothing
is asserted.

    .venv/bin/python benchmarks/bench_migration.py [--dataset large|standard|small] [--rows-per-second 0]
                                                   [--workdir DIR] [--keep] [--browser]

It starts its own lab (a copy of the lync2010 topology with the simulated transfer rate
``lync.migration.rows_per_second`` set to --rows-per-second, default 0: the lab then does only its real work;
its own state folder; a free window of ports, or PCHAT_LAB_PORT_OFFSET when exported), runs migrate.yml with its
own ledger and report folders, stops the lab, and prints per stage:

- wall: the stage's play, first task to the next play (the ledger's own start and finish, second resolution,
  beside it);
- lab: the lab's own work on the WinRM commands of the stage (the request log's ``seconds`` per Command, their
  union), of which ``paced`` seconds imitated the transfer rate;
- odbc: the tasks of modules that read the databases over ODBC on the controller (parity, readiness,
  legacy_info, data_export's check of its report); the lab's SQL instances are SQLite files the module reads
  itself, so that time is the database's work as the controller sees it (module start-up included, ~1 s a task);
- overhead: wall minus the union of lab and odbc time - what the controller spends templating, starting
  modules, recording - and its share of the work (target: under 10 %);
- round trips: WinRM requests the lab answered (Create, Command, Send, Receive, Signal, Delete, and the 401
  challenges of authentication), commands among them;
- peak: the controller's peak memory, the ansible-playbook process tree's summed RSS sampled every 0.25 s
  (target: under 300 MB); the largest single process's own peak (VmHWM) is printed at the end.

Then the tasks with the most overhead, how many tasks ran and how many of them ran a module of the collection
(each module run pays a fixed cost; those whose action plugin runs the module's logic in its own process are
counted apart), the report's size (and with --browser its load time in headless Chromium against a blank page),
and the machine's load average before, during and after the run.

With ``--baseline CHECKOUT`` (a directory holding another checkout of the collection, or a git revision of this
repository, exported with ``git archive``) the same migration also runs with that code, against the same lab
reset in between, alternately (``--rounds N``: this checkout first in odd rounds), and both figures are printed
side by side with their ratio and the load during each run.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
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
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO / "tests" / "integration"))
import lab_ports  # noqa: E402  (the integration tests' free-port search)

STAGES = ("preflight", "readiness", "backup", "pool_configuration", "cutover", "verify", "enable_users",
          "decommission", "report")
# Modules whose work is reading the databases over ODBC on the controller.
ODBC_ACTIONS = {"parity", "readiness", "legacy_info", "data_export"}
MIGRATION = "lab"


def load():
    return os.getloadavg()[0]


def load_text():
    return "load average %.2f %.2f %.2f on %d cores" % (os.getloadavg() + (os.cpu_count() or 0,))


# -- the controller's memory -------------------------------------------------------------------------
def _children():
    """{parent pid: [child pids]} of every process visible in /proc."""
    tree = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(name))
    return tree


def _memory_mb(pid):
    """(VmRSS, VmHWM) of the process in MB: its resident memory now and at its peak."""
    found = {}
    try:
        with open("/proc/%d/status" % pid, encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    found[line[:5]] = int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return found.get("VmRSS", 0.0), found.get("VmHWM", 0.0)


class Sampler(threading.Thread):
    """Every ``every`` seconds: (time, summed RSS of the process tree under ``pid``, load average); and the
    highest peak (VmHWM) any single process of the tree reached."""

    def __init__(self, pid, every=0.25):
        super().__init__(daemon=True)
        self.pid, self.every, self.samples, self.largest = pid, every, [], 0.0
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            tree, pids, total = _children(), [self.pid], 0.0
            while pids:
                pid = pids.pop()
                rss, peak = _memory_mb(pid)
                total += rss
                self.largest = max(self.largest, peak)
                pids.extend(tree.get(pid, []))
            self.samples.append((time.time(), total, load()))
            self.stopped.wait(self.every)


# -- intervals ---------------------------------------------------------------------------------------
def union_seconds(intervals, start, end):
    """Seconds of [start, end) covered by the union of the intervals."""
    clipped = sorted((max(a, start), min(b, end)) for a, b in intervals if b > start and a < end)
    total, reach = 0.0, start
    for a, b in clipped:
        a = max(a, reach)
        if b > a:
            total += b - a
            reach = b
    return total


def stage_of(play_name):
    head = play_name.split(" - ")[0].strip().lower().replace(" ", "_")
    return "report" if head == "write_the_migration_report" else head


def plays_and_tasks(events):
    """[(stage, start, end)] of the plays and [(stage, name, action, start, end)] of the tasks: each runs until
    the next one starts (the linear strategy runs one task at a time)."""
    plays, tasks, stage = [], [], None
    for index, event in enumerate(events):
        following = events[index + 1]["time"] if index + 1 < len(events) else event["time"]
        if event["kind"] == "play":
            stage = stage_of(event["name"])
            plays.append([stage, event["time"], None])
        elif event["kind"] == "task":
            tasks.append((stage, event["name"], event["action"].rsplit(".", 1)[-1], event["time"], following))
        if event["kind"] in ("play", "end") and len(plays) > 1 and plays[-2][2] is None:
            plays[-2][2] = event["time"]
        if event["kind"] == "end" and plays and plays[-1][2] is None:
            plays[-1][2] = event["time"]
    return [tuple(p) for p in plays], tasks


# -- the lab -----------------------------------------------------------------------------------------
def lab_topology(workdir, rows_per_second):
    source = REPO / "lab" / "pchat_lab" / "topologies" / "lync2010.yaml"
    topology = yaml.safe_load(source.read_text(encoding="utf-8"))
    topology.setdefault("lync", {})["migration"] = {"rows_per_second": rows_per_second}
    path = workdir / "topology.yaml"
    path.write_text(yaml.safe_dump(topology), encoding="utf-8")
    return path, topology


def lab_environment(workdir, offset):
    environment = dict(os.environ, PCHAT_LAB_PORT_OFFSET=str(offset))
    environment["PATH"] = "%s:%s" % (REPO / ".venv" / "bin", environment.get("PATH", ""))
    return environment


def start_lab(args, workdir, environment):
    topology_file, _topology = lab_topology(workdir, args.rows_per_second)
    state = workdir / "lab"
    # Up with the small dataset (pchat-lab up waits a minute at most), then seeded through the control
    # endpoint, which waits as long as seeding takes (large: ~30 s on an idle machine).
    subprocess.run(["pchat-lab", "up", "--topology", str(topology_file), "--dataset", "small",
                    "--state-dir", str(state), "--kerberos", "on"], env=environment, check=True,
                   stdout=subprocess.DEVNULL)
    started = time.perf_counter()
    subprocess.run(["pchat-lab", "seed", "--profile", args.dataset, "--state-dir", str(state)], env=environment,
                   check=True, stdout=subprocess.DEVNULL)
    seeded = time.perf_counter() - started
    take_lab_exports(state, environment)
    return state, seeded


def take_lab_exports(state, environment):
    """`pchat-lab env`'s exports (KRB5_CONFIG, KRB5CCNAME...) of the lab in ``state``, into ``environment``."""
    exports = subprocess.run(["pchat-lab", "env", "--state-dir", str(state)], env=environment, check=True,
                             capture_output=True, text=True).stdout
    for line in exports.splitlines():
        if line.startswith("export "):
            name, _sep, value = shlex.split(line[len("export "):])[0].partition("=")
            environment[name] = value


def lab_log(state):
    """Every WinRM operation the lab answered (its control endpoint's /log)."""
    info = json.loads((state / "lab.json").read_text(encoding="utf-8"))
    with urllib.request.urlopen(info["control_url"].rstrip("/") + "/log", timeout=300) as response:
        return json.loads(response.read())


# -- the run -----------------------------------------------------------------------------------------
def collections_folder(root, folder):
    """A collections folder in ``folder`` in which ansible_collections.lync.persistent_chat is ``root``."""
    namespace = folder / "collections" / "ansible_collections" / "lync"
    namespace.mkdir(parents=True, exist_ok=True)
    link = namespace / "persistent_chat"
    if not link.exists():
        link.symlink_to(Path(root).resolve())
    return folder / "collections"


def run_playbook(workdir, state, environment, root=REPO):
    """migrate.yml of the checkout ``root`` (its playbooks, roles and plugins; this checkout's lab and venv)."""
    ledger, report = workdir / "ledger", workdir / "report"
    times = workdir / "task-times.jsonl"
    environment = dict(environment, ANSIBLE_CONFIG=str(Path(root) / "ansible.cfg"), PCHAT_LAB_STATE_DIR=str(state),
                       PCHAT_REPORT_DIR=str(report), BENCH_TASK_TIMES=str(times),
                       ANSIBLE_COLLECTIONS_PATH=str(collections_folder(root, workdir)),
                       ANSIBLE_CALLBACK_PLUGINS=str(HERE / "callback_plugins"),
                       ANSIBLE_CALLBACKS_ENABLED="bench_task_times")
    report.mkdir(parents=True, exist_ok=True)
    with open(workdir / "playbook.log", "wb") as output:
        started = time.time()
        process = subprocess.Popen(["ansible-playbook", "-i", "inventories/lab", "playbooks/migrate.yml",
                                    "-e", "pchat_ledger_dir=%s" % ledger], cwd=str(root), env=environment,
                                   stdout=output, stderr=subprocess.STDOUT)
        sampler = Sampler(process.pid)
        sampler.start()
        code = process.wait()
        sampler.stopped.set()
        sampler.join()
    events = [json.loads(line) for line in times.read_text(encoding="utf-8").splitlines() if line.strip()]
    book = json.loads((ledger / ("%s.json" % MIGRATION)).read_text(encoding="utf-8"))
    return dict(code=code, started=started, finished=time.time(), events=events, ledger=book, report=report,
                samples=sampler.samples, largest_mb=sampler.largest)


def _ledger_time(text):
    return time.mktime(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def ledger_seconds(book, stage):
    found = book.get("stages", {}).get(stage) or {}
    if not found.get("started") or not found.get("finished"):
        return None
    return _ledger_time(found["finished"]) - _ledger_time(found["started"])


def module_runs(events, root=REPO):
    """(tasks that ran, of which module runs of the collection, of which in the action plugin's process): a
    task skipped on its host ran nothing; an include or set_fact is no module of the collection."""
    ran = [e for e in events if e["kind"] == "result" and e["status"] != "skipped"]
    ours = [e["action"].rsplit(".", 1)[-1] for e in ran if e["action"].startswith("lync.persistent_chat.")]
    ours = [name for name in ours if (Path(root) / "plugins" / "modules" / (name + ".py")).is_file()]

    return len(ran), len(ours), sum(1 for name in ours if runs_in_process(root, name))


def runs_in_process(root, name):
    """Whether the action plugin of module ``name``, in the checkout ``root``, runs the module in its own process:
    InProcessActionModule (ledger, lock, judged_parity), or PchatActionModule where it runs them in process (the
    WinRM and ODBC modules unless their action plugin turns it off: by default from IN_PROCESS_BY_DEFAULT on,
    unless PCHAT_MODULES_IN_PROCESS=0 in this environment, which the runs inherit; before, with
    PCHAT_MODULES_IN_PROCESS=1)."""
    action = Path(root) / "plugins" / "action" / (name + ".py")
    if not action.is_file():
        return False
    text = action.read_text(encoding="utf-8")
    if "InProcessActionModule" in text:
        return True
    base = Path(root) / "plugins" / "plugin_utils" / "pchat_action.py"
    if not base.is_file() or "IN_PROCESS = False" in text:
        return False
    base_text = base.read_text(encoding="utf-8")
    setting = os.environ.get("PCHAT_MODULES_IN_PROCESS", "").strip().lower()
    if "IN_PROCESS_BY_DEFAULT = True" in base_text:
        return setting not in ("0", "false", "no", "off")
    return "IN_PROCESS = True" in base_text or ("PCHAT_MODULES_IN_PROCESS" in base_text and setting == "1")


def seconds_by_action(events):
    """{action's short name: (tasks, seconds)}: each task runs until the next event (task start, play or end)."""
    timed = [e for e in events if e["kind"] != "result"]
    found = {}
    for index, event in enumerate(timed[:-1]):
        if event["kind"] == "task":
            name = event["action"].rsplit(".", 1)[-1]
            count, seconds = found.get(name, (0, 0.0))
            found[name] = (count + 1, seconds + timed[index + 1]["time"] - event["time"])
    return found


def in_process_names(root=REPO):
    """The modules whose action plugin, in the checkout ``root``, runs their logic in its own process."""
    return sorted(path.stem for path in (Path(root) / "plugins" / "action").glob("*.py")
                  if runs_in_process(root, path.stem))


def figures(run, log):
    commands = [(e["time"], e["time"] + (e.get("seconds") or 0.0), e.get("paced_seconds") or 0.0)
                for e in log if e["action"] == "Command"]
    plays, tasks = plays_and_tasks([e for e in run["events"] if e["kind"] != "result"])
    odbc = [(start, end) for _stage, _name, action, start, end in tasks if action in ODBC_ACTIONS]
    rows = []
    for stage, start, end in plays:
        lab = union_seconds([(a, b) for a, b, _p in commands], start, end)
        paced = sum(p for a, _b, p in commands if start <= a < end)
        odbc_time = union_seconds(odbc, start, end)
        work = union_seconds([(a, b) for a, b, _p in commands] + odbc, start, end)
        wall = end - start
        memory = [rss for at, rss, _load in run["samples"] if start <= at <= end] or [0.0]
        rows.append(dict(stage=stage, wall=wall, ledger=ledger_seconds(run["ledger"], stage), lab=lab, paced=paced,
                         odbc=odbc_time, work=work, overhead=wall - work,
                         trips=sum(1 for e in log if start <= e["time"] < end),
                         commands=sum(1 for a, _b, _p in commands if start <= a < end), peak=max(memory)))
    worst = []
    for stage, name, action, start, end in tasks:
        work = union_seconds([(a, b) for a, b, _p in commands] + odbc, start, end)
        worst.append((end - start - work, end - start, stage, name, action))
    worst.sort(reverse=True)
    return rows, worst


def print_figures(rows, worst, run, log, args):
    print("%-18s %8s %7s %8s %7s %8s %9s %7s %7s %6s %8s" % (
        "stage", "wall s", "ledger", "lab s", "paced", "odbc s", "overhead", "of work", "trips", "cmds", "peak MB"))
    for row in rows:
        share = "%6.1f%%" % (100.0 * row["overhead"] / row["work"]) if row["work"] else "     -"
        print("%-18s %8.1f %7s %8.1f %7.1f %8.1f %9.1f %7s %7d %6d %8.0f" % (
            row["stage"], row["wall"], "-" if row["ledger"] is None else "%.0f" % row["ledger"], row["lab"],
            row["paced"], row["odbc"], row["overhead"], share, row["trips"], row["commands"], row["peak"]))
    total = {key: sum(row[key] for row in rows) for key in ("wall", "lab", "paced", "odbc", "work", "overhead")}
    print("%-18s %8.1f %7s %8.1f %7.1f %8.1f %9.1f %6.1f%% %7d %6d %8.0f" % (
        "whole run", total["wall"], "", total["lab"], total["paced"], total["odbc"], total["overhead"],
        100.0 * total["overhead"] / total["work"] if total["work"] else 0.0, len(log),
        sum(1 for e in log if e["action"] == "Command"), max([s[1] for s in run["samples"]] or [0.0])))
    print("targets: overhead under 10 %% of the work (%s); controller peak under 300 MB (%s); "
          "largest single controller process %.0f MB" % (
              "met" if total["overhead"] < 0.1 * total["work"] else "NOT met",
              "met" if max([s[1] for s in run["samples"]] or [0.0]) < 300 else "NOT met", run["largest_mb"]))
    print("\ntasks with the most overhead (task wall minus lab and odbc work inside it):")
    for overhead, wall, stage, name, action in worst[:args.top]:
        print("  %7.1f s of %7.1f s  %-12s %-14s %s" % (overhead, wall, stage, action, name[:90]))


def report_figures(report, browser):
    html = report / "report.html"
    if not html.is_file():
        print("report: no report.html")
        return
    text = html.read_text(encoding="utf-8")
    print("report: report.html %.2f MB, %d table rows; report.json %.2f MB" % (
        html.stat().st_size / 1e6, text.count("<tr"), (report / "report.json").stat().st_size / 1e6))
    if browser:
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if not chromium:
            print("report: no chromium for --browser")
            return
        blank = report / "blank.html"
        blank.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")

        def opened(page):
            best = None
            for _attempt in range(3):
                started = time.perf_counter()
                subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                                page.as_uri()], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
                elapsed = time.perf_counter() - started
                best = elapsed if best is None else min(best, elapsed)
            return best
        base, page = opened(blank), opened(html)
        print("report: headless Chromium --dump-dom %.2f s against %.2f s for a blank page: %.2f s longer "
              "(best of 3; benchmarks/bench_report.py measures the page itself)" % (page, base, page - base))


def baseline_root(baseline, workdir):
    """The checkout to compare with: a directory as it is, or a git revision of this repository exported into
    the work folder (git archive: the shared repository gets no new worktree)."""
    if Path(baseline).is_dir():
        return Path(baseline).resolve(), None
    target = workdir / "baseline-checkout"
    target.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", baseline], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", baseline], check=True,
                            capture_output=True, text=True).stdout.strip()
    return target, commit


def reset_lab(state):
    """Back to the seeded data (the dataset the lab was last seeded with), as before the first run."""
    info = json.loads((state / "lab.json").read_text(encoding="utf-8"))
    request = urllib.request.Request(info["control_url"].rstrip("/") + "/reset", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=1800) as response:
        response.read()


def measure(label, root, folder, state, environment, args):
    """One migration with the code in ``root``, its figures printed; a summary for the comparison."""
    print("\n== %s (%s)" % (label, root), flush=True)
    print("before: %s" % load_text(), flush=True)
    run = run_playbook(folder, state, environment, root)
    log = [e for e in lab_log(state) if run["started"] <= e["time"] <= run["finished"]]
    outcome = "passed" if run["code"] == 0 else "FAILED (rc %d)" % run["code"]
    print("migrate.yml %s in %.0f s (%s)" % (outcome, run["finished"] - run["started"], folder / "playbook.log"))
    if len(log) >= 100000:
        print("warning: the lab's request log is full (100,000 entries): early round trips are not counted")
    loads = [sample[2] for sample in run["samples"]] or [0.0]
    print("during: load average (1 min) mean %.2f, max %.2f on %d cores" % (
        sum(loads) / len(loads), max(loads), os.cpu_count() or 0))
    rows, worst = figures(run, log)
    print()
    print_figures(rows, worst, run, log, args)
    tasks, modules, in_process = module_runs(run["events"], root)
    print("tasks run: %d; module runs of the collection: %d, of which %d in the action plugin's own process "
          "(no Python process started)" % (tasks, modules, in_process))
    print()
    report_figures(run["report"], args.browser)
    return dict(label=label, passed=run["code"] == 0, by_action=seconds_by_action(run["events"]),
                wall=sum(row["wall"] for row in rows),
                work=sum(row["work"] for row in rows), overhead=sum(row["overhead"] for row in rows),
                modules=modules, in_process=in_process, load_mean=sum(loads) / len(loads), load_max=max(loads))


def print_comparison(results, labels):
    """Best of each kind (least overhead), side by side, and the ratios (labels: this checkout's, the baseline's)."""
    best = {}
    for result in results:
        if result["passed"] and (result["label"] not in best or result["overhead"] < best[result["label"]]["overhead"]):
            best[result["label"]] = result
    print("\n== side by side (best run of each, %d runs in all)" % len(results))
    for result in [best[label] for label in labels if label in best]:
        print("%-28s wall %7.1f s, work %7.1f s, overhead %7.1f s (%5.1f %% of the work); %3d module runs, %3d "
              "in process; load mean %.2f, max %.2f" % (
                  result["label"], result["wall"], result["work"], result["overhead"],
                  100.0 * result["overhead"] / result["work"] if result["work"] else 0.0, result["modules"],
                  result["in_process"], result["load_mean"], result["load_max"]))
    if len(best) == 2:
        new, old = best[labels[0]], best[labels[1]]
        print("baseline / this checkout (best of each): wall %.2fx, overhead %.2fx (overhead %.1f s less)" % (
            old["wall"] / new["wall"], old["overhead"] / new["overhead"], old["overhead"] - new["overhead"]))
    else:
        print("no comparison: a run failed (see its playbook.log)")
    # The tasks this checkout runs in process, against the same tasks in the baseline: the change itself,
    # apart from the noise of the other tasks (WinRM modules) on a shared machine.
    names = in_process_names()
    for result in [best[label] for label in labels if label in best]:
        tasks = sum(result["by_action"].get(name, (0, 0.0))[0] for name in names)
        seconds = sum(result["by_action"].get(name, (0, 0.0))[1] for name in names)
        others = sum(seconds for name, (_count, seconds) in result["by_action"].items() if name not in names)
        print("%-28s %s: %d tasks, %.1f s (%.2f s each); every other task %.1f s" % (
            result["label"], ", ".join(names), tasks, seconds, seconds / tasks if tasks else 0.0, others))
    # Each round's two runs follow each other, so they saw about the same load.
    for number in range(len(results) // 2):
        pair = {result["label"]: result for result in results[2 * number:2 * number + 2]}
        if all(label in pair and pair[label]["passed"] for label in labels):
            new, old = pair[labels[0]], pair[labels[1]]
            print("round %d: overhead %.1f s against %.1f s (%.2fx), wall %.1f s against %.1f s (%.2fx); load mean "
                  "%.2f / %.2f" % (number + 1, new["overhead"], old["overhead"], old["overhead"] / new["overhead"],
                                   new["wall"], old["wall"], old["wall"] / new["wall"], new["load_mean"],
                                   old["load_mean"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="large", choices=["small", "standard", "large"])
    parser.add_argument("--rows-per-second", type=float, default=0.0,
                        help="the lab's simulated transfer rate for Export/Import (0: only real work)")
    parser.add_argument("--workdir", help="where the lab, ledger and report go (default: a new temporary folder)")
    parser.add_argument("--keep", action="store_true", help="leave the lab running and the work folder in place")
    parser.add_argument("--browser", action="store_true", help="time the report in headless Chromium")
    parser.add_argument("--top", type=int, default=8, help="how many tasks to list by overhead")
    parser.add_argument("--baseline", metavar="CHECKOUT",
                        help="another checkout (a directory) or a git revision of this repository: its migration "
                             "runs too, against the same lab reset in between, and both are compared")
    parser.add_argument("--rounds", type=int, default=1,
                        help="with --baseline: runs of each, alternating which goes first")
    args = parser.parse_args()

    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="pchat-bench-migration-"))
    workdir.mkdir(parents=True, exist_ok=True)
    explicit = lab_ports.explicit_offset()
    offset = explicit if explicit is not None else lab_ports.claim_offset(lab_ports.search_from())
    environment = lab_environment(workdir, offset)
    kinds = [("this checkout", REPO)]
    if args.baseline:
        root, commit = baseline_root(args.baseline, workdir)
        kinds.append(("baseline %s" % (commit or args.baseline), root))
    print("dataset %s; lab transfer rate %s rows/s (lync.migration.rows_per_second%s); ports offset %d; %s" % (
        args.dataset, "%g" % args.rows_per_second, ", 0: no simulated transfer time" if not args.rows_per_second
        else "", offset, workdir), flush=True)
    print("before: %s" % load_text(), flush=True)
    state, results = None, []
    try:
        state, seeded = start_lab(args, workdir, environment)
        print("lab up; %s seeded in %.0f s" % (args.dataset, seeded), flush=True)
        rounds = args.rounds if args.baseline else 1
        for number in range(1, rounds + 1):
            for label, root in (kinds if number % 2 else kinds[::-1]):
                if results:
                    reset_lab(state)
                folder = workdir if len(kinds) == 1 else workdir / ("%s-%d" % (label.split()[0], number))
                results.append(measure(label, root, folder, state, environment, args))
        if len(kinds) > 1:
            print_comparison(results, [label for label, _root in kinds])
    finally:
        if state is not None and not args.keep:
            subprocess.run(["pchat-lab", "down", "--state-dir", str(state)], env=environment, check=False,
                           stdout=subprocess.DEVNULL)
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print("after: %s" % load_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
