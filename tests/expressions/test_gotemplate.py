"""Go-template dialect: rendering, control flow, functions and escaping (E1, E2)."""

from __future__ import annotations

import inspect
import json

import pytest

from ringdesk.expressions import ExpressionError, TemplateSyntaxError
from ringdesk.expressions.gotemplate import SafeURL, compile, referenced_variables, render
from ringdesk.expressions.gotemplate.funcs import FUNCS, Env, check_arity

DATA = {
    "Var": "hi",
    "a": {"b": "B"},
    "empty": "",
    "zero": 0,
    "list": [1, 2, 3],
    "map": {"one": 1, "two": 2},
    "name": 'Jo "Q" \\ & \n\t\x01',
    "StartTimeUnix": 1704164645,
}

# covers E1
CASES = [
    ("var", "{{.Var}}", "hi"),
    ("nested", "{{.a.b}}", "B"),
    ("unset renders empty", "[{{.Nope}}][{{.Nope.deeper}}]", "[][]"),
    ("if true", "{{if .Var}}yes{{else}}no{{end}}", "yes"),
    ("if empty string", "{{if .empty}}yes{{else}}no{{end}}", "no"),
    ("if zero", "{{if .zero}}yes{{else}}no{{end}}", "no"),
    ("if unset", "{{if .Nope}}yes{{else}}no{{end}}", "no"),
    ("else if", "{{if .empty}}a{{else if .Var}}b{{else}}c{{end}}", "b"),
    ("range list", "{{range $i, $v := .list}}{{$i}}={{$v}};{{end}}", "0=1;1=2;2=3;"),
    ("range map sorted", "{{range $k, $v := .map}}{{$k}}{{$v}}{{end}}", "one1two2"),
    ("range else", "{{range .Nope}}x{{else}}none{{end}}", "none"),
    ("range break continue", "{{range .list}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}", "13"),
    ("with", "{{with .a}}{{.b}}{{end}}", "B"),
    ("with else", "{{with .Nope}}x{{else}}none{{end}}", "none"),
    ("variables", '{{$x := .Var}}{{$x = printf "%s!" $x}}{{$x}}', "hi!"),
    ("root var", "{{with .a}}{{$.Var}}{{end}}", "hi"),
    ("pipeline", '{{.Var | printf "<%s>"}}', "<hi>"),
    ("parens", '{{printf "%d" (index .list 2)}}', "3"),
    ("comment", "a{{/* hidden */}}b", "ab"),
    ("trim", "a  {{- .Var -}}  b", "ahib"),
    ("single quotes", "{{printf '%s-%s' 'x' \"y\"}}", "x-y"),
    ("raw string", "{{printf `%s` `a\\n`}}", "a\\n"),
    ("literals", "{{1.5}} {{1e6}} {{0x10}} {{true}} {{-3}}", "1.5 1e+06 16 true -3"),
    ("and or not", '{{and 1 0}} {{or 0 "x"}} {{not 0}}', "0 x true"),
    (
        "comparisons",
        '{{eq 1 1}} {{ne "a" "b"}} {{lt 1 2}} {{le 2 2}} {{gt 1 2}} {{ge 3 2}}',
        "true true true true false true",
    ),
    ("eq many", '{{eq .Var "x" "hi"}}', "true"),
    ("eq unset with string", '{{eq .Nope ""}}', "true"),
    ("len index", '{{len .list}} {{index .list 1}} {{index .map "two"}}', "3 2 2"),
    (
        "printf verbs",
        '{{printf "%s|%d|%v|%q|%x|%.2f|%5d|%%" "s" 7 .list "q" 255 3.14159 42}}',
        's|7|[1 2 3]|"q"|ff|3.14|   42|%',
    ),
    ("Capitalize", "{{Capitalize .Var}}", "Hi"),
    ("UrlEncode", '{{UrlEncode "a b!+~"}}', "a%20b%21%2B~"),
    ("ToMillis", "{{ToMillis .StartTimeUnix}}", "1704164645000"),
    (
        "TimeFormat utc",
        "{{TimeFormat .StartTimeUnix 'yyyy-MM-ddTHH:mm:ss-z' '1'}}",
        "2024-01-02T03:04:05+00:00",
    ),
    (
        "TimeFormat Zz",
        "{{TimeFormat .StartTimeUnix 'yyyy-MM-ddTHH:mm:ss.000Zz' '1'}}",
        "2024-01-02T03:04:05.000Z",
    ),
]


@pytest.mark.parametrize(
    ("template", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_render(template, expected):
    assert render(template, DATA) == expected


def test_timeformat_uses_integration_time_zone():
    """Without the UTC flag the integration's zone applies (E1)."""
    out = render("{{TimeFormat .StartTimeUnix 'HH:mm -z'}}", DATA, tz="Asia/Shanghai")
    assert out == "11:04 +08:00"


# covers E2
def test_json_escape_keeps_body_valid():
    body = render('{"name":"{{.name}}","n":"{{.zero}}"}', DATA, escape="json")
    assert json.loads(body) == {"name": DATA["name"], "n": "0"}


def test_json_escape_leaves_template_text_alone():
    assert render('{"a":"\\"{{.Var}}"}', DATA, escape="json") == '{"a":"\\"hi"}'


def test_url_escape_encodes_values_but_not_urlencode_output():
    out = render(
        'https://x.test/p?q={{.name}}&r={{UrlEncode .Var}}&s={{UrlEncode "a b"}}',
        DATA,
        escape="url",
    )
    assert out == "https://x.test/p?q=Jo%20%22Q%22%20%5C%20%26%20%0A%09%01&r=hi&s=a%20b"


def test_text_escape_inserts_as_is():
    assert render("{{.name}}", DATA, escape="text") == DATA["name"]


def test_gjson_escape_uses_gjson_escape():
    from ringdesk.expressions import gjson

    assert render("data.{{.v}}", {"v": "a.b*c"}, escape="gjson") == "data." + gjson.escape("a.b*c")


def test_compile_is_cached():
    assert compile("{{.Var}}") is compile("{{.Var}}")


def test_referenced_variables_are_top_level_names():
    tpl = "{{.A}}{{with .B}}{{.C}}{{$.D}}{{end}}{{if .E}}{{.F}}{{end}}{{range .G}}{{.H}}{{end}}"
    assert referenced_variables(tpl) == {"A", "B", "D", "E", "F", "G"}


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("{{index .list 10}}", "index out of range: 10"),
        ("{{lt .Var 1}}", "incompatible types for comparison"),
        ("{{.Var.x}}", "can't evaluate field x in type string"),
        ("{{len 3}}", "len of type int"),
        ("{{TimeFormat 'abc' 'yyyy'}}", "not a Unix time"),
        ("{{printf}}", "wrong number of args for printf"),
        ("{{range .Var}}{{end}}", "range can't iterate over a string"),
    ],
    ids=["index", "lt", "field of string", "len", "TimeFormat", "arity", "range string"],
)
def test_runtime_errors_raise_expression_error(template, fragment):
    with pytest.raises(ExpressionError, match="line 1, column") as info:
        render(template, DATA)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    "template",
    [
        "{{" + "(" * 500 + "1" + ")" * 500 + "}}",
        "{{if 1}}" * 500 + "{{end}}" * 500,
        "x" * 200_001,
    ],
    ids=["deep parens", "deep ifs", "too long"],
)
def test_oversized_templates_are_refused_not_crashing(template):
    with pytest.raises(TemplateSyntaxError):
        compile(template)


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("{{range 100000000}}{{end}}", "exceeds"),
        ("{{range $i := 3000}}{{range 3000}}{{end}}{{end}}", "exceeds"),
        ('{{range 90000}}{{printf "%9999s" "x"}}{{end}}', "output exceeds"),
    ],
    ids=["range int", "nested loops", "output size"],
)
def test_runaway_templates_stop_with_an_error(template, fragment):
    with pytest.raises(ExpressionError, match=fragment):
        render(template, {})


PRINTF = [
    ('"%-5s|" "ab"', "ab   |"),
    ('"%05d" -42', "-0042"),
    ('"%+d" 5', "+5"),
    ('"%x %X" "hi" 255', "6869 FF"),
    ('"%q" "a\\"b\\n"', '"a\\"b\\n"'),
    ('"%e" 1234.5678', "1.234568e+03"),
    ('"%.3g" 1234.5678', "1.23e+03"),
    ('"%v %v %v" 0.000012 100000.0 1e21', "1.2e-05 100000 1e+21"),
    ('"%5.1f|" 3.14159', "  3.1|"),
    ('"%c%t" 65 true', "Atrue"),
    ('"%T %T %T %T" 1 1.5 "s" .list', "int float64 string []interface {}"),
    ('"%v" .map', "map[one:1 two:2]"),
    ('"%d" "x"', "%!d(string=x)"),
    ('"%s" 5', "%!s(int=5)"),
    ('"%d"', "%!d(MISSING)"),
    ('"%d" 1 2', "1%!(EXTRA int=2)"),
    ('"100%%"', "100%"),
]


@pytest.mark.parametrize(("args", "expected"), PRINTF, ids=[p[0] for p in PRINTF])
def test_printf_follows_go_fmt(args, expected):
    assert render("{{printf " + args + "}}", DATA) == expected


@pytest.mark.parametrize(
    "template",
    ["{{TimeFormat .tok 'yyyy'}}", "{{ToMillis .tok}}", "{{range .tok}}{{end}}", "{{lt .tok 1}}"],
)
def test_runtime_errors_do_not_echo_values(template):
    """Values may be secrets and errors reach logs, so messages name types, not values."""
    with pytest.raises(ExpressionError) as info:
        render(template, {"tok": "s3cr3t-token"})
    assert "s3cr3t" not in str(info.value)


def test_unicode_names_as_in_go():
    assert render("{{.Größe}}{{$ü := .Größe}}{{$ü}}", {"Größe": "XL"}) == "XLXL"


def test_lone_surrogates_never_break_a_request():
    """A lone surrogate (possible after a JSON `\\ud800` escape) yields sendable text (E2)."""
    data = {"v": "a\ud800b"}
    body = render('{"k":"{{.v}}"}', data, escape="json")
    body.encode("utf-8")
    assert json.loads(body) == {"k": "a\ud800b"}
    assert render("{{.v}}|{{UrlEncode .v}}", data, escape="url") == "a%EF%BF%BDb|a%EF%BF%BDb"


@pytest.mark.parametrize(
    ("template", "data", "expected"),
    [
        # covers E2: a trusted base URL (a connect field of type url) stays a URL
        ("{{.b}}/api", {"b": SafeURL("http://127.0.0.1:8090")}, "http://127.0.0.1:8090/api"),
        (
            "{{.b}}/api",
            {"b": SafeURL("https://x.test/base?tenant=1")},
            "https://x.test/base?tenant=1/api",
        ),
        # a path value cannot open a query or a fragment
        ("https://x.test/c/{{.id}}", {"id": "a?b#c d"}, "https://x.test/c/a%3Fb%23c%20d"),
        ("https://{{.sub}}.x.test/", {"sub": "acme"}, "https://acme.x.test/"),
        # query values are fully encoded, also after a query opened by an earlier value
        ("https://x.test/?q={{.v}}", {"v": "a&b=c+d"}, "https://x.test/?q=a%26b%3Dc%2Bd"),
        (
            "{{.b}}&q={{.v}}",
            {"b": SafeURL("https://x.test/?t=1"), "v": "a/b"},
            "https://x.test/?t=1&q=a%2Fb",
        ),
        # UrlEncode output is inserted once, never encoded again
        ("https://x.test/?q={{UrlEncode .v}}", {"v": "a b!"}, "https://x.test/?q=a%20b%21"),
    ],
    ids=["base", "base-with-query", "path", "host", "query", "query-after-base", "urlencode"],
)
def test_url_escape_follows_the_part_of_the_url(template, data, expected):
    assert render(template, data, escape="url") == expected


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_arity_check_agrees_with_the_functions_signatures(name):
    """check_arity uses counts cached from each signature; for 0-6 arguments it must refuse
    exactly the calls Python itself could not bind."""
    signature = inspect.signature(FUNCS[name])
    for count in range(7):
        args = list(range(count))
        try:
            signature.bind(Env(), *args)
        except TypeError:
            with pytest.raises(ExpressionError, match=f"wrong number of args for {name}"):
                check_arity(name, args)
        else:
            check_arity(name, args)


# covers E1: numbers from JSON compare by value, whether written 3 or 3.0 (Go would refuse)
NUMBERS = {"count": 3, "score": 3.5, "i": 2, "f": 2.0, "neg": -1, "big": 2**53 + 1}
COMPARISONS = [
    ("eq .count 3.0", "true"),
    ("eq 3 3.0", "true"),
    ("eq .f .i", "true"),
    ("eq .count 3.5", "false"),
    ("eq .count 1.0 2.0 3.0", "true"),
    ("ne .i .f", "false"),
    ("lt .score 4", "true"),
    ("lt .count .score", "true"),
    ("le .i .f", "true"),
    ("gt 4 .score", "true"),
    ("ge .f .i", "true"),
    ("gt .neg -1.5", "true"),
    ("eq .big 9007199254740992.0", "false"),  # exact: no rounding of the int to a float
    ("lt 9007199254740992.0 .big", "true"),
]


@pytest.mark.parametrize(("expr", "expected"), COMPARISONS, ids=[c[0] for c in COMPARISONS])
def test_int_and_float_compare_by_value(expr, expected):
    assert render("{{" + expr + "}}", NUMBERS) == expected


@pytest.mark.parametrize("expr", ["eq .count .s", "lt .score .s", "eq 1 true", "lt 1.5 nil"])
def test_numbers_still_do_not_compare_with_other_types(expr):
    with pytest.raises(ExpressionError, match=r"incompatible types|invalid type"):
        render("{{" + expr + "}}", {**NUMBERS, "s": "3"})


# covers E1: named templates
def test_referenced_variables_follow_templates_called_with_the_top_level_dot():
    tpl = (
        '{{define "T"}}{{.A}}{{$.B}}{{end}}{{template "T" .}}'
        '{{define "U"}}{{.C}}{{$.D}}{{end}}{{template "U" .x}}'
        '{{block "V" $}}{{.E}}{{end}}{{with .y}}{{template "W" .}}{{end}}'
        '{{define "W"}}{{.F}}{{end}}'
    )
    assert referenced_variables(tpl) == {"A", "B", "x", "E", "y"}


def test_referenced_variables_of_recursive_templates_terminate():
    tpl = '{{define "T"}}{{.A}}{{template "T" .}}{{end}}{{template "T" .}}'
    assert referenced_variables(tpl) == {"A"}


def test_values_inside_called_templates_are_escaped_for_the_mode():
    tpl = '{{define "name"}}{{.first}} {{.last}}{{end}}{"name":"{{template "name" .}}"}'
    body = render(tpl, {"first": 'Jo "Q"', "last": "\\x"}, escape="json")
    assert json.loads(body) == {"name": 'Jo "Q" \\x'}


def test_runaway_recursion_stops_at_the_depth_budget_where_it_calls():
    tpl = '{{define "T"}}x{{template "T" .}}{{end}}\n{{template "T" .}}'
    with pytest.raises(ExpressionError) as info:
        render(tpl, {})
    assert "max_depth" in str(info.value)
    assert str(info.value).startswith("line 1, column 27: ")


def test_break_inside_a_called_template_ends_only_its_own_range():
    tpl = (
        '{{define "T"}}{{range .}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}};{{end}}'
        '{{range .outer}}{{template "T" $.inner}}{{end}}'
    )
    assert render(tpl, {"outer": [1, 2], "inner": [1, 2, 3]}) == "1;1;"
