# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration report: one JSON document for machines and one self-contained HTML page for people
(inline CSS and SVG, no external asset; a Content-Security-Policy forbids loading any), rendered from the
Jinja2 template in module_utils.report_template.

The report document (``build_report``) holds the migration's name, its stages with start and end
times and attempts, the readiness result and the parity result as the modules returned them, what was
left behind (the legacy items Import left out, accepted at cutover, and their messages), the result in
words and a summary.

The page puts summaries first: a table longer than ``INLINE_ROWS`` shows only its notable rows (rooms and
categories that differ, the first differences) and lists every row on demand, built in the browser from
JSON embedded in the page by the template's one inline script (the only script the page's policy allows, by
its hash), so a report of 10,000 rooms does not lay out 10,000 rows when it opens.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json

try:
    import jinja2
    HAS_JINJA2 = True
    JINJA2_IMPORT_ERROR = None
except ImportError as import_error:  # the sanity import test installs nothing; ansible-core brings Jinja2
    jinja2 = None
    HAS_JINJA2 = False
    JINJA2_IMPORT_ERROR = import_error

from ansible_collections.lync.persistent_chat.plugins.module_utils import report_template

FORMAT = "lync.persistent_chat.report/1"
CHART_MAX_CATEGORIES = 40
# A longer table shows its notable rows (at most this many) and lists every row on demand.
INLINE_ROWS = 200
# Summary lines name at most this many left-behind items and this much of an error.
SUMMARY_ITEMS, SUMMARY_ERROR_CHARS = 5, 160


def _parse_time(value):
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _duration(stage):
    start, end = _parse_time(stage.get("started")), _parse_time(stage.get("finished"))
    if start is None or end is None:
        return None
    if (start.tzinfo is None) != (end.tzinfo is None):
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    return round((end - start).total_seconds(), 3)


# What a not_migrated item recorded before parity named its type is, by the readiness error that explains it.
_TYPE_OF_KIND = {"CATEGORY_NAME_TOO_LONG": "category", "ROOM_NAME_TOO_LONG": "room", "ROOM_CATEGORY_MISSING": "room",
                 "ADDIN_INVALID": "addin"}
_NOUNS = (("category", "categories", "categories"), ("room", "rooms", "rooms"), ("addin", "addins", "add-ins"),
          ("item", "other", "other items"))


def plural(count, noun):
    """'1 room', '2 rooms', '1 add-in'."""
    singular = {"categories": "category", "add-ins": "add-in", "other items": "other item"}.get(noun, noun[:-1])
    return "%d %s" % (count, singular if count == 1 else noun)


def left_behind(parity):
    """What stayed in the legacy database: the items parity found Import left out (its ``not_migrated``, each
    explained by a readiness error the cutover accepted), counted by type, with the messages of those rooms.
    None when nothing was left behind (or parity did not run)."""
    items = [dict(item) for item in (parity or {}).get("not_migrated") or [] if isinstance(item, dict)]
    if not items:
        return None
    counts = {key: 0 for _type, key, _noun in _NOUNS}
    counts.update(messages=0, messages_counted=True)
    for item in items:
        item.setdefault("object_type", _TYPE_OF_KIND.get(item.get("kind"), "item"))
        key = next((key for object_type, key, _noun in _NOUNS if object_type == item["object_type"]), "other")
        counts[key] += 1
        if item["object_type"] == "room":
            if item.get("messages") is None:
                counts["messages_counted"] = False    # recorded before parity counted them
            else:
                counts["messages"] += int(item["messages"])
    counts["objects"] = items
    return counts


def left_behind_text(counts):
    """'1 room, 747 messages' (the types that have items, then the messages of the rooms)."""
    parts = [plural(counts[key], noun) for _type, key, noun in _NOUNS if counts.get(key)]
    if counts.get("rooms"):
        parts.append(plural(counts["messages"], "messages") if counts["messages_counted"] else "messages not counted")
    return ", ".join(parts)


def result_text(status, counts):
    """The result in words: 'passed', 'failed', or with what was left behind ('passed with data left behind:
    1 room, 747 messages'), never a plain 'passed' when data stayed behind."""
    if not counts:
        return status
    return "%s with data left behind: %s" % (status, left_behind_text(counts))


def _shorten(text, limit):
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _stage_lines(stage):
    seconds = "%.1fs" % stage["duration"] if stage.get("duration") is not None else ""
    attempts = stage.get("attempts") or 0
    line = "  stage %-24s %-8s %s" % (stage.get("name"), stage.get("status") or "-", seconds)
    if attempts > 1:
        line = "%-50s %d attempts" % (line, attempts)
    lines = [line.rstrip()]
    if attempts > 1:
        for attempt in stage.get("attempt_history") or []:
            if attempt.get("status") == "done":
                continue
            where = " at step %s" % attempt["failed_step"] if attempt.get("failed_step") else ""
            error = ": " + _shorten(attempt["error"], SUMMARY_ERROR_CHARS) if attempt.get("error") else ""
            lines.append("    attempt %d %s%s%s" % (attempt.get("number"), attempt.get("status"), where, error))
    return lines


def _left_behind_lines(report):
    counts = report.get("left_behind")
    if not counts:
        return []
    accepted = report.get("accepted_at_cutover") or []
    lines = ["  left behind in the legacy database: %s%s" % (
        left_behind_text(counts), " (errors accepted at cutover: %s)" % ", ".join(accepted) if accepted else "")]
    items = counts["objects"]
    for item in items[:SUMMARY_ITEMS]:
        messages = ": %s" % plural(item["messages"], "messages") if item.get("messages") is not None else ""
        lines.append("    %s %s (%s)%s" % (item["object_type"], _shorten(item.get("object"), 100), item.get("kind"),
                                           messages))
    if len(items) > SUMMARY_ITEMS:
        lines.append("    and %d more (the report lists them all)" % (len(items) - SUMMARY_ITEMS))
    return lines


def summary_lines(report):
    """The few lines printed at the end of the play."""
    lines = ["Migration %s" % report["migration"]]
    for stage in report["stages"]:
        lines.extend(_stage_lines(stage))
    readiness = report.get("readiness")
    if readiness:
        summary = readiness.get("summary") or {}
        lines.append("  readiness: %d error(s), %d warning(s), %d info; blocking: %s" % (
            summary.get("errors", 0), summary.get("warnings", 0), summary.get("info", 0),
            ", ".join(summary.get("blocking") or []) or "none"))
    checks = report.get("checks") or []
    if checks:
        failed = [check.get("name") for check in checks if check.get("status") != "passed"]
        named = (": " + "; ".join(failed)) if failed else ""
        lines.append("  checks: %d passed, %d failed%s" % (len(checks) - len(failed), len(failed), named))
    parity = report.get("parity")
    if parity:
        counts = parity.get("counts") or {}
        lines.append("  parity: %s, %d difference(s); %d rooms compared, messages %d legacy / %d 2013" % (
            "PASSED" if parity.get("passed") else "FAILED", parity.get("differences_total", 0),
            counts.get("rooms_compared", 0), counts.get("messages_legacy", 0), counts.get("messages_target", 0)))
    lines.extend(_left_behind_lines(report))
    lines.append("  result: %s" % report["result"])
    return lines


def _status(stages, readiness, parity, checks):
    if any((stage.get("status") or "").lower() in ("failed", "error") for stage in stages):
        return "failed"
    if readiness and readiness.get("summary", {}).get("blocking"):
        return "failed"
    if parity and not parity.get("passed", False):
        return "failed"
    if any(check.get("status") != "passed" for check in checks or []):
        return "failed"
    return "passed"


def build_report(migration, stages=None, readiness=None, parity=None, generated=None, checks=None,
                 accepted_at_cutover=None):
    """The JSON-ready report document. ``checks`` are the stages' own checks (free space, RBAC roles, the
    test message), each {name, status: passed|failed, detail}; ``accepted_at_cutover`` the readiness findings
    (or messages) whose Import errors the cutover accepted. A stage may carry ``attempts``, ``attempt_history``
    and ``steps`` (report.py reads them from the ledger)."""
    stages = [dict(stage) for stage in stages or []]
    for stage in stages:
        stage["duration"] = _duration(stage)
    status = _status(stages, readiness, parity, checks)
    counts = left_behind(parity)
    report = {"format": FORMAT, "migration": migration,
              "generated": generated or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "status": status, "result": result_text(status, counts), "left_behind": counts,
              "accepted_at_cutover": list(accepted_at_cutover or []),
              "stages": stages, "readiness": readiness or None, "parity": parity or None,
              "checks": [dict(check) for check in checks or []]}
    report["summary"] = summary_lines(report)
    return report


# -- HTML ------------------------------------------------------------------------------------------
_PAGE = None


def _page_template():
    """The page template, compiled once. Autoescape is on: every value the template writes is escaped."""
    global _PAGE
    if _PAGE is None:
        if not HAS_JINJA2:
            raise RuntimeError("the HTML report needs Jinja2 (it comes with ansible-core): %s" % JINJA2_IMPORT_ERROR)
        environment = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True,
                                         keep_trailing_newline=True, undefined=jinja2.Undefined,
                                         finalize=lambda value: "" if value is None else value)
        _PAGE = environment.from_string(report_template.PAGE)
    return _PAGE


def chart(categories, limit=CHART_MAX_CATEGORIES):
    """The geometry of the bar chart (SVG) of messages per category, legacy (before) and 2013 (after): the
    ``limit`` categories with the most legacy messages, bars scaled to the largest count. None when there is
    no category."""
    rows = sorted(categories, key=lambda c: (-(c.get("messages_legacy") or 0), c.get("name") or ""))[:limit]
    if not rows:
        return None
    largest = max(max(c.get("messages_legacy") or 0, c.get("messages_target") or 0) for c in rows) or 1
    label_width, bar_width, row_height = 260, 420, 26
    bars = []
    for index, category in enumerate(rows):
        before, after = category.get("messages_legacy") or 0, category.get("messages_target") or 0
        name = category.get("name") or ""
        bars.append({"name": name, "label": name if len(name) <= 38 else name[:37] + "\u2026",
                     "before": before, "after": after, "y": 24 + index * row_height,
                     "before_width": int(round(bar_width * before / float(largest))),
                     "after_width": int(round(bar_width * after / float(largest)))})
    return {"width": label_width + bar_width + 160, "height": 30 + row_height * len(rows), "label_width": label_width,
            "bar_width": bar_width, "bars": bars, "categories": len(categories)}


# The long tables' columns, (title, kind): a cell of kind number is right-aligned, of kind status has its
# value as its class (ok, differs, missing), of kind error is shown as one.
_COLUMNS = {
    "left-behind": (("Reason", "error"), ("Type", "text"), ("Legacy object", "text"), ("Messages", "number")),
    "differences": (("Kind", "error"), ("Object", "text"), ("Detail", "text")),
    "categories": (("Category", "text"), ("Legacy path", "text"), ("Status", "status"), ("Rooms", "number"),
                   ("Rooms OK", "number"), ("Messages before", "number"), ("Messages after", "number")),
    "rooms": (("Room", "text"), ("Category", "text"), ("Status", "status"), ("Messages before", "number"),
              ("Messages after", "number")),
}
_CELLS = {
    "left-behind": lambda i: [i.get("kind"), i.get("object_type"), i.get("object"), i.get("messages")],
    "differences": lambda i: [i.get("kind"), "%s %s" % (i.get("object_type"), i.get("object")), i.get("detail")],
    "categories": lambda i: [i.get("name"), i.get("legacy"), i.get("status"), i.get("rooms"), i.get("rooms_ok"),
                             i.get("messages_legacy"), i.get("messages_target")],
    "rooms": lambda i: [i.get("name"), i.get("category"), i.get("status"), i.get("messages_legacy"),
                        i.get("messages_target")],
}


def _embedded_json(value):
    """JSON for a <script type="application/json"> data block: no character of it can end the element (<, > and
    & are written as \\u escapes, which JSON.parse reads back), and the browser never runs it."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _markup(text)


def _markup(text):
    """Text the template writes as it is (autoescape would escape it)."""
    from markupsafe import Markup  # Jinja2's own dependency; imported here as Jinja2 is, only when rendering
    return Markup(text)


def long_table(name, items, noun, notable=None):
    """One of the page's long tables: every row inline when there are at most INLINE_ROWS; else, inline, the
    notable rows (``notable(item)``, judged; without it the first rows) up to INLINE_ROWS, every row as embedded
    JSON that the page's script lists when the reader opens the table, and a ``note`` saying which is which."""
    columns = [{"title": title, "kind": kind} for title, kind in _COLUMNS[name]]
    rows = [_CELLS[name](item) for item in items]
    table = {"id": name, "columns": columns, "total": len(rows), "noun": noun, "rows": rows, "data": None, "note": None}
    if len(rows) <= INLINE_ROWS:
        return table
    chosen = [row for row, item in zip(rows, items) if notable is None or notable(item)]
    if notable is None:
        note = "The first %d of the %d %s are shown" % (INLINE_ROWS, len(rows), noun)
    elif chosen:
        note = "%d of the %d %s differ or are missing%s" % (
            len(chosen), len(rows), noun, " (the first %d are shown)" % INLINE_ROWS if len(chosen) > INLINE_ROWS else "")
    else:
        note = "All %d %s agree" % (len(rows), noun)
    table.update(rows=chosen[:INLINE_ROWS], data=_embedded_json({"columns": columns, "rows": rows}),
                 note=note + "; every one is listed below when opened.")
    return table


def _differs(item):
    return item.get("status") != "ok"


def page_tables(report):
    """The page's long tables: what was left behind, parity's differences, categories and rooms."""
    parity = report.get("parity") or {}
    left = report.get("left_behind") or {}
    tables = {"left-behind": long_table("left-behind", left.get("objects") or [], "items left behind"),
              "differences": long_table("differences", parity.get("differences") or [], "listed differences"),
              "categories": long_table("categories", parity.get("categories") or [], "categories", _differs)}
    if parity.get("rooms") is not None:
        tables["rooms"] = long_table("rooms", parity["rooms"], "rooms", _differs)
    return tables


def script_hash(script=report_template.LAZY_TABLES_SCRIPT):
    """The CSP source that allows exactly the page's own inline script (and no other)."""
    return "'sha256-%s'" % base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def render_html(report):
    """The self-contained HTML page of a report document (build_report's)."""
    parity = report.get("parity")
    tables = page_tables(report)
    lazy = any(table["data"] is not None for table in tables.values())
    return _page_template().render(
        report=report, title="Persistent Chat migration %s" % report["migration"], tables=tables,
        chart=chart(parity.get("categories") or []) if parity else None,
        left_text=left_behind_text(report["left_behind"]) if report.get("left_behind") else None,
        script=_markup(report_template.LAZY_TABLES_SCRIPT) if lazy else None,
        script_source=script_hash() if lazy else None)
