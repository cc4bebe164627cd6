"""WinRM round trips against an in-process lab: the median ``Session.run_ps`` time over Basic/HTTP for a
trivial script (target < 20 ms), and how many of 50 concurrent shells (50 threads, each
open_shell / run / close) are served. Prints figures only.

    .venv/bin/python benchmarks/bench_winrm.py [--runs 50]"""
from __future__ import annotations

import argparse
import copy
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lab"))

import winrm  # noqa: E402
from winrm.protocol import Protocol  # noqa: E402

from pchat_lab.lab import Lab, load_topology  # noqa: E402
from pchat_lab.server import LabServer  # noqa: E402

USER, PASSWORD = "lyncadmin", "Lab-Passw0rd!"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--threads", type=int, default=50)
    args = parser.parse_args()

    topology = copy.deepcopy(load_topology("lync2010"))
    for host in topology["hosts"]:
        host["http_port"], host["https_port"] = free_port(), free_port()
    topology["control_port"] = free_port()
    # More shells than threads are allowed here; the default MaxShellsPerUser (30) is a test of its own.
    topology["max_shells_per_user"] = args.threads + 10
    with tempfile.TemporaryDirectory() as state:
        lab = Lab(topology, Path(state))
        with LabServer(lab) as server:
            url = server.endpoints()["FE01"]["http"]
            session = winrm.Session(url, auth=(USER, PASSWORD))
            first = session.run_ps("$x = 1")
            print("run_ps status of the trivial script: %d%s" % (
                first.status_code, "" if first.status_code == 0 else " (stderr: %r)" % first.std_err[:200]))
            times = []
            for _run in range(args.runs):
                started = time.perf_counter()
                session.run_ps("$x = 1")
                times.append((time.perf_counter() - started) * 1000)
            print("run_ps median %.1f ms, p90 %.1f ms over %d runs (Basic/HTTP, 5 POSTs each)" % (
                statistics.median(times), sorted(times)[int(len(times) * 0.9) - 1], args.runs))

            served, failed = [], []
            barrier = threading.Barrier(args.threads)

            def worker(index: int) -> None:
                try:
                    p = Protocol(url, username=USER, password=PASSWORD)
                    barrier.wait(10)
                    shell_id = p.open_shell()
                    command_id = p.run_command(shell_id, "hostname")
                    p.get_command_output(shell_id, command_id)
                    p.cleanup_command(shell_id, command_id)
                    p.close_shell(shell_id)
                    served.append(index)
                except Exception as exc:
                    failed.append("%s: %s" % (type(exc).__name__, str(exc)[:100]))

            started = time.perf_counter()
            threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
            elapsed = time.perf_counter() - started
            print("concurrent shells: %d of %d served in %.2f s, %d failed%s" % (
                len(served), args.threads, elapsed, len(failed), (" (first: %s)" % failed[0]) if failed else ""))


if __name__ == "__main__":
    main()
