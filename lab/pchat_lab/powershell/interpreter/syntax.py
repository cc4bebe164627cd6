"""Small helpers over tree-sitter-powershell nodes shared by the interpreter's parts."""
from __future__ import annotations

from tree_sitter import Node

# Grammar nodes that only wrap one child when no operator is present (``1`` is an additive_expression
# holding an integer literal): the interpreter looks through them.
WRAPPERS = {"logical_expression", "bitwise_expression", "comparison_expression", "additive_expression",
            "multiplicative_expression", "format_expression", "range_expression", "array_literal_expression",
            "unary_expression", "argument_expression", "logical_argument_expression", "bitwise_argument_expression",
            "comparison_argument_expression", "additive_argument_expression", "multiplicative_argument_expression",
            "format_argument_expression", "range_argument_expression", "string_literal", "integer_literal",
            "key_expression", "left_assignment_expression", "while_condition", "for_condition",
            "for_initializer", "for_iterator"}
INCREMENTS = {"post_increment_expression", "post_decrement_expression", "pre_increment_expression",
              "pre_decrement_expression"}


def named_children(node: Node) -> list:
    """A node's named children, comments left out."""
    return [c for c in node.children if c.is_named and c.type != "comment"]
