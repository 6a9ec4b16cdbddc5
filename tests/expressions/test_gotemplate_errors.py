"""Templates that do not parse are refused with a 1-based line and column (E4)."""

from __future__ import annotations

import pytest

from ringdesk.expressions import TemplateSyntaxError
from ringdesk.expressions.gotemplate import compile

# covers E4: (template, line, column, message fragment)
BAD = [
    ("unterminated action", "abc {{", 1, 5, "unclosed action"),
    ("unterminated on line 2", "line1\n  {{.x", 2, 3, "unclosed action"),
    ("unclosed if", "line1\n  {{if .x}}body", 2, 3, "missing {{end}} for {{if}}"),
    ("unclosed range after else", "{{range .x}}a{{else}}b", 1, 1, "missing {{end}} for {{range}}"),
    ("unclosed with", "a\nb\n{{with .x}}", 3, 1, "missing {{end}} for {{with}}"),
    (
        "unknown function",
        "Hi {{.a}},\n {{frobnicate .b}}",
        2,
        4,
        "function 'frobnicate' not defined",
    ),
    ("unknown function in if", "{{if bad .x}}{{end}}", 1, 6, "function 'bad' not defined"),
    ("empty stage after pipe", "{{.a | }}", 1, 6, "missing command after |"),
    ("double pipe", "{{.a | | .b}}", 1, 8, "missing value for command"),
    ("leading pipe", "{{| .a}}", 1, 3, "missing value for command"),
    ("literal pipeline stage", '{{.a | "x"}}', 1, 8, "non executable command in pipeline stage 2"),
    ("empty action", "x{{}}", 1, 4, "missing value for command"),
    ("if without condition", "{{if}}{{end}}", 1, 5, "missing value for if"),
    ("unexpected end", "{{.a}}\n{{end}}", 2, 3, "unexpected {{end}}"),
    ("unexpected else", "{{else}}", 1, 3, "unexpected {{else}}"),
    ("undefined variable", "a {{$x}}", 1, 5, "undefined variable '$x'"),
    ("unterminated string", '{{printf "abc}}', 1, 10, "unterminated quoted string"),
    ("unterminated single quote", "{{TimeFormat .T 'yyyy}}", 1, 17, "unterminated quoted string"),
    ("unterminated raw string", "{{`abc}}", 1, 3, "unterminated raw quoted string"),
    ("unclosed comment", "x {{/* y", 1, 3, "unclosed comment"),
    ("unclosed paren", "{{printf (len .a}}", 1, 17, "unclosed left paren"),
    ("stray paren", "{{.a)}}", 1, 5, "unexpected right paren"),
    ("bad character", "{{.a # .b}}", 1, 6, "unrecognized character"),
    ("bad number", "{{printf '%d' 12ab}}", 1, 15, "bad number syntax"),
    ("field on literal", '{{"a".b}}', 1, 3, "unexpected . after term"),
    ("adjacent args", "{{printf 3`x`}}", 1, 11, "unexpected string"),
    ("field on raw string", "{{printf `x`.a}}", 1, 10, "unexpected . after term"),
    ("break outside range", "{{break}}", 1, 3, "{{break}} outside {{range}}"),
    (
        "define inside if",
        '{{if .x}}\n  {{define "a"}}x{{end}}{{end}}',
        2,
        5,
        "only allowed at the top",
    ),
    ("undefined template", 'a\n{{template "nope" .}}', 2, 12, "no such template 'nope'"),
    (
        "multiple definition",
        '{{define "a"}}1{{end}}\n{{define "a"}}2{{end}}',
        2,
        10,
        "multiple definition of template 'a'",
    ),
    ("define unclosed", 'x\n{{define "a"}}body', 2, 1, "missing {{end}} for {{define}}"),
    ("template name not a string", "{{template .x}}", 1, 12, "unexpected field '.x' in template"),
    ("block without pipeline", '{{block "b"}}x{{end}}', 1, 12, "missing value for block clause"),
    ("else in define", '{{define "a"}}x{{else}}y{{end}}', 1, 18, "unexpected {{else}} in define"),
    ("missing := value", "{{$x := }}", 1, 9, "missing value for command"),
]


@pytest.mark.parametrize(
    ("template", "line", "column", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_syntax_errors_are_located(template, line, column, fragment):
    with pytest.raises(TemplateSyntaxError) as info:
        compile(template)
    error = info.value
    assert (error.line, error.column) == (line, column), str(error)
    assert fragment in error.message
    assert str(error).startswith(f"line {line}, column {column}: ")
