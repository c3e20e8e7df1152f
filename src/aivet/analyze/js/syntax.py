"""The tree-sitter JavaScript grammar: one parser per analysis, node kinds as id sets.

Node kinds are compared by numeric id (aliases included), never by name, so
that walking a multi-megabyte bundle stays cheap.
"""

from __future__ import annotations

import tree_sitter
import tree_sitter_javascript

LANGUAGE = tree_sitter.Language(tree_sitter_javascript.language())


def new_parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(LANGUAGE)


def _ids(*names: str) -> frozenset[int]:
    wanted = set(names)
    found = set()
    for kind_id in range(LANGUAGE.node_kind_count):
        if LANGUAGE.node_kind_for_id(kind_id) in wanted and LANGUAGE.node_kind_is_named(kind_id):
            found.add(kind_id)
    return frozenset(found)


ERROR_ID = 0xFFFF
FUNCTIONS = _ids(
    "function_declaration",
    "function_expression",
    "function",
    "arrow_function",
    "method_definition",
    "generator_function_declaration",
    "generator_function",
)
FUNCTION_DECLARATIONS = _ids("function_declaration", "generator_function_declaration")
PROGRAM = _ids("program")
VARIABLE_DECLARATOR = _ids("variable_declarator")
CALL = _ids("call_expression")
NEW = _ids("new_expression")
BINARY = _ids("binary_expression")
SUBSCRIPT = _ids("subscript_expression")
MEMBER = _ids("member_expression")
ASSIGNMENT = _ids("assignment_expression")
AUGMENTED_ASSIGNMENT = _ids("augmented_assignment_expression")
STRING = _ids("string")
TEMPLATE = _ids("template_string")
IDENTIFIER = _ids("identifier")
PROPERTY_IDENTIFIER = _ids("property_identifier")
SHORTHAND_PROPERTY = _ids("shorthand_property_identifier")
NUMBER = _ids("number")
DEBUGGER = _ids("debugger_statement")
SWITCH = _ids("switch_statement")
WHILE = _ids("while_statement", "for_statement", "do_statement")
ARRAY = _ids("array")
OBJECT = _ids("object")
PAIR = _ids("pair")
PARENTHESIZED = _ids("parenthesized_expression")
SEQUENCE = _ids("sequence_expression")
UNARY = _ids("unary_expression")
TERNARY = _ids("ternary_expression")
COMMENT = _ids("comment", "html_comment")
STRING_FRAGMENT = _ids("string_fragment")
ESCAPE_SEQUENCE = _ids("escape_sequence")
TRUE = _ids("true")
FALSE = _ids("false")
NULL = _ids("null")
UNDEFINED = _ids("undefined")
THIS = _ids("this")
ARGUMENTS = _ids("arguments")
FORMAL_PARAMETERS = _ids("formal_parameters")
STATEMENT_BLOCK = _ids("statement_block")
RETURN = _ids("return_statement")
EXPRESSION_STATEMENT = _ids("expression_statement")
VARIABLE_DECLARATIONS = _ids("variable_declaration", "lexical_declaration")
CATCH = _ids("catch_clause")
CLASS_DECLARATION = _ids("class_declaration")
TEMPLATE_SUBSTITUTION = _ids("template_substitution")
SPREAD = _ids("spread_element")
COMPUTED_PROPERTY_NAME = _ids("computed_property_name")
METHOD_DEFINITION = _ids("method_definition")
REGEX = _ids("regex")
UPDATE = _ids("update_expression")
FOR_IN = _ids("for_in_statement")
IF = _ids("if_statement")
ELSE = _ids("else_clause")
STATEMENTS = _ids(
    "expression_statement",
    "variable_declaration",
    "lexical_declaration",
    "return_statement",
    "if_statement",
    "function_declaration",
    "throw_statement",
)
