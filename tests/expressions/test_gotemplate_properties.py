"""Property tests: escaped values always land intact in JSON bodies and URLs (E2)."""

from __future__ import annotations

import contextlib
import json
from urllib.parse import parse_qs, unquote, urlsplit

from hypothesis import given
from hypothesis import strategies as st

from ringdesk.expressions import ExpressionError
from ringdesk.expressions.gotemplate import compile, render


# covers E2
@given(st.text())
def test_json_escaped_value_round_trips(value):
    body = render('{"k":"{{.v}}"}', {"v": value}, escape="json")
    assert json.loads(body) == {"k": value}


@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.none()))
def test_json_escaped_non_strings_stay_valid(value):
    body = render('{"k":"{{.v}}"}', {"v": value}, escape="json")
    assert isinstance(json.loads(body)["k"], str)


@given(st.text())
def test_url_escaped_value_round_trips(value):
    url = render("https://x.test/p?q={{.v}}", {"v": value}, escape="url")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "x.test", "/p")
    assert unquote(parts.query.removeprefix("q="), errors="strict") == value
    assert parse_qs(parts.query, keep_blank_values=True, errors="strict") == {"q": [value]}


@given(st.text())
def test_urlencode_output_is_not_encoded_twice(value):
    url = render("https://x.test/p?q={{UrlEncode .v}}", {"v": value}, escape="url")
    assert unquote(urlsplit(url).query.removeprefix("q=")) == value


@given(st.text().filter(lambda s: "{{" not in s), st.sampled_from(["text", "json", "url", "gjson"]))
def test_literal_text_is_never_altered(text, mode):
    assert render(text, {"v": 'x"'}, escape=mode) == text


@given(st.text(alphabet=st.sampled_from(list("{}.$|()\"'`-/* abcif=:,end1\n")), max_size=40))
def test_parser_only_raises_expression_errors(source):
    """Arbitrary input either compiles or raises a located TemplateSyntaxError."""
    try:
        template = compile(source)
    except ExpressionError:
        return
    with contextlib.suppress(ExpressionError):
        template.render({"a": "x", "b": [1, 2]})


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(JSON_VALUES, st.sampled_from(["text", "json", "url", "gjson"]))
def test_any_json_value_renders_in_every_mode(value, mode):
    """Whatever a helpdesk returns, inserting it yields text, never a Python error."""
    out = render(
        "[{{.v}}]{{range .l}}{{.}}{{end}}{{len .l}}", {"v": value, "l": [value]}, escape=mode
    )
    assert out.startswith("[")


NUMBER = st.one_of(st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False))


# covers E1: JSON numbers compare by value whether they arrive as int or float
@given(NUMBER, NUMBER)
def test_numbers_compare_like_numbers(a, b):
    out = render(
        "{{eq .a .b}} {{ne .a .b}} {{lt .a .b}} {{le .a .b}} {{gt .a .b}} {{ge .a .b}}",
        {"a": a, "b": b},
    )
    expected = [a == b, a != b, a < b, a <= b, a > b, a >= b]
    assert out == " ".join("true" if x else "false" for x in expected)


SAFE_PARTS = st.sampled_from(
    [
        "{{.a}}",
        "{{.b}}",
        "{{$.a}}",
        '{{printf "%q" .a}}',
        "{{range .l}}{{.}},{{end}}",
        "x",
        "/",
        '"',
    ]
)


# covers E1: a named template renders what its body would render in place
@given(
    st.lists(SAFE_PARTS, max_size=8).map("".join),
    st.text(max_size=8),
    st.sampled_from(["text", "json", "url", "gjson"]),
)
def test_a_body_moved_into_a_define_renders_the_same(body, value, mode):
    data = {"a": value, "b": 1.5, "l": [value, 2]}
    moved = '{{define "body"}}' + body + '{{end}}{{template "body" .}}'
    assert render(moved, data, escape=mode) == render(body, data, escape=mode)
