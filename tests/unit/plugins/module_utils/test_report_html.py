"""report_html: the page from its template, every value escaped where it is written."""
from __future__ import annotations

from html.parser import HTMLParser

from ansible_collections.lync.persistent_chat.plugins.module_utils import report_html

HOSTILE = "<i onclick=\"x\">'&amp;"     # markup, both quotes and an entity: shown as typed, never parsed


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attributes, self.text = set(), [], []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def hostile_report():
    value = HOSTILE
    stages = [{"name": value, "status": value, "started": value, "finished": value}]
    checks = [{"name": value, "status": value, "detail": value}]
    readiness = {"summary": {"errors": 1, "warnings": 0, "info": 0, "blocking": [value], "acknowledged": [value]},
                 "findings": [{"id": value, "severity": value, "count": 1, "title": value,
                               "objects": [{"object": value, "name": value + "2"}]}]}
    parity = {"passed": False, "differences_total": 1, "messages_mode": value, "counts": {},
              "differences": [{"kind": value, "object_type": value, "object": value, "detail": value}],
              "explained": {value: 1}, "not_migrated": [{"kind": value, "object": value}],
              "categories": [{"name": value, "legacy": value, "status": value, "rooms": 1, "rooms_ok": 0,
                              "messages_legacy": 2, "messages_target": 1}],
              "rooms": [{"name": value, "category": value, "status": value, "messages_legacy": 2, "messages_target": 1}]}
    return report_html.build_report(value, stages, readiness, parity, generated=value, checks=checks)


def test_no_value_becomes_markup_and_every_value_is_shown_as_typed():
    page = Elements()
    page.feed(report_html.render_html(hostile_report()))
    assert "i" not in page.tags and "onclick" not in [name for name, _value in page.attributes]
    text = "".join(page.text)
    # Title and heading 2, generated 1, stage 4, check 3, readiness summary 2, finding 5 (its object and the
    # object's 2013 name), messages mode 1, difference 4, transformation 1, item left behind 2 (its reason and
    # legacy name), chart title and label 2, category 3, room 3.
    assert text.count(HOSTILE) == 33
    assert HOSTILE + " \u2192 " + HOSTILE + "2" in text
    # Attribute values (the chart's data-category, the status badge's class) are escaped too.
    assert ("data-category", HOSTILE) in page.attributes
    assert ("class", "badge failed left-behind") in page.attributes


def test_a_report_with_nothing_run_says_so():
    page = Elements()
    page.feed(report_html.render_html(report_html.build_report("empty", generated="2026-11-25T10:00:00Z")))
    text = "".join(page.text)
    assert "No stage was recorded." in text and text.count("Not run.") == 2 and "table" not in page.tags


def test_the_chart_scales_bars_to_the_largest_count_and_keeps_the_busiest_categories():
    categories = [{"name": "c%02d" % n, "messages_legacy": n, "messages_target": n // 2} for n in range(1, 46)]
    chart = report_html.chart(categories)
    assert [row["name"] for row in chart["bars"]][:2] == ["c45", "c44"] and len(chart["bars"]) == 40
    assert chart["bars"][0]["before_width"] == 420 and chart["bars"][0]["after_width"] == 205
    assert chart["categories"] == 45 and report_html.chart([]) is None
    page = report_html.render_html(report_html.build_report("m", parity={"passed": True, "categories": categories}))
    assert "The 40 categories with the most messages are charted; all 45 are in the table below." in page
