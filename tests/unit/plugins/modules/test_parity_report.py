"""report: the JSON and the self-contained HTML page written from real readiness and parity results,
idempotent re-runs, and the page as headless Chromium renders it with no network, Korean names included."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lync.persistent_chat.plugins.module_utils import parity_compare, readiness_checks
from ansible_collections.lync.persistent_chat.plugins.module_utils.sql import SQLClient
from ansible_collections.lync.persistent_chat.plugins.modules import report

import devtools_pipe
import parity_fixture as F

STAGES = [{"name": "readiness", "status": "ok", "started": "2026-11-25T10:00:00Z", "finished": "2026-11-25T10:00:02Z"},
          {"name": "export", "status": "ok", "started": "2026-11-25T10:00:02Z", "finished": "2026-11-25T10:01:32Z"},
          {"name": "import", "status": "ok", "started": "2026-11-25T10:01:32Z", "finished": "2026-11-25T10:03:02.500Z"}]


@pytest.fixture
def results(tmp_path):
    legacy = F.write_legacy(tmp_path / "groupchat.db")
    mgc = F.write_mgc(tmp_path / "mgc.db")
    F.execute(mgc, "DELETE FROM tblChat WHERE channelId = 40 AND chatId = 5")
    F.execute(mgc, "UPDATE tblNode SET nodeName = 'Evil <b>\"room\"</b>' WHERE nodeID = 60")
    with SQLClient(F.odbc(legacy)) as left, SQLClient(F.odbc(mgc)) as right:
        parity = parity_compare.compare(left, right, messages="digest")
        found, _facts = readiness_checks.check(left, right)
    findings = found.as_list()
    blocking, used = readiness_checks.gate(findings, "error")
    readiness = {"findings": findings, "passed": not blocking, "changed": False, "invocation": {"module_args": {}},
                 "summary": {"errors": 2, "warnings": 7, "info": 2, "blocking": blocking, "acknowledged": used}}
    return readiness, dict(parity, changed=False, failed=True, msg="differences")


def run_module(args, capsys, check_mode=False):
    if check_mode:
        args = dict(args, _ansible_check_mode=True)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            report.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


class Page(HTMLParser):
    """Collects what the tests look at: element ids and texts, chart groups, external references."""

    def __init__(self):
        super().__init__()
        self.ids, self.groups, self.external, self.tags, self.text = {}, [], [], set(), []
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if "id" in attrs:
            self._current = attrs["id"]
            self.ids[attrs["id"]] = ""
        if tag == "g" and "data-category" in attrs:
            self.groups.append((attrs["data-category"], int(attrs["data-before"]), int(attrs["data-after"])))
        for name in ("src", "href", "xlink:href"):
            if attrs.get(name):
                self.external.append(attrs[name])

    def handle_data(self, data):
        self.text.append(data)
        if self._current is not None and not self.ids[self._current]:
            self.ids[self._current] = data.strip()


def test_report_files_hold_everything_and_rerunning_changes_nothing(tmp_path, results, capsys):
    readiness, parity = results
    args = {"migration": "gc 2010/2013", "dest": str(tmp_path / "reports"), "stages": STAGES,
            "readiness": readiness, "parity": parity}
    code, result = run_module(args, capsys, check_mode=True)
    assert code == 0 and result["changed"] and not (tmp_path / "reports").exists()
    code, result = run_module(args, capsys)
    assert code == 0 and result["changed"] and result["status"] == "failed"
    assert result["json_path"].endswith("reports/gc_2010_2013.json")
    document = json.loads(open(result["json_path"], encoding="utf-8").read())
    assert document["format"] == "lync.persistent_chat.report/1"
    assert [s["duration"] for s in document["stages"]] == [2.0, 90.0, 90.5]
    assert "invocation" not in document["readiness"] and "msg" not in document["parity"]
    assert document["parity"]["differences_by_kind"] == {"MESSAGES_MISSING": 1, "ROOM_RENAMED": 1}
    assert result["summary"][0] == "Migration gc 2010/2013"
    assert "  parity: FAILED, 2 difference(s); 5 rooms compared, messages 10 legacy / 9 2013" in result["summary"]
    # The fixture's over-long room and invalid add-in are what Import left out: said with the result.
    assert result["summary"][-1] == "  result: failed with data left behind: 1 room, 1 add-in, 1 message"

    page = Page()
    page.feed(open(result["html_path"], encoding="utf-8").read())
    assert page.external == [] and "script" not in page.tags and "img" not in page.tags
    assert page.ids["status"] == "FAILED" and page.ids["parity-status"] == "FAILED"
    assert sorted(page.groups) == [("IT", 7, 6), ("IT_Helpdesk", 3, 3)]
    text = "".join(page.text)
    assert 'Evil <b>"room"</b>' in text            # shown as text, never as markup
    assert "ROOM_NAME_TOO_LONG" in text and "MESSAGES_MISSING" in text and "90.5" in text
    # The expectations resting on ASSUMED transformations: counted in the page, listed per object in the JSON.
    assert document["parity"]["assumed"]["rooms"] == 4
    assert page.ids["parity-assumed"].startswith("8 expectation(s), 4 of them on rooms, rest on transformations")

    code, again = run_module(args, capsys)
    assert code == 0 and not again["changed"]
    code, changed = run_module(dict(args, stages=STAGES[:2]), capsys)
    assert code == 0 and changed["changed"]


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium package is not installed (scripts/setup.sh)")
def test_headless_chromium_renders_the_page_offline(tmp_path, results, capsys):
    readiness, parity = results
    code, result = run_module({"migration": "browser", "dest": str(tmp_path), "stages": STAGES,
                               "readiness": readiness, "parity": parity}, capsys)
    assert code == 0
    flags = FLAGS + ["--user-data-dir=%s" % (tmp_path / "profile")]
    screenshot = tmp_path / "page.png"
    dom = subprocess.run([CHROMIUM] + flags + ["--dump-dom", "file://" + result["html_path"]],
                         capture_output=True, text=True, timeout=120, check=False)
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = Page()
    page.feed(dom.stdout)
    # The browser parsed the whole page: the chart's bars, the tables and the status badge are in its DOM.
    assert page.ids["status"] == "FAILED"
    assert sorted(page.groups) == [("IT", 7, 6), ("IT_Helpdesk", 3, 3)]
    assert dom.stdout.count('class="before"') == 2 and dom.stdout.count('class="after"') == 2
    shot = subprocess.run([CHROMIUM] + flags + ["--window-size=1200,1600", "--screenshot=%s" % screenshot,
                                                "file://" + result["html_path"]], capture_output=True, text=True, timeout=120, check=False)
    assert shot.returncode == 0 and screenshot.stat().st_size > 10000, shot.stderr[-2000:]


KOREAN_ROOM = "\ud55c\uad6d\uc5b4 \ud68c\uc758\uc2e4"       # "Korean meeting room"


def fonts_covering(text):
    """The font families fontconfig (which Chromium on Linux asks) says have a glyph for every letter of ``text``."""
    charset = " ".join("%x" % ord(letter) for letter in sorted(set(text)) if not letter.isspace())
    listed = subprocess.run(["fc-list", ":charset=%s" % charset, "family"], capture_output=True, text=True, timeout=60,
                            check=True).stdout
    return {name.strip() for line in listed.splitlines() for name in line.split(",")}


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium package is not installed (scripts/setup.sh)")
def test_a_korean_room_name_is_drawn_by_the_pages_korean_font_not_as_boxes(tmp_path, capsys):
    legacy, mgc = F.write_legacy(tmp_path / "groupchat.db"), F.write_mgc(tmp_path / "mgc.db")
    for database in (legacy, mgc):
        F.execute(database, "UPDATE tblNode SET nodeName = ? WHERE nodeName = 'Stage'", (KOREAN_ROOM,))
    with SQLClient(F.odbc(legacy)) as left, SQLClient(F.odbc(mgc)) as right:
        parity = parity_compare.compare(left, right, messages="digest")
    assert parity["passed"] and KOREAN_ROOM in [room["name"] for room in parity["rooms"]]
    code, result = run_module({"migration": "korean", "dest": str(tmp_path), "parity": dict(parity, changed=False)}, capsys)
    assert code == 0
    page_text = open(result["html_path"], encoding="utf-8").read()
    stack = [family.strip().strip('"') for family in
             re.search(r"body,svg text\{font-family:([^;}]+)", page_text).group(1).split(",")]
    covering = fonts_covering(KOREAN_ROOM)
    named_and_installed = [family for family in stack if family in covering]
    assert named_and_installed, ("no font the page names can draw Korean on this machine (%s); Debian's "
                                 "fonts-noto-cjk has Noto Sans CJK KR" % ", ".join(stack))

    with devtools_pipe.Browser(CHROMIUM, FLAGS + ["--user-data-dir=%s" % (tmp_path / "profile")]) as browser:
        page = browser.open("file://" + result["html_path"])
        # A reader opens the rooms list (a closed <details> is not laid out) and reads the Korean name.
        page.call("DOM.setAttributeValue", nodeId=page.select("details"), name="open", value="")
        fonts = page.rendered_fonts(page.element_with_text("td", KOREAN_ROOM))
    syllables = sum(1 for letter in KOREAN_ROOM if not letter.isspace())
    # Every syllable is drawn by the first font of the page's list that has Korean (not by the browser's own
    # fallback, which picks Noto Sans CJK JP here), and none by a font without Korean, which would draw a box.
    assert fonts.get(named_and_installed[0]) == syllables, fonts
    assert sum(count for family, count in fonts.items() if family not in covering) <= len(KOREAN_ROOM) - syllables, fonts


def test_a_parity_result_without_assumptions_renders_as_before(results):
    """A parity result recorded before the ASSUMED count existed (or with none) renders byte for byte as
    it did: the section appears only when there is something to count."""
    from ansible_collections.lync.persistent_chat.plugins.module_utils import report_html
    readiness, parity = results
    older = {key: value for key, value in parity.items() if key != "assumed"}
    none = dict(parity, assumed={"expectations": 0, "rooms": 0, "by_transformation": {}, "sources": {}, "objects": []})
    generated = "2026-01-01T00:00:00Z"
    pages = [report_html.render_html(report_html.build_report("m", STAGES, readiness, value, generated=generated))
             for value in (older, none, parity)]
    assert pages[0] == pages[1] and "parity-assumed" not in pages[0]
    assert pages[2].replace(pages[2][pages[2].index("<h3>Expectations resting"):pages[2].index("<h3>Categories")], "") \
        == pages[0]
