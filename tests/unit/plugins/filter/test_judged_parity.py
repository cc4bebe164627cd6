"""The verify role's judgement of a parity result (filter judged_parity): what it sets aside as messages
posted after the cutover opened Persistent Chat, what it leaves as differences, and the result the ledger keeps."""
from __future__ import annotations

import pytest

from ansible_collections.lync.persistent_chat.plugins.filter.judged_parity import FilterModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.judged_parity import opened_ticks

JUDGE = FilterModule().filters()["judged_parity"]
OPENED = "2026-03-01T12:00:00Z"
AFTER, BEFORE = opened_ticks(OPENED) + 10, opened_ticks(OPENED) - 10


def extra(room, *dates, change="extra", legacy=3):
    return {"kind": "MESSAGES_EXTRA", "object_type": "room", "object": room, "legacy_messages": legacy,
            "target_messages": legacy + len(dates), "detail": "...",
            "messages": [{"chat_id": index, "change": change, "date": date} for index, date in enumerate(dates)]}


def parity(*differences, total=None, rooms=None, categories=None):
    rooms = rooms if rooms is not None else [
        {"name": "A_r1", "category": "A", "status": "differs", "messages_legacy": 3, "messages_target": 5},
        {"name": "A_r2", "category": "A", "status": "ok", "messages_legacy": 3, "messages_target": 3},
        {"name": "B_r3", "category": "B", "status": "differs", "messages_legacy": 3, "messages_target": 4}]
    categories = categories if categories is not None else [
        {"name": "A", "status": "differs", "rooms": 2, "rooms_ok": 1},
        {"name": "B", "status": "differs", "rooms": 1, "rooms_ok": 0}]
    return {"passed": not differences, "differences": list(differences),
            "differences_total": len(differences) if total is None else total,
            "differences_by_kind": {"MESSAGES_EXTRA": len(differences)} if differences else {},
            "counts": {"rooms_expected": len(rooms), "messages_target": 12}, "explained": {"CATEGORY_FLATTENED": 2},
            "rooms": rooms, "categories": categories, "messages_mode": "digest",
            "invocation": {"module_args": {}}, "changed": False, "failed": False}


def test_opened_ticks_are_dotnet_ticks():
    assert opened_ticks("0001-01-01T00:00:00Z") == 0
    assert opened_ticks("2010-01-01T00:00:00Z") == 633979008000000000


def test_messages_posted_after_the_opening_are_new_and_their_rooms_and_categories_ok():
    judged = JUDGE(parity(extra("A_r1", AFTER, AFTER + 1), extra("B_r3", AFTER)), OPENED)
    assert judged["unexplained"] == [] and judged["new_messages"] == 3
    result = judged["result"]
    assert result["passed"] is True and result["differences"] == [] and result["differences_total"] == 0
    assert result["differences_by_kind"] == {}
    assert [room["status"] for room in result["rooms"]] == ["ok", "ok", "ok"]
    assert [(c["status"], c["rooms_ok"]) for c in result["categories"]] == [("ok", 2), ("ok", 1)]
    assert result["explained"] == {"CATEGORY_FLATTENED": 2, "POSTED_AFTER_CUTOVER": 3}
    assert result["counts"] == {"rooms_expected": 3, "messages_target": 12}
    assert not {"invocation", "changed", "failed"} & set(result)


@pytest.mark.parametrize("difference", [
    extra("A_r1", AFTER, BEFORE),                                   # one message older than the opening
    extra("A_r1", AFTER, AFTER, change="changed"),                  # a changed message is not new
    dict(extra("A_r1", AFTER, AFTER), target_messages=6),           # more extra messages than named
    dict(extra("A_r1", AFTER, AFTER), kind="MESSAGES_MISSING"),     # only extra messages can be new
    dict(extra("A_r1"), messages=[], target_messages=3),            # nothing named
], ids=["older", "changed", "unnamed", "missing", "empty"])
def test_other_differences_stay_unexplained_and_their_rooms_keep_their_status(difference):
    judged = JUDGE(parity(difference, extra("B_r3", AFTER)), OPENED)
    assert judged["unexplained"] == [difference] and judged["new_messages"] == 1
    assert [room["status"] for room in judged["result"]["rooms"]] == ["differs", "ok", "ok"]
    assert [c["status"] for c in judged["result"]["categories"]] == ["differs", "ok"]


def test_differences_counted_but_not_listed_are_unexplained():
    judged = JUDGE(parity(extra("A_r1", AFTER, AFTER), total=2), OPENED)
    assert judged["unexplained"] == [{"detail": "more differences than listed"}]


def test_without_allow_new_messages_every_difference_stays():
    differences = [extra("A_r1", AFTER, AFTER), extra("B_r3", AFTER)]
    judged = JUDGE(parity(*differences), OPENED, allow_new_messages="false")
    assert judged["unexplained"] == differences and judged["new_messages"] == 0
    assert judged["result"]["explained"]["POSTED_AFTER_CUTOVER"] == 0


def test_a_parity_result_without_rooms_is_judged_by_its_categories_only():
    judged = JUDGE(parity(rooms=[], categories=[{"name": "A", "status": "ok", "rooms": 0}]), OPENED)
    assert judged["result"]["rooms"] == [] and judged["result"]["categories"][0]["status"] == "ok"


def test_ten_thousand_rooms_are_judged_in_one_pass():
    rooms = [{"name": "C%d_r%d" % (n // 10, n), "category": "C%d" % (n // 10), "status": "differs" if n % 7 == 0
              else "ok", "messages_legacy": 500, "messages_target": 501 if n % 7 == 0 else 500} for n in range(10000)]
    categories = [{"name": "C%d" % c, "status": "differs" if any(n % 7 == 0 for n in range(c * 10, c * 10 + 10))
                   else "ok", "rooms": 10} for c in range(1000)]
    differences = [extra(room["name"], AFTER, legacy=500) for room in rooms
                   if room["status"] == "differs"]
    judged = JUDGE(parity(*differences, rooms=rooms, categories=categories), OPENED)
    assert judged["unexplained"] == [] and judged["new_messages"] == len(differences) == 1429
    assert all(room["status"] == "ok" for room in judged["result"]["rooms"])
    assert all(category["status"] == "ok" for category in judged["result"]["categories"])
