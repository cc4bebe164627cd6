"""The HTML report of a 10,000-room migration: its size, its rows, and how long headless Chromium takes to
open it, beside a blank page and beside the same report with every row written out (the page as it was before
it put summaries first). Figures are printed; nothing is asserted.

    .venv/bin/python benchmarks/bench_report.py [--workdir DIR] [--rooms 10000] [--categories 520] [--repeat 5]

The report is written by the report module's own code (report.from_ledger, report_html) from a synthetic
ledger (with the verification's comparison kept beside it, as the verify role keeps it) shaped like the lab's
``large`` dataset after a finished migration: 520 categories, 10,000 rooms with about 500 messages each, one room
left behind by an accepted readiness error, a cutover that took two attempts.
Then, for each page (blank, summaries first, every row written out), ``--repeat`` times in one headless
Chromium (the tests' flags), the median of:
- open: from Page.navigate to the load event, then a forced layout (document.body.offsetHeight), on the
  controller's clock through the DevTools pipe;
- dump-dom: a whole ``chromium --headless --dump-dom`` run, process start to exit (browser start-up included;
  the blank page's figure is that start-up).
And, for the summaries-first page, the time to list all rooms when the reader opens them (the page's script
builds the first 1,000 rows; measured in the page). Target (issue 16): the 10,000-room page opens in under 2 s.
The machine's load average is printed before and after: on a shared machine the figures move with it.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_parity import collection_path, install_finder  # noqa: E402  (the same collection finder set-up)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
AT = "2026-01-01T%02d:%02d:00Z"


def synthetic_parity(rooms, categories, rng):
    """A judged parity result (verify.result) of ``rooms`` rooms in ``categories`` categories, all agreeing,
    and one over-long room left out by Import."""
    names = ["Engineering_Backend_Team %03d" % index for index in range(categories)]
    room_rows, per_category = [], {name: [0, 0] for name in names}
    for index in range(rooms):
        category = names[index % categories]
        messages = rng.randint(200, 800)
        room_rows.append({"name": "%s_Room %05d design review" % (category, index),
                          "legacy": "%s / Room %05d design review" % (category.replace("_", " / "), index),
                          "category": category, "status": "ok", "messages_legacy": messages, "messages_target": messages})
        per_category[category][0] += 1
        per_category[category][1] += messages
    category_rows = [{"name": name, "legacy": name.replace("_", " / "), "status": "ok", "rooms": count, "rooms_ok": count,
                      "messages_legacy": messages, "messages_target": messages}
                     for name, (count, messages) in per_category.items()]
    total = sum(row["messages_legacy"] for row in room_rows)
    left = {"kind": "ROOM_NAME_TOO_LONG", "object": "Engineering / Backend / " + "Very long room name " * 14,
            "object_type": "room", "messages": 747}
    return {"passed": True, "differences": [], "differences_total": 0, "differences_by_kind": {},
            "explained": {"CATEGORY_FLATTENED": categories, "ROOM_PREFIXED": rooms}, "not_migrated": [left],
            "out_of_scope": [], "categories": category_rows, "rooms": room_rows, "addins": [],
            "counts": {"categories_expected": categories, "rooms_expected": rooms, "rooms_compared": rooms,
                       "messages_legacy": total, "messages_target": total},
            "messages_mode": "digest", "assumed": {"expectations": 0, "rooms": 0, "by_transformation": {}}}


def synthetic_ledger(directory, rooms, categories):
    from ansible_collections.lync.persistent_chat.plugins.module_utils import ledger, ledger_files
    book, minute = ledger.empty("bench"), 0
    # As the verify role keeps it: the comparison beside the ledger, which names it (module judged_parity).
    kept, sha256, _written = ledger_files.keep(str(directory), "bench", "verify",
                                               synthetic_parity(rooms, categories, random.Random(16)))
    verify_data = {"passed": True, "result": None, "result_file": kept, "result_sha256": sha256}

    def record(stage, state, data=None, error=None, step=None):
        nonlocal book, minute
        minute += 1
        book = ledger.apply(book, stage, step, state, data, error, AT % divmod(minute, 60))[0]

    for stage in ledger.ORDER:
        record(stage, "started")
        if stage == "cutover":      # the first attempt failed at -WhatIf; the second finished
            record(stage, "started", step="import_whatif")
            record(stage, "failed", error="Injected: the SQL Server is not reachable.", step="import_whatif")
            record(stage, "failed", error="Cutover failed at '5. Import with -WhatIf and read its report'")
            record(stage, "started")
            record(stage, "done", {"errors": ["ROOM_NAME_TOO_LONG"], "warnings": 3}, step="import_whatif")
        data = verify_data if stage == "verify" else None
        record(stage, "done", data)
    path = ledger.ledger_path(str(directory), "bench")
    ledger.save(path, book)
    return path


class _Module(object):
    def fail_json(self, **result):
        raise SystemExit(json.dumps(result))


def write_pages(workdir, rooms, categories):
    """(summaries-first page, every-row page, seconds to render the first) from the synthetic ledger."""
    from ansible_collections.lync.persistent_chat.plugins.module_utils import report_html
    from ansible_collections.lync.persistent_chat.plugins.modules import report
    synthetic_ledger(workdir / "ledger", rooms, categories)
    start = time.perf_counter()
    _path, inputs = report.from_ledger(_Module(), str(workdir / "ledger"), "bench")
    document = report_html.build_report("bench", inputs["stages"], inputs["readiness"], inputs["parity"],
                                        generated="2026-01-01T00:00:00Z", checks=inputs["checks"],
                                        accepted_at_cutover=inputs["accepted_at_cutover"])
    summaries = report_html.render_html(document)
    rendered = time.perf_counter() - start
    (workdir / "report.json").write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    inline_rows, report_html.INLINE_ROWS = report_html.INLINE_ROWS, 10 ** 9
    try:
        everything = report_html.render_html(document)
    finally:
        report_html.INLINE_ROWS = inline_rows
    pages = {"summaries first": workdir / "report.html", "every row written": workdir / "every-row.html"}
    pages["summaries first"].write_text(summaries, encoding="utf-8")
    pages["every row written"].write_text(everything, encoding="utf-8")
    blank = workdir / "blank.html"
    blank.write_text("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>blank</title></head><body></body></html>")
    return dict({"blank page": blank}, **pages), rendered, document["summary"]


def open_seconds(browser, url):
    """Navigate a fresh tab, wait for the load event, force a layout; seconds on this clock."""
    target = browser.call("Target.createTarget", url="about:blank")["targetId"]
    session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    browser.call("Page.enable", session)
    start = time.perf_counter()
    browser.call("Page.navigate", session, url=url)
    browser.wait_for("Page.loadEventFired", session)
    browser.call("Runtime.evaluate", session, expression="document.body.offsetHeight")
    seconds = time.perf_counter() - start
    return seconds, target, session


def list_rooms_seconds(browser, session):
    """In the page: open every room's table and wait for its first rows (the page's script builds them)."""
    expression = """new Promise(function (resolve) {
      var details = document.getElementById("rooms-all"), start = performance.now();
      details.addEventListener("toggle", function () {
        document.body.offsetHeight;
        resolve([performance.now() - start, details.querySelectorAll("tbody tr").length]);
      });
      details.open = true;
    })"""
    value = browser.call("Runtime.evaluate", session, expression=expression, awaitPromise=True,
                         returnByValue=True)["result"]["value"]
    return value[0] / 1000.0, value[1]


def dump_dom_seconds(chromium, profile, url):
    start = time.perf_counter()
    subprocess.run([chromium] + FLAGS + ["--user-data-dir=%s" % profile, "--dump-dom", url], capture_output=True,
                   timeout=300, check=True)
    return time.perf_counter() - start


def measure(chromium, pages, workdir, repeat):
    sys.path.insert(0, str(REPO / "tests" / "unit" / "plugins" / "modules"))
    import devtools_pipe
    figures = {name: {"open": [], "dump": []} for name in pages}
    listing = []
    with devtools_pipe.Browser(chromium, FLAGS + ["--user-data-dir=%s" % (workdir / "profile")]) as browser:
        for _round in range(repeat):
            for name, path in pages.items():
                seconds, target, session = open_seconds(browser, path.as_uri())
                figures[name]["open"].append(seconds)
                if name == "summaries first":
                    listing.append(list_rooms_seconds(browser, session))
                browser.call("Target.closeTarget", targetId=target)
    for _round in range(repeat):
        for name, path in pages.items():
            figures[name]["dump"].append(dump_dom_seconds(chromium, workdir / "profile-dump", path.as_uri()))
    return figures, listing


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--rooms", type=int, default=10000)
    parser.add_argument("--categories", type=int, default=520)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("no chromium on PATH (scripts/setup.sh installs Debian's)")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-report-"))
    workdir.mkdir(parents=True, exist_ok=True)
    install_finder(collection_path())
    print("load average before: %.2f %.2f %.2f (%d cores)" % (os.getloadavg() + (os.cpu_count(),)))
    pages, rendered, summary = write_pages(workdir, args.rooms, args.categories)
    print("report of %d rooms in %d categories written in %.2f s (ledger to JSON document and HTML page): %s"
          % (args.rooms, args.categories, rendered, workdir))
    print("\n".join(line for line in summary if "left behind" in line or "result" in line or "attempt" in line))
    figures, listing = measure(chromium, pages, workdir, args.repeat)
    blank = figures["blank page"]
    header = ("page", "bytes", "<tr>", "open s", "open - blank", "dump-dom s", "dump - blank")
    print("\n%-20s %10s %8s %12s %14s %12s %14s" % header)
    for name, path in pages.items():
        text = path.read_text(encoding="utf-8")
        opened, dumped = statistics.median(figures[name]["open"]), statistics.median(figures[name]["dump"])
        print("%-20s %10d %8d %12.3f %14.3f %12.3f %14.3f" % (
            name, len(text.encode("utf-8")), text.count("<tr>"), opened, opened - statistics.median(blank["open"]),
            dumped, dumped - statistics.median(blank["dump"])))
    print("\nopening all %d rooms in the summaries-first page: %.3f s for the first %d rows (median of %d)" % (
        args.rooms, statistics.median(seconds for seconds, _rows in listing), listing[0][1], len(listing)))
    print("load average after: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
