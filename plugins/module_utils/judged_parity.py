# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The verify stage's judgement of a parity result: messages posted in Persistent Chat after the cutover
opened it are new, not differences. Pure functions on the parity module's result, called through the
judged_parity filter, so that a 10,000-room result is judged in one pass of Python instead of Jinja
loops that the controller templated again at every reference (minutes on the large dataset)."""

from __future__ import annotations

import datetime

_EPOCH = datetime.datetime(1, 1, 1, tzinfo=datetime.timezone.utc)
_RESULT_ONLY = ("invocation", "changed", "failed")


def opened_ticks(opened):
    """.NET ticks (100 ns since 0001-01-01 UTC, as the databases store dates) of an ISO time such as
    2026-01-31T12:00:00Z."""
    moment = datetime.datetime.strptime(opened, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 10000000 + delta.microseconds * 10


def every_message_named(difference):
    """True when the room's listing names every message that differs. Parity lists a room's messages after it
    counted them, so users of the open pool may have posted more in between: the listing then names more
    extra messages than the counts differ by, never fewer (all_named says the listing was not cut at its
    limit; a result without it is judged by the counts alone)."""
    named = len(difference.get("messages") or [])
    counted = difference.get("target_messages", 0) - difference.get("legacy_messages", 0)
    if "all_named" not in difference:
        return named == counted
    return bool(difference["all_named"]) and named >= counted


def posted_after_opening(difference, ticks):
    """True when the difference is a room's messages posted after the opening only: every extra message is
    named, none is missing or changed, and none is older than the opening."""
    messages = difference.get("messages") or []
    return (difference.get("kind") == "MESSAGES_EXTRA" and bool(messages)
            and all(message.get("change") == "extra" for message in messages)
            and every_message_named(difference)
            and min(message.get("date", 0) for message in messages) >= ticks)


def _judged_categories(categories, rooms):
    """A category that only differed by rooms now judged ok is ok too."""
    by_category = {}
    for room in rooms:
        by_category.setdefault(room.get("category"), []).append(room)
    judged = []
    for category in categories:
        own = by_category.get(category.get("name"), [])
        if (category.get("status") == "differs" and len(own) == category.get("rooms")
                and all(room.get("status") == "ok" for room in own)):
            category = dict(category, status="ok", rooms_ok=len(own))
        judged.append(category)
    return judged


def judge(parity, opened, allow_new_messages=True):
    """{unexplained, new_messages, result} for a parity result: ``unexplained`` the differences left once the
    messages posted after ``opened`` (ISO UTC) are set aside (plus a marker when more differences exist than
    are listed); ``new_messages`` how many such messages; ``result`` the comparison as judged, as the ledger
    records it for a passed verification (the report reads it)."""
    ticks = opened_ticks(opened) if opened else None
    differences = parity.get("differences") or []
    new = [d for d in differences if allow_new_messages and ticks is not None and posted_after_opening(d, ticks)]
    new_ids = set(id(d) for d in new)
    unexplained = [d for d in differences if id(d) not in new_ids]
    if parity.get("differences_total", 0) > len(differences):
        unexplained.append({"detail": "more differences than listed"})
    new_rooms = set(d.get("object") for d in new)
    new_messages = sum(d["target_messages"] - d["legacy_messages"] for d in new)
    rooms = [dict(room, status="ok") if room.get("name") in new_rooms else room for room in parity.get("rooms") or []]
    result = dict((key, value) for key, value in parity.items() if key not in _RESULT_ONLY)
    explained = dict(parity.get("explained") or {})
    explained["POSTED_AFTER_CUTOVER"] = new_messages
    result.update(passed=True, differences=[], differences_total=0, differences_by_kind={}, rooms=rooms,
                  categories=_judged_categories(parity.get("categories") or [], rooms), explained=explained)
    return {"unexplained": unexplained, "new_messages": new_messages, "result": result}
