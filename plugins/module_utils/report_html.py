# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration report: one JSON document for machines and one self-contained HTML page for people
(inline CSS and SVG, no script, no external asset; a Content-Security-Policy forbids loading any), rendered
from the Jinja2 template in module_utils.report_template.

The report document (``build_report``) holds the migration's name, its stages with start and end
times, the readiness result and the parity result as the modules returned them, and a summary.
"""

from __future__ import annotations

import datetime

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


def render_html(report):
    """The self-contained HTML page of a report document (build_report's)."""
    parity = report.get("parity")
    return _page_template().render(
        report=report, title="Persistent Chat migration %s" % report["migration"],
        chart=chart(parity.get("categories") or []) if parity else None)
