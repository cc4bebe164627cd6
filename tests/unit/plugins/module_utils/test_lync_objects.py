"""lync_objects: member-list arithmetic (case-insensitive), principal/scope/TimeSpan checks, and read
scripts whose hostile values add no code."""
from __future__ import annotations

import datetime

import tree_sitter
import tree_sitter_powershell
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.lync.persistent_chat.plugins.module_utils import lync_objects as lo
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import SINGLE_QUOTES, PSCommand

PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


def test_desired_list_whole_add_remove():
    current = ["sip:A@x.com", "OU=IT,DC=x"]
    assert lo.desired_list(current) is None
    assert lo.desired_list(current, whole=["sip:b@x.com", "SIP:B@X.COM"]) == ["sip:b@x.com"]
    assert lo.desired_list(current, add=["sip:a@x.com", "sip:c@x.com"], remove=["ou=it,dc=x"]) == ["sip:A@x.com", "sip:c@x.com"]
    assert lo.desired_list(current, whole=[]) == []


def test_list_delta_and_modifier_are_case_insensitive():
    assert lo.list_delta(["sip:A@x.com", "sip:b@x.com"], ["sip:a@x.com", "sip:c@x.com"]) == (["sip:c@x.com"], ["sip:b@x.com"])
    assert lo.list_modifier(["sip:A@x.com"], ["SIP:a@X.com"]) is None
    modifier = lo.list_modifier([], ["sip:c@x.com"])
    assert modifier.parts == [("Add", ["sip:c@x.com"])]
    assert lo.same_members(["a", "B"], ["b", "A"]) and not lo.same_members(["a"], ["a", "b"])


def test_principal_errors():
    for good in ("sip:alice@contoso.com", "CN=Help Desk,OU=Groups,DC=contoso,DC=com", "OU=IT,DC=x", "DC=contoso,DC=com"):
        assert lo.principal_error(good) is None, good
    for bad in ("alice", "sip:alice", "alice@contoso.com", " sip:a@b.c", "CN=", "", "X=1"):
        assert lo.principal_error(bad), bad


def test_name_errors_refuse_outer_white_space_and_keep_inner_spaces():
    assert lo.name_errors("name", "Sales  and  Marketing", 256) == []
    for value in ("Sales ", " Sales", "Sales\t", "\u00a0Sales"):
        errors = lo.name_errors("name", value, 256)
        assert errors == ["name %r begins or ends with white space, which Lync cannot find again by name: remove "
                          "the leading and trailing spaces" % value]
    assert lo.name_errors("name", "   ", 256) == ["name cannot be empty"]
    assert lo.name_errors("name", "x" * 51, 50) == ["name is 51 characters long (at most 50)"]


def test_scopes():
    assert lo.canonical_scope("GLOBAL") == ("Global", "global")
    assert lo.canonical_scope("PCEnabled", tags=True) == ("Tag:PCEnabled", "tag:pcenabled")
    assert lo.canonical_scope("site:Redmond") == ("site:Redmond", "site:redmond")
    for good in ("global", "site:Redmond", "service:PersistentChatServer:pc.contoso.com"):
        assert lo.scope_error(good) is None
    for bad in ("tag:X", "X", "site:", "service:pc.contoso.com", "service:Role:not a fqdn", "site:a:b"):
        assert lo.scope_error(bad), bad
    assert lo.scope_error("tag:X", tags=True) is None and lo.scope_error("X", tags=True) is None
    assert lo.find_scoped([{"Identity": "Site:Redmond"}], "site:redmond") == {"Identity": "Site:Redmond"}


def test_timespans():
    assert lo.parse_timespan("00:15:00") == datetime.timedelta(minutes=15)
    assert lo.parse_timespan("30.00:00:00") == datetime.timedelta(days=30)
    for bad in ("15", "24:00:00", "00:60:00", "1:2:3", "-00:01:00", None):
        assert lo.parse_timespan(bad) is None, bad
    assert lo.format_timespan(datetime.timedelta(days=1, hours=2, seconds=3)) == "1.02:00:03"
    assert lo.format_timespan(datetime.timedelta(minutes=15)) == "00:15:00"


def test_choose_pool():
    pools = [{"PoolFqdn": "PC.contoso.com"}]
    assert lo.choose_pool(pools, None) == ("PC.contoso.com", None)
    assert lo.choose_pool(pools, "pc.CONTOSO.com") == ("PC.contoso.com", None)
    assert lo.choose_pool(pools, "other.contoso.com")[0] is None
    assert "set pool_fqdn" in lo.choose_pool(pools + [{"PoolFqdn": "b.contoso.com"}], None)[1]
    assert lo.choose_pool([], None)[1] == "the topology has no Persistent Chat pool"


def test_wildcard_safe_matches_the_name():
    import fnmatch
    for name in ("a*b", "[x]", "q?", "back`tick", "plain"):
        pattern = lo.wildcard_safe(name)
        assert not set(pattern) & set("*[]`") and fnmatch.fnmatchcase(name, pattern)


HOSTILE = st.text(alphabet=st.sampled_from(list(SINGLE_QUOTES) + list("a;|&$(){}`\"\n#@,-<>*?[]") + ["\u05d0"]),
                  min_size=1, max_size=30)


def _count(script, node_type):
    tree = PARSER.parse(script.encode("utf-8"))
    assert not tree.root_node.has_error, script
    total, stack = 0, [tree.root_node]
    while stack:
        node = stack.pop()
        total += node.type == node_type
        stack.extend(node.children)
    return total


def _script(value):
    script = lo.ReadScript().variable("n", value)
    script.collect("room", PSCommand("Get-CsPersistentChatRoom").param("Filter", lo.wildcard_safe(value)),
                   [("Identity", lo.STRING), ("Name", lo.PLAIN), ("Members", lo.LIST)], where="$_.Name -eq $n")
    return script.render()


@settings(max_examples=200, deadline=None)
@given(HOSTILE)
def test_hostile_values_add_no_code(value):
    baseline = _script("plain")
    hostile = _script(value)
    for node_type in ("command", "pipeline", "variable", "assignment_expression", "comment", "sub_expression"):
        assert _count(hostile, node_type) == _count(baseline, node_type), (node_type, value)
