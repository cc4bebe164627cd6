# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which error records of Import-CsPersistentChatData may be imported anyway.

Microsoft documents that -WhatIf reports errors and warnings, not their ids or wording. What the
collection knows for sure is PowerShell's ErrorRecord (FullyQualifiedErrorId, CategoryInfo,
Exception.Message, TargetObject: documented shapes), its own readiness findings (ids it defines, with the
objects they concern) and patterns the operator writes. So an error record is accepted when
- it names an object of a readiness finding of severity error whose id the operator accepts, or
- its message matches one of the operator's regular expressions, or
- (deprecated) the first part of its FullyQualifiedErrorId is in the old accept_errors list;
every other error record blocks.
"""

from __future__ import annotations

import re

READINESS_ERROR = "error"


def compile_patterns(patterns):
    """The operator's patterns compiled, or ValueError naming the one that is not a regular expression."""
    compiled = []
    for pattern in patterns or []:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise ValueError("accept_messages: %r is not a regular expression (%s)" % (pattern, exc))
    return compiled


def _fold(text):
    return str(text or "").strip().casefold()


def _names(obj):
    """What a finding's object may be called in an error record: its legacy path, its 2013 name, and its
    own legacy name (the last part of the path)."""
    label = str(obj.get("object") or "")
    names = {"label": label, "name": str(obj.get("name") or ""), "leaf": label.rsplit(" / ", 1)[-1]}
    return {key: value for key, value in names.items() if value.strip()}


def names_object(record, obj):
    """True when the record is about this object: its TargetObject is one of the object's names, or its
    message quotes the legacy path or the 2013 name (a short own name must be the target or quoted)."""
    target = _fold(record.get("target"))
    message = _fold(record.get("message"))
    names = _names(obj)
    if target and target in {_fold(value) for value in names.values()}:
        return True
    for key, value in names.items():
        folded = _fold(value)
        if key == "leaf":
            if any(quote + folded + quote in message for quote in ('"', "'", "\u201c")):
                return True
        elif len(folded) > 3 and _mentions(message, folded):
            return True
    return False


def _mentions(text, name):
    """The name as a whole in the text: not part of a longer name (IT_Helpdesk in IT_Helpdesk_Tickets) nor the
    category path of a room below it (IT / Helpdesk in IT / Helpdesk / Tickets)."""
    return re.search(r"(?<!\w)%s(?!\w| / )" % re.escape(name), text) is not None


def corresponding_findings(record, findings, severity=READINESS_ERROR):
    """Ids of the readiness findings (of that severity) whose objects the record names, sorted."""
    found = set()
    for finding in findings or []:
        if not isinstance(finding, dict) or (severity and finding.get("severity") != severity):
            continue
        if any(isinstance(obj, dict) and names_object(record, obj) for obj in finding.get("objects") or []):
            found.add(str(finding.get("id")))
    return sorted(found)


def judge(records, findings, accept_findings, patterns, legacy_ids):
    """Annotate each error record with ``findings`` (the readiness error findings it corresponds to) and
    ``accepted_by`` (what accepted it, or None); return the records nobody accepted."""
    accepted_ids = {_fold(item) for item in accept_findings or []}
    legacy = {_fold(item) for item in legacy_ids or []}
    refused = []
    for record in records:
        record["findings"] = corresponding_findings(record, findings)
        record["accepted_by"] = None
        by_finding = [finding for finding in record["findings"] if _fold(finding) in accepted_ids]
        if by_finding:
            record["accepted_by"] = "finding %s" % by_finding[0]
        else:
            pattern = next((p for p in patterns if p.search(record.get("message") or "")), None)
            if pattern is not None:
                record["accepted_by"] = "message %s" % pattern.pattern
            elif record.get("id") and _fold(record["id"]) in legacy:
                record["accepted_by"] = "error id %s (deprecated accept_errors)" % record["id"]
        if record["accepted_by"] is None:
            refused.append(record)
    return refused


def describe(records, limit=10):
    """The refused records for a message: each one's target, id and text."""
    parts = []
    for record in records[:limit]:
        parts.append("%s [%s]: %s" % (record.get("target") or "-", record.get("error_id") or record.get("id") or "-",
                                      record.get("message") or ""))
    if len(records) > limit:
        parts.append("and %d more" % (len(records) - limit))
    return "; ".join(parts)
