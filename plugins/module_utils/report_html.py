# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration report: one JSON document for machines and one self-contained HTML page for people
(inline CSS and SVG, no script, no external asset; a Content-Security-Policy forbids loading any).

The report document (``build_report``) holds the migration's name, its stages with start and end
times, the readiness result and the parity result as the modules returned them, and a summary.
"""

from __future__ import annotations

import datetime
import html

FORMAT = "lync.persistent_chat.report/1"
CHART_MAX_CATEGORIES = 40


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


def summary_lines(report):
    """The few lines printed at the end of the play."""
    lines = ["Migration %s" % report["migration"]]
    for stage in report["stages"]:
        seconds = "%.1fs" % stage["duration"] if stage.get("duration") is not None else ""
        lines.append("  stage %-24s %-8s %s" % (stage.get("name"), stage.get("status") or "-", seconds))
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
    lines.append("  result: %s" % report["status"])
    return lines


def build_report(migration, stages=None, readiness=None, parity=None, generated=None, checks=None):
    """The JSON-ready report document. ``checks`` are the stages' own checks (free space, RBAC roles, the
    test message), each {name, status: passed|failed, detail}."""
    stages = [dict(stage) for stage in stages or []]
    for stage in stages:
        stage["duration"] = _duration(stage)
    status = "passed"
    if any((stage.get("status") or "").lower() in ("failed", "error") for stage in stages):
        status = "failed"
    if readiness and readiness.get("summary", {}).get("blocking"):
        status = "failed"
    if parity and not parity.get("passed", False):
        status = "failed"
    if any(check.get("status") != "passed" for check in checks or []):
        status = "failed"
    report = {"format": FORMAT, "migration": migration,
              "generated": generated or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "status": status, "stages": stages, "readiness": readiness or None, "parity": parity or None,
              "checks": [dict(check) for check in checks or []]}
    report["summary"] = summary_lines(report)
    return report


# -- HTML ------------------------------------------------------------------------------------------
_CSS = """
body{font-family:"Segoe UI",Arial,sans-serif;font-size:14px;margin:24px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:8px 0;max-width:100%}
td,th{border:1px solid #bbb;padding:3px 8px;text-align:left;vertical-align:top}td:last-child{overflow-wrap:anywhere}
th{background:#eee}td.n{text-align:right}.ok,.passed{color:#176117}.failed,.error,.missing,.differs{color:#a00000}
.warning{color:#8a5a00}.info{color:#345}.badge{font-weight:bold;padding:2px 8px;border:2px solid}
svg text{font-family:"Segoe UI",Arial,sans-serif;font-size:12px}
"""


def _h(value):
    return html.escape("" if value is None else str(value), quote=True)


def _table(header, rows, numeric=()):
    out = ["<table><tr>%s</tr>" % "".join("<th>%s</th>" % _h(h) for h in header)]
    for row in rows:
        cells = []
        for index, (value, css) in enumerate(row):
            classes = " ".join(filter(None, [css, "n" if index in numeric else None]))
            cells.append("<td%s>%s</td>" % (' class="%s"' % classes if classes else "", _h(value)))
        out.append("<tr>%s</tr>" % "".join(cells))
    out.append("</table>")
    return "\n".join(out)


def message_chart(categories, limit=CHART_MAX_CATEGORIES):
    """A horizontal bar chart (SVG) of messages per category, legacy (before) and 2013 (after)."""
    rows = sorted(categories, key=lambda c: (-(c.get("messages_legacy") or 0), c.get("name") or ""))[:limit]
    if not rows:
        return "<p>No category to chart.</p>"
    largest = max(max(c.get("messages_legacy") or 0, c.get("messages_target") or 0) for c in rows) or 1
    label_width, bar_width, row_height = 260, 420, 26
    height = 30 + row_height * len(rows)
    svg_width = label_width + bar_width + 160
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Messages per category, before and after"'
             ' width="%d" height="%d" viewBox="0 0 %d %d">' % (svg_width, height, svg_width, height),
             '<rect x="%d" y="4" width="12" height="10" fill="#4a78b5"/><text x="%d" y="13">before (legacy)</text>'
             % (label_width, label_width + 16),
             '<rect x="%d" y="4" width="12" height="10" fill="#e08a2c"/><text x="%d" y="13">after (2013)</text>'
             % (label_width + 140, label_width + 156)]
    for index, category in enumerate(rows):
        y = 24 + index * row_height
        before, after = category.get("messages_legacy") or 0, category.get("messages_target") or 0
        name = category.get("name") or ""
        shown = name if len(name) <= 38 else name[:37] + "\u2026"
        parts.append('<g class="category" data-category="%s" data-before="%d" data-after="%d">' % (_h(name), before, after))
        parts.append('<title>%s: %d before, %d after</title>' % (_h(name), before, after))
        parts.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (label_width - 6, y + 14, _h(shown)))
        for offset, value, colour in ((0, before, "#4a78b5"), (11, after, "#e08a2c")):
            width = int(round(bar_width * value / float(largest)))
            parts.append('<rect class="%s" x="%d" y="%d" width="%d" height="10" fill="%s"/>' % (
                "before" if offset == 0 else "after", label_width, y + offset + 2, width, colour))
        parts.append('<text x="%d" y="%d">%d / %d</text>' % (label_width + bar_width + 6, y + 14, before, after))
        parts.append("</g>")
    parts.append("</svg>")
    note = ""
    if len(categories) > limit:
        note = "<p>The %d categories with the most messages are charted; all %d are in the table below.</p>" % (
            limit, len(categories))
    return "\n".join(parts) + note


def render_html(report):
    title = "Persistent Chat migration %s" % report["migration"]
    body = ['<h1>%s</h1>' % _h(title),
            '<p>Result: <span id="status" class="badge %s">%s</span> &mdash; generated %s</p>' % (
                _h(report["status"]), _h(report["status"].upper()), _h(report["generated"]))]

    body.append('<h2 id="stages">Stages</h2>')
    if report["stages"]:
        body.append(_table(["Stage", "Status", "Started", "Finished", "Seconds"], [
            [(s.get("name"), None), (s.get("status"), (s.get("status") or "").lower()), (s.get("started"), None),
             (s.get("finished"), None), ("" if s.get("duration") is None else "%.1f" % s["duration"], None)]
            for s in report["stages"]], numeric=(4,)))
    else:
        body.append("<p>No stage was recorded.</p>")

    if report.get("checks"):
        body.append('<h2 id="checks">Checks</h2>')
        body.append(_table(["Check", "Result", "Detail"], [
            [(c.get("name"), None), (c.get("status"), "passed" if c.get("status") == "passed" else "failed"),
             (c.get("detail"), None)] for c in report["checks"]]))

    readiness = report.get("readiness")
    body.append('<h2 id="readiness">Readiness</h2>')
    if readiness:
        summary = readiness.get("summary") or {}
        body.append("<p>%d error(s), %d warning(s), %d info; blocking: %s; acknowledged: %s</p>" % (
            summary.get("errors", 0), summary.get("warnings", 0), summary.get("info", 0),
            _h(", ".join(summary.get("blocking") or []) or "none"), _h(", ".join(summary.get("acknowledged") or []) or "none")))
        rows = []
        for finding in readiness.get("findings") or []:
            objects = finding.get("objects") or []
            shown = "; ".join(str(o.get("object")) + (" \u2192 " + str(o["name"]) if o.get("name") and o.get("name") != o.get("object") else "")
                              for o in objects[:10])
            if len(objects) > 10 or finding.get("objects_truncated"):
                shown += "; \u2026"
            rows.append([(finding.get("id"), None), (finding.get("severity"), finding.get("severity")),
                         (finding.get("count"), None), (finding.get("title"), None), (shown, None)])
        body.append(_table(["Id", "Severity", "Count", "Finding", "Objects"], rows, numeric=(2,)))
    else:
        body.append("<p>Not run.</p>")

    parity = report.get("parity")
    body.append('<h2 id="parity">Parity</h2>')
    if parity:
        counts = parity.get("counts") or {}
        body.append('<p>Parity <span id="parity-status" class="%s">%s</span>: %d difference(s); %d rooms compared; '
                    'messages %d in the legacy database, %d in 2013 (compared by %s).</p>' % (
                        "passed" if parity.get("passed") else "failed", "passed" if parity.get("passed") else "FAILED",
                        parity.get("differences_total", 0), counts.get("rooms_compared", 0),
                        counts.get("messages_legacy", 0), counts.get("messages_target", 0), _h(parity.get("messages_mode"))))
        body.append('<h3>Messages per category, before and after</h3>')
        body.append('<div id="chart">%s</div>' % message_chart(parity.get("categories") or []))
        if parity.get("differences"):
            body.append("<h3>Differences</h3>")
            body.append(_table(["Kind", "Object", "Detail"], [
                [(d.get("kind"), "error"), ("%s %s" % (d.get("object_type"), d.get("object")), None), (d.get("detail"), None)]
                for d in parity["differences"]]))
        if parity.get("explained"):
            body.append("<h3>Documented transformations (not differences)</h3>")
            body.append(_table(["Transformation", "Items"], [[(k, None), (v, None)] for k, v in sorted(parity["explained"].items())],
                               numeric=(1,)))
        if parity.get("not_migrated"):
            body.append("<h3>Legacy items not migrated</h3>")
            body.append(_table(["Reason", "Object"], [[(s.get("kind"), "error"), (s.get("object"), None)] for s in parity["not_migrated"]]))
        body.append('<h3>Categories</h3>')
        body.append(_table(["Category", "Legacy path", "Status", "Rooms", "Rooms OK", "Messages before", "Messages after"], [
            [(c.get("name"), None), (c.get("legacy"), None), (c.get("status"), c.get("status")), (c.get("rooms"), None),
             (c.get("rooms_ok"), None), (c.get("messages_legacy"), None), (c.get("messages_target"), None)]
            for c in parity.get("categories") or []], numeric=(3, 4, 5, 6)))
        if parity.get("rooms") is not None:
            body.append('<h3>Rooms</h3><details><summary>%d rooms</summary>' % len(parity["rooms"]))
            body.append(_table(["Room", "Category", "Status", "Messages before", "Messages after"], [
                [(r.get("name"), None), (r.get("category"), None), (r.get("status"), r.get("status")),
                 (r.get("messages_legacy"), None), (r.get("messages_target"), None)]
                for r in parity["rooms"]], numeric=(3, 4)))
            body.append("</details>")
    else:
        body.append("<p>Not run.</p>")

    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
            "<title>%s</title><style>%s</style></head><body>\n%s\n</body></html>\n" % (_h(title), _CSS, "\n".join(body)))
