"""The page of a 10,000-room migration opens with summaries: it writes the rooms and categories that differ and
lists every row only when the reader opens the table, from JSON embedded in the page, by the page's one script,
which its Content-Security-Policy allows by hash. Structure is asserted, never time."""
from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from html.parser import HTMLParser

import pytest

from ansible_collections.lync.persistent_chat.plugins.module_utils import report_html

import devtools_pipe
from test_parity_report import fonts_covering

ROOMS, CATEGORIES = 10000, 520
HOSTILE = "</script><script>alert(1)</script><!--"
KOREAN_ROOM = "\ud55c\uad6d\uc5b4 \ud68c\uc758\uc2e4"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def large_parity(differing=(17, 4242)):
    """A parity result of 10,000 rooms in 520 categories; the rooms ``differing`` lost a message."""
    rooms, categories = [], {}
    for index in range(ROOMS):
        category = "Category %03d" % (index % CATEGORIES)
        name = HOSTILE if index == 5 else KOREAN_ROOM if index == 3 else "%s_Room %05d" % (category, index)
        lost = 1 if index in differing else 0
        rooms.append({"name": name, "category": category, "status": "differs" if lost else "ok",
                      "messages_legacy": 500, "messages_target": 500 - lost})
        row = categories.setdefault(category, {"name": category, "legacy": category, "status": "ok", "rooms": 0,
                                               "rooms_ok": 0, "messages_legacy": 0, "messages_target": 0})
        row["rooms"] += 1
        row["rooms_ok"] += 0 if lost else 1
        row["messages_legacy"] += 500
        row["messages_target"] += 500 - lost
        row["status"] = "differs" if lost else row["status"]
    return {"passed": not differing, "differences_total": len(differing), "messages_mode": "digest",
            "differences": [{"kind": "MESSAGES_MISSING", "object_type": "room", "object": rooms[i]["name"],
                             "detail": "500 message(s) in the legacy database, 499 in 2013"} for i in differing],
            "counts": {"rooms_compared": ROOMS, "messages_legacy": 500 * ROOMS, "messages_target": 500 * ROOMS - 2},
            "not_migrated": [{"kind": "ROOM_NAME_TOO_LONG", "object": "IT / " + "z" * 260, "object_type": "room",
                              "messages": 747}],
            "categories": list(categories.values()), "rooms": rooms}


class Page(HTMLParser):
    """The rows the page writes (outside data blocks), its scripts and its policy."""

    def __init__(self):
        super().__init__()
        self.rows, self.scripts, self.policy, self._script = 0, [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self.rows += 1
        if tag == "script":
            self._script = {"type": attrs.get("type"), "id": attrs.get("id"), "text": ""}
            self.scripts.append(self._script)
        if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy":
            self.policy = attrs["content"]

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script["text"] += data


def parsed(text):
    page = Page()
    page.feed(text)
    return page


@pytest.fixture(scope="module")
def large_page():
    report = report_html.build_report("large", parity=large_parity(), generated="2026-01-01T00:00:00Z")
    return report_html.render_html(report)


def test_a_10000_room_page_writes_only_its_summaries_and_the_rows_that_differ(large_page):
    page = parsed(large_page)
    # Headers of the tables, the left-behind room, 2 differences, 2 differing categories and 2 differing rooms:
    # not the 10,520 rows of every category and room.
    assert page.rows <= 40, page.rows
    assert ("<p id=\"rooms-note\">2 of the 10000 rooms differ or are missing; every one is listed below when opened.</p>"
            in large_page)
    written = re.sub(r'<script type="application/json".*?</script>', "", large_page, flags=re.S)
    assert "Category 017_Room 00017" in written and "Category 082_Room 04242" in written
    assert "Category 001_Room 00001" not in written and "Category 001_Room 00001" in large_page


def test_every_row_is_in_the_page_as_data_and_no_value_can_end_its_element(large_page):
    page = parsed(large_page)
    data = {script["id"]: json.loads(script["text"]) for script in page.scripts if script["type"] == "application/json"}
    assert set(data) == {"categories-data", "rooms-data"}
    rooms = data["rooms-data"]
    assert len(rooms["rows"]) == ROOMS and [column["kind"] for column in rooms["columns"]] == [
        "text", "text", "status", "number", "number"]
    assert rooms["rows"][5][0] == HOSTILE and rooms["rows"][3][0] == KOREAN_ROOM
    assert HOSTILE not in large_page and "<!--" not in large_page
    assert len(data["categories-data"]["rows"]) == CATEGORIES


def test_the_policy_allows_exactly_the_pages_own_script(large_page):
    page = parsed(large_page)
    code = [script["text"] for script in page.scripts if script["type"] is None]
    assert len(code) == 1
    digest = base64.b64encode(hashlib.sha256(code[0].encode("utf-8")).digest()).decode()
    assert page.policy == ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-%s'"
                           % digest)
    # No value reaches the script: it reads the data blocks and writes text nodes only.
    assert "innerHTML" not in code[0] and "textContent" in code[0]


def test_a_short_report_has_no_script_and_writes_every_row():
    parity = large_parity()
    parity.update(rooms=parity["rooms"][:report_html.INLINE_ROWS], categories=parity["categories"][:10])
    text = report_html.render_html(report_html.build_report("short", parity=parity))
    page = parsed(text)
    assert page.scripts == [] and "script-src" not in page.policy
    assert page.rows >= report_html.INLINE_ROWS + 10


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium package is not installed (scripts/setup.sh)")
def test_chromium_opens_the_page_with_few_rows_and_lists_every_room_on_demand(tmp_path, large_page):
    path = tmp_path / "large.html"
    path.write_text(large_page, encoding="utf-8")
    rows_in = "document.querySelectorAll('#rooms-all tbody tr').length"
    # Opens the rooms' <details> as a reader does (a click on its summary) and answers once the page's own
    # toggle handler, registered first, has run.
    click = """new Promise(function (resolve) {
      var details = document.getElementById('rooms-all');
      details.addEventListener('toggle', function () { resolve(%s); });
      details.querySelector('summary').click();
    })""" % rows_in
    with devtools_pipe.Browser(CHROMIUM, FLAGS + ["--user-data-dir=%s" % (tmp_path / "profile")]) as browser:
        page = browser.open(path.as_uri())

        def evaluate(expression, wait=False):
            return page.call("Runtime.evaluate", expression=expression, awaitPromise=wait, returnByValue=True)["result"].get("value")

        assert evaluate("document.querySelectorAll('tr').length") <= 40
        assert evaluate(rows_in) == 0
        assert evaluate(click, wait=True) == 1000
        more = "document.querySelector('#rooms-all button.more')"
        assert evaluate(more + ".hidden") is False
        assert evaluate(more + ".textContent") == "Show 1000 more of the 9000 not shown"
        # A Korean name listed on demand is drawn by the first font of the page's list that has Korean.
        fonts = page.rendered_fonts(page.element_with_text("td", KOREAN_ROOM))
        for _page in range(9):
            evaluate(more + ".click()")
        assert evaluate(rows_in) == ROOMS and evaluate(more + ".hidden") is True
        # Every value written as text: the hostile name is a cell's text, not markup; statuses are classes.
        assert evaluate("document.querySelectorAll('#rooms-all tbody tr')[5].cells[0].textContent") == HOSTILE
        assert evaluate("document.querySelectorAll('#rooms-all tbody tr')[17].cells[2].className") == "differs"
        assert evaluate("document.querySelectorAll('#rooms-all tbody tr')[0].cells[3].className") == "n"
        assert evaluate("document.querySelectorAll('script:not([type])').length") == 1
    stack = [family.strip().strip('"') for family in
             re.search(r"body,svg text\{font-family:([^;}]+)", large_page).group(1).split(",")]
    korean = [family for family in stack if family in fonts_covering(KOREAN_ROOM)]
    assert korean and fonts.get(korean[0]) == sum(1 for letter in KOREAN_ROOM if not letter.isspace()), fonts
