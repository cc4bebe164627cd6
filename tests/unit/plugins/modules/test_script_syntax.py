"""Every script the modules send parses as PowerShell (tree-sitter-powershell's grammar), and a hostile
value stays one string literal: it adds no command, no statement and no variable to the script."""
from __future__ import annotations

import tree_sitter
import tree_sitter_powershell
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import SINGLE_QUOTES, PSCommand
from ansible_collections.lync.persistent_chat.plugins.module_utils.winrm import wrap_script
from ansible_collections.lync.persistent_chat.plugins.modules import legacy_info, pool_info

PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))

HOSTILE = st.text(alphabet=st.sampled_from(list(SINGLE_QUOTES) + list("a;|&$(){}`\"\n#@,-<>") + ["\u00e9"]),
                  min_size=1, max_size=30)


def parse(script: str):
    tree = PARSER.parse(script.encode("utf-8"))
    assert not tree.root_node.has_error, script
    return tree


def count(tree, node_type: str) -> int:
    total, stack = 0, [tree.root_node]
    while stack:
        node = stack.pop()
        total += node.type == node_type
        stack.extend(node.children)
    return total


def test_every_pool_script_parses():
    for include in [set(pool_info.SECTIONS), {"pools"}, {"rooms", "categories"}]:
        for pool in [None, "pcpool.contoso.local"]:
            parse(wrap_script(pool_info.build_script(include, pool, 10), depth=6))


def test_every_legacy_script_parses():
    for include in [set(legacy_info.SERVER_SECTIONS), {"services"}, {"file_repository"}]:
        parse(wrap_script(legacy_info.build_script(include, ["*Group Chat*", "Lync*"], "\\\\gc01\\GroupChatFiles"),
                          depth=4))


@settings(max_examples=200, deadline=None)
@given(HOSTILE)
def test_a_hostile_pool_fqdn_adds_no_code(value):
    baseline = parse(pool_info.build_script(set(pool_info.SECTIONS), "pool.example"))
    hostile = parse(pool_info.build_script(set(pool_info.SECTIONS), value))
    for node_type in ("command", "pipeline", "variable", "assignment_expression", "comment"):
        assert count(hostile, node_type) == count(baseline, node_type), (node_type, value)


@settings(max_examples=200, deadline=None)
@given(HOSTILE, st.lists(HOSTILE, min_size=1, max_size=3))
def test_hostile_paths_and_patterns_add_no_code(path, patterns):
    baseline = parse(legacy_info.build_script(set(legacy_info.SERVER_SECTIONS), ["x"], "y"))
    hostile = parse(legacy_info.build_script(set(legacy_info.SERVER_SECTIONS), patterns, path))
    for node_type in ("command", "pipeline", "variable", "assignment_expression", "comment"):
        assert count(hostile, node_type) == count(baseline, node_type), (node_type, path, patterns)


@given(HOSTILE)
def test_a_hostile_parameter_value_is_one_argument(value):
    tree = parse(PSCommand("New-CsPersistentChatCategory").param("Name", value).switch("Force").render())
    assert count(tree, "command") == 1
    assert count(tree, "command_parameter") == 2
