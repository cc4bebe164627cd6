"""What the verify stage spends on the controller to judge and record a parity result of N rooms, without a lab:
the result-file hand-off the verify role uses now (the parity task writes its result to a file, the
judged_parity module judges it and keeps it beside the ledger, the ledger records the file's name and SHA-256),
against the judged_parity filter carried through set_fact and module arguments before it, and the Jinja before
that (block vars re-templated at each reference), each followed by the ledger recording. Checks that all record
the same judged comparison. Printed; nothing is asserted.

    .venv/bin/python benchmarks/bench_verify_record.py [--rooms 1000 2000 10000] [--old-up-to 2000] [--kinds file filter old]

The parity result is synthetic (N rooms in N/10 categories; one room in 7 has a message posted after the
opening, as the lab's users post after the cutover). The old Jinja grows with rooms x categories, so by default
it runs up to 2,000 rooms only; the issue measured about 3 minutes for 10,000 rooms on an idle machine.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OPENED = "2026-03-01T12:00:00Z"
OPENED_TICKS = 639079632000000000           # OPENED in .NET ticks

OLD = r"""
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    verify_parity: "{{ lookup('ansible.builtin.file', parity_file) | from_json }}"
    verify_allow_new_messages: true
    verify_opened: "%(opened)s"
    verify_opened_ticks: >-
      {{ (((verify_opened | to_datetime('%%Y-%%m-%%dT%%H:%%M:%%SZ'))
           - ('0001-01-01' | to_datetime('%%Y-%%m-%%d'))).total_seconds() * 10000000) | int }}
    verify_new: >-
      {%% set found = [] %%}{%% for d in verify_parity.differences | default([])
         if verify_allow_new_messages | bool and d.kind == 'MESSAGES_EXTRA'
         and d.messages | default([]) | rejectattr('change', 'equalto', 'extra') | list | length == 0
         and d.messages | default([]) | length == d.target_messages - d.legacy_messages
         and d.messages | map(attribute='date') | min >= verify_opened_ticks | int %%}{%% set _ = found.append(d) %%}{%% endfor %%}{{ found }}
    verify_unexplained: >-
      {{ verify_parity.differences | reject('in', verify_new) | list
         + ([{'detail': 'more differences than listed'}] if verify_parity.differences_total > verify_parity.differences | length else []) }}
    verify_new_rooms: "{{ verify_new | map(attribute='object') | list }}"
    verify_rooms_judged: >-
      {%%- set rows = [] -%%}{%%- for room in verify_parity.rooms | default([]) -%%}
      {%%- set _ = rows.append(room | combine({'status': 'ok'}) if room.name in verify_new_rooms else room) -%%}
      {%%- endfor -%%}{{ rows }}
    verify_categories_judged: >-
      {%%- set rows = [] -%%}{%%- for category in verify_parity.categories | default([]) -%%}
      {%%- set rooms = verify_rooms_judged | selectattr('category', 'equalto', category.name) | list -%%}
      {%%- set _ = rows.append(category | combine({'status': 'ok', 'rooms_ok': rooms | length})
            if rooms | rejectattr('status', 'equalto', 'ok') | list | length == 0 and category.status == 'differs'
            and rooms | length == category.rooms else category) -%%}
      {%%- endfor -%%}{{ rows }}
  tasks:
    - name: Load the parity result
      ansible.builtin.set_fact:
        verify_parity: "{{ verify_parity }}"
    - name: Judge
      ansible.builtin.assert:
        that: verify_unexplained | length == 0
        quiet: true
    - name: Build the record
      ansible.builtin.set_fact:
        verify_record:
          passed: true
          counts: "{{ verify_parity.counts }}"
          explained: "{{ verify_parity.explained }}"
          new_messages: "{{ verify_new | map(attribute='target_messages') | sum - verify_new | map(attribute='legacy_messages') | sum }}"
          result: >-
            {{ verify_parity | dict2items | rejectattr('key', 'in', ['invocation', 'changed', 'failed']) | items2dict
               | combine({'passed': true, 'differences': [], 'differences_total': 0, 'differences_by_kind': {},
                          'rooms': verify_rooms_judged, 'categories': verify_categories_judged,
                          'explained': verify_parity.explained | combine({'POSTED_AFTER_CUTOVER':
                            verify_new | map(attribute='target_messages') | sum - verify_new | map(attribute='legacy_messages') | sum})}) }}
    - name: Record in the ledger
      lync.persistent_chat.ledger:
        dir: "{{ ledger_dir }}"
        migration: bench
        stage: verify
        state: done
        data: "{{ lookup('ansible.builtin.vars', 'verify_record') }}"
""" % {"opened": OPENED}

NEW = r"""
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    verify_parity: "{{ lookup('ansible.builtin.file', parity_file) | from_json }}"
    verify_unexplained: "{{ verify_judged.unexplained }}"
  tasks:
    - name: Load the parity result
      ansible.builtin.set_fact:
        verify_parity: "{{ verify_parity }}"
    - name: Judge
      ansible.builtin.set_fact:
        verify_judged: "{{ verify_parity | lync.persistent_chat.judged_parity('%s', allow_new_messages=true) }}"
    - name: Check
      ansible.builtin.assert:
        that: verify_unexplained | length == 0
        quiet: true
    - name: Build the record
      ansible.builtin.set_fact:
        verify_record:
          passed: true
          counts: "{{ verify_parity.counts }}"
          explained: "{{ verify_parity.explained }}"
          new_messages: "{{ verify_judged.new_messages }}"
          result: "{{ verify_judged.result }}"
    - name: Record in the ledger
      lync.persistent_chat.ledger:
        dir: "{{ ledger_dir }}"
        migration: bench
        stage: verify
        state: done
        data: "{{ lookup('ansible.builtin.vars', 'verify_record') }}"
""" % OPENED

# Since the result-file hand-off: the parity task writes its result to a file (here the benchmark does, as the
# parity module would) and returns a summary; judged_parity judges it and keeps it beside the ledger, which
# records the file's name and SHA-256. Nothing per room goes through Jinja, set_fact or module arguments.
FILE = r"""
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Load the parity result
      ansible.builtin.set_fact:
        verify_parity: "{{ lookup('ansible.builtin.file', summary_file) | from_json }}"
    - name: Judge
      lync.persistent_chat.judged_parity:
        parity_file: "{{ verify_parity.result_file }}"
        parity_sha256: "{{ verify_parity.result_sha256 }}"
        opened: "%s"
        dir: "{{ ledger_dir }}"
        migration: bench
      register: verify_judged
    - name: Check
      ansible.builtin.assert:
        that: verify_judged.unexplained | length == 0
        quiet: true
    - name: Build the record
      ansible.builtin.set_fact:
        verify_record:
          passed: true
          counts: "{{ verify_parity.counts }}"
          explained: "{{ verify_parity.explained }}"
          new_messages: "{{ verify_judged.new_messages }}"
          result: null
          result_file: "{{ verify_judged.judged.result_file }}"
          result_sha256: "{{ verify_judged.judged.result_sha256 }}"
    - name: Record in the ledger
      lync.persistent_chat.ledger:
        dir: "{{ ledger_dir }}"
        migration: bench
        stage: verify
        state: done
        data: "{{ lookup('ansible.builtin.vars', 'verify_record') }}"
""" % OPENED

SUMMARY = ("passed", "differences_total", "differences_by_kind", "explained", "counts", "messages_mode")


def handed_off(parity, workdir, rooms):
    """The summary file the FILE playbook loads, beside the parity result file it names, written as the parity
    module with result_file writes and returns them (module_utils/ledger_files.py: compact sorted JSON)."""
    result = dict((key, value) for key, value in parity.items() if key not in ("changed", "invocation"))
    data = json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    result_file = workdir / ("handoff-%d.json" % rooms)
    result_file.write_bytes(data)
    summary = dict((key, result[key]) for key in SUMMARY)
    summary.update(result_file=str(result_file), result_sha256=hashlib.sha256(data).hexdigest())
    summary_file = workdir / ("summary-%d.json" % rooms)
    summary_file.write_text(json.dumps(summary))
    return summary_file


def recorded_result(ledger_dir, record):
    """The judged comparison a record holds, inline (before) or in the file beside the ledger it names."""
    if record.get("result_file"):
        return json.loads((ledger_dir / record["result_file"]).read_text())
    return record["result"]


def parity_result(rooms):
    rows, differences = [], []
    for number in range(rooms):
        name, new = "Category %d_Room %d" % (number // 10, number), number % 7 == 0
        rows.append({"name": name, "legacy": "Category %d / Room %d" % (number // 10, number),
                     "category": "Category %d" % (number // 10), "status": "differs" if new else "ok",
                     "messages_legacy": 500, "messages_target": 501 if new else 500})
        if new:
            differences.append({"kind": "MESSAGES_EXTRA", "object_type": "room", "object": name,
                                "detail": "500 message(s) in the legacy database, 501 in 2013",
                                "legacy_messages": 500, "target_messages": 501,
                                "messages": [{"chat_id": 501, "change": "extra", "author": "sip:kim@contoso.local",
                                              "date": OPENED_TICKS + 10000000}]})
    categories = []
    for number in range((rooms + 9) // 10):
        own = rows[number * 10:number * 10 + 10]
        categories.append({"name": "Category %d" % number, "legacy": "Category %d" % number,
                           "status": "differs" if any(r["status"] != "ok" for r in own) else "ok",
                           "rooms": len(own), "rooms_ok": sum(1 for r in own if r["status"] == "ok"),
                           "messages_legacy": 500 * len(own), "messages_target": sum(r["messages_target"] for r in own)})
    return {"passed": False, "differences": differences, "differences_total": len(differences),
            "differences_by_kind": {"MESSAGES_EXTRA": len(differences)}, "explained": {"CATEGORY_FLATTENED": 54},
            "counts": {"rooms_expected": rooms, "categories_expected": len(categories)}, "rooms": rows,
            "categories": categories, "addins": [], "not_migrated": [], "out_of_scope": [], "assumed": {},
            "messages_mode": "digest", "changed": False, "invocation": {"module_args": {}}}


def timed(playbook, parity_file, ledger_dir, workdir, summary_file):
    times = workdir / ("times-%s.jsonl" % playbook.stem)
    environment = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), BENCH_TASK_TIMES=str(times),
                       ANSIBLE_CALLBACK_PLUGINS=str(REPO / "benchmarks" / "callback_plugins"),
                       ANSIBLE_CALLBACKS_ENABLED="bench_task_times")
    environment["PATH"] = "%s:%s" % (REPO / ".venv" / "bin", environment.get("PATH", ""))
    process = subprocess.run(["ansible-playbook", "-i", "localhost,", str(playbook), "-e", "parity_file=%s" % parity_file,
                              "-e", "ledger_dir=%s" % ledger_dir, "-e", "summary_file=%s" % summary_file], cwd=REPO, env=environment, capture_output=True,
                             text=True, check=False)
    if process.returncode:
        raise SystemExit(process.stdout[-3000:] + process.stderr[-2000:])
    events = [json.loads(line) for line in times.read_text().splitlines()]
    spans = {}
    for event, following in zip(events, events[1:]):
        if event["kind"] == "task":
            spans[event["name"]] = following["time"] - event["time"]
    times.unlink()
    return sum(seconds for name, seconds in spans.items() if name != "Load the parity result"), spans


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rooms", type=int, nargs="+", default=[1000, 2000, 10000])
    parser.add_argument("--old-up-to", type=int, default=2000, help="largest result the old Jinja is run on")
    parser.add_argument("--kinds", nargs="+", choices=["file", "filter", "old"], default=["file", "filter", "old"],
                        help="file: the result-file hand-off the role uses; filter: the judged_parity filter through "
                             "set_fact (before it); old: the Jinja before that")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="pchat-bench-verify-"))
    (workdir / "old.yml").write_text(OLD)
    (workdir / "filter.yml").write_text(NEW)
    (workdir / "file.yml").write_text(FILE)
    print("load average %.2f %.2f %.2f on %d cores" % (os.getloadavg() + (os.cpu_count() or 0,)), flush=True)
    for rooms in args.rooms:
        records = {}
        parity_file = workdir / ("parity-%d.json" % rooms)
        parity = parity_result(rooms)
        parity_file.write_text(json.dumps(parity))
        for kind in args.kinds:
            if kind == "old" and rooms > args.old_up_to:
                continue
            summary_file = handed_off(parity, workdir, rooms)
            ledger_dir = workdir / ("ledger-%s-%d" % (kind, rooms))
            started = time.perf_counter()
            total, spans = timed(workdir / ("%s.yml" % kind), parity_file, ledger_dir, workdir, summary_file)
            record = json.loads((ledger_dir / "bench.json").read_text())["stages"]["verify"]["data"]
            result = records[kind] = recorded_result(ledger_dir, record)
            parts = ", ".join("%s %.1f" % (name.lower(), seconds) for name, seconds in spans.items()
                              if name != "Load the parity result")
            print("%5d rooms %-6s judge+record %7.1f s (%s); whole playbook %5.1f s; recorded %d rooms, %d new "
                  "messages; ledger %d bytes" % (rooms, kind, total, parts, time.perf_counter() - started,
                                                 len(result["rooms"]), int(record["new_messages"]),
                                                 (ledger_dir / "bench.json").stat().st_size), flush=True)
        if len(records) > 1:
            print("%5d rooms: the judged comparisons recorded by %s are %s" % (
                rooms, ", ".join(records), "the same" if all(value == records[args.kinds[0]] for value in records.values())
                else "DIFFERENT"), flush=True)
    print("load average %.2f %.2f %.2f on %d cores" % (os.getloadavg() + (os.cpu_count() or 0,)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
