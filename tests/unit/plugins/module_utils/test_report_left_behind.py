"""report_html: what Import left out (accepted at cutover) is counted and said in the result, the summary, the
JSON document and the page - never a plain "passed"."""
from __future__ import annotations

import json
from html.parser import HTMLParser

from ansible_collections.lync.persistent_chat.plugins.module_utils import report_html

LONG_ROOM = "IT / Helpdesk / " + "x" * 250


def parity(not_migrated, passed=True):
    return {"passed": passed, "differences_total": 0 if passed else 1, "differences": [], "messages_mode": "digest",
            "counts": {"rooms_compared": 9, "messages_legacy": 300, "messages_target": 300},
            "not_migrated": not_migrated, "categories": [], "rooms": []}


class Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self._open = {}, []

    def handle_starttag(self, tag, attrs):
        self._open.append(dict(attrs).get("id"))
        if self._open[-1]:
            self.ids[self._open[-1]] = ""

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for name in self._open:
            if name:
                self.ids[name] += data


def ids(page):
    parser = Ids()
    parser.feed(page)
    return {name: " ".join(text.split()) for name, text in parser.ids.items()}


def test_a_room_left_behind_with_its_messages_is_said_everywhere():
    report = report_html.build_report(
        "m", parity=parity([{"kind": "ROOM_NAME_TOO_LONG", "object": LONG_ROOM, "object_type": "room", "messages": 747}]),
        accepted_at_cutover=["ROOM_NAME_TOO_LONG"])
    assert report["status"] == "passed"
    assert report["result"] == "passed with data left behind: 1 room, 747 messages"
    assert report["summary"][-1] == "  result: passed with data left behind: 1 room, 747 messages"
    assert ("  left behind in the legacy database: 1 room, 747 messages (errors accepted at cutover: "
            "ROOM_NAME_TOO_LONG)") in report["summary"]
    named = [line for line in report["summary"] if line.startswith("    room IT / Helpdesk / x")]
    assert len(named) == 1 and named[0].endswith("\u2026 (ROOM_NAME_TOO_LONG): 747 messages")
    document = json.loads(json.dumps(report))
    assert {key: document["left_behind"][key] for key in ("categories", "rooms", "addins", "messages")} == {
        "categories": 0, "rooms": 1, "addins": 0, "messages": 747}
    html = report_html.render_html(report)
    page = ids(html)
    assert page["status"] == "PASSED"
    assert page["left-behind-result"] == "with data left behind: 1 room, 747 messages"
    assert page["left-behind-summary"].startswith("1 room, 747 messages stayed in the legacy database")
    assert "accepted at cutover (ROOM_NAME_TOO_LONG)" in page["left-behind-summary"]
    # The room is listed once, in the left-behind table, with its messages.
    assert html.count(LONG_ROOM) == 1 and '<td class="n">747</td>' in html


def test_every_kind_of_item_is_counted_and_only_rooms_carry_messages():
    items = [{"kind": "CATEGORY_NAME_TOO_LONG", "object": "A / B", "object_type": "category"},
             {"kind": "ROOM_CATEGORY_MISSING", "object": "A / B / r1", "object_type": "room", "messages": 10},
             {"kind": "ROOM_CATEGORY_MISSING", "object": "A / B / r2", "object_type": "room", "messages": 0},
             {"kind": "ADDIN_INVALID", "object": "addin", "object_type": "addin"},
             {"kind": "DUPLICATE_NAME", "object": "A / r3", "object_type": "room", "messages": 1}]
    report = report_html.build_report("m", parity=parity(items))
    assert report["result"] == "passed with data left behind: 1 category, 3 rooms, 1 add-in, 11 messages"


def test_a_parity_result_recorded_before_it_counted_messages_says_they_were_not_counted():
    # Recorded by an earlier version: no object_type, no messages; the kind still tells a room.
    report = report_html.build_report("m", parity=parity([{"kind": "ROOM_NAME_TOO_LONG", "object": LONG_ROOM}]))
    assert report["result"] == "passed with data left behind: 1 room, messages not counted"
    assert report["left_behind"]["messages_counted"] is False


def test_a_failed_migration_says_what_it_left_behind_too_and_nothing_left_is_plain():
    item = {"kind": "ROOM_NAME_TOO_LONG", "object": LONG_ROOM, "object_type": "room", "messages": 2}
    failed = report_html.build_report("m", parity=parity([item], passed=False))
    assert failed["result"] == "failed with data left behind: 1 room, 2 messages"
    clean = report_html.build_report("m", parity=parity([]))
    assert clean["result"] == "passed" and clean["left_behind"] is None
    assert clean["summary"][-1] == "  result: passed"
    assert 'id="left-behind"' not in report_html.render_html(clean)


def test_many_items_left_behind_are_named_five_in_the_summary_and_all_in_the_document():
    items = [{"kind": "ROOM_CATEGORY_MISSING", "object": "A / r%d" % n, "object_type": "room", "messages": n}
             for n in range(12)]
    report = report_html.build_report("m", parity=parity(items))
    assert report["result"] == "passed with data left behind: 12 rooms, 66 messages"
    assert sum(1 for line in report["summary"] if line.startswith("    room A / r")) == 5
    assert "    and 7 more (the report lists them all)" in report["summary"]
    assert len(report["left_behind"]["objects"]) == 12
