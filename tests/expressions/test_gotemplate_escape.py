"""Escaping depends on where a value lands, never on the actions around it (C4, E2)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringdesk.expressions import ExpressionError, gjson
from ringdesk.expressions.gotemplate import SafeURL, render

PHONE = "+49 30 1234"

# covers C4: (id, GJSON path template, data, rendered path)
GJSON_CASES = [
    (
        "query value",
        'contacts.#(WorkPhone=="{{.Phone}}").id',
        {"Phone": PHONE},
        'contacts.#(WorkPhone=="+49 30 1234").id',
    ),
    (
        "query value inside if",
        'contacts.#(WorkPhone=="{{if .Phone}}{{.Phone}}{{end}}").id',
        {"Phone": PHONE},
        'contacts.#(WorkPhone=="+49 30 1234").id',
    ),
    (
        "query value inside with",
        'contacts.#(WorkPhone=="{{with .Phone}}{{.}}{{end}}").id',
        {"Phone": PHONE},
        'contacts.#(WorkPhone=="+49 30 1234").id',
    ),
    ("key", "data.{{.k}}", {"k": "a.b*c"}, "data.a\\.b\\*c"),
    ("key inside if", "data.{{if .k}}{{.k}}{{end}}", {"k": "a.b*c"}, "data.a\\.b\\*c"),
    (
        "quote and backslash in a query value",
        '#(n=="{{.v}}")',
        {"v": 'a"b\\c'},
        '#(n=="a\\"b\\\\c")',
    ),
    ("control character in a query value", '#(n=="{{.v}}")', {"v": "a\nb"}, '#(n=="a\\nb")'),
    ("escaped quote in the template", '#(n=="x\\"{{.v}}")', {"v": "+1"}, '#(n=="x\\"+1")'),
    ("after the quoted value", '#(n=="x").{{.k}}', {"k": "+1"}, '#(n=="x").\\+1'),
    ("multipath key", '{"{{.name}}":a}', {"name": 'Zoë "Z"'}, '{"Zoë \\"Z\\"":a}'),
    ("a value with a quote outside quotes", "a.{{.v}}.b", {"v": 'x"y'}, 'a.x\\"y.b'),
    (
        "two quoted values",
        '#(a=="{{.x}}")#|#(b=="{{.y}}")',
        {"x": "+1", "y": "+2"},
        '#(a=="+1")#|#(b=="+2")',
    ),
]


@pytest.mark.parametrize(
    ("template", "data", "expected"), [c[1:] for c in GJSON_CASES], ids=[c[0] for c in GJSON_CASES]
)
def test_gjson_values_are_escaped_for_where_they_land(template, data, expected):
    assert render(template, data, escape="gjson") == expected


CONTACTS = json.dumps(
    {
        "contacts": [
            {"id": 1, "WorkPhone": "+1 555"},
            {"id": 2, "WorkPhone": PHONE},
            {"id": 3, "WorkPhone": 'odd "quoted" \\ number'},
        ]
    }
)


@pytest.mark.parametrize(
    "template",
    [
        'contacts.#(WorkPhone=="{{.Phone}}").id',
        'contacts.#(WorkPhone=="{{if .Phone}}{{.Phone}}{{end}}").id',
        '{{if .Phone}}contacts.#(WorkPhone=="{{.Phone}}").id{{else}}none{{end}}',
    ],
    ids=["plain", "if inside the quotes", "if around the path"],
)
@pytest.mark.parametrize(("phone", "contact"), [(PHONE, 2), ('odd "quoted" \\ number', 3)])
def test_a_query_finds_the_contact_with_or_without_if(template, phone, contact):
    """The reported bug: adding {{if}} turned `+49…` into `\\+49…`, which never matched."""
    path = render(template, {"Phone": phone}, escape="gjson")
    assert gjson.get(CONTACTS, path).value == contact


def test_other_modes_are_unchanged():
    data = {"v": 'a"b'}
    assert render('"{{.v}}"', data, escape="json") == '"a\\"b"'
    assert render('"{{.v}}"', data) == '"a"b"'


# -- properties ----------------------------------------------------------------------------------
# a query value starting with ~ is GJSON's truthiness test (~true, ~*), quoted or not
@given(st.text().filter(lambda phone: not phone.startswith("~")))
def test_any_phone_finds_its_contact(phone):
    document = json.dumps(
        {"contacts": [{"id": 7, "WorkPhone": phone}, {"id": 8, "WorkPhone": "x"}]}
    )
    path = render('contacts.#(WorkPhone=="{{.Phone}}").id', {"Phone": phone}, escape="gjson")
    assert gjson.get(document, path).value == 7  # the first match, also when phone is "x"


@given(st.text())
def test_any_key_is_one_path_component(key):
    document = json.dumps({"data": {key: 1}})
    path = render("data.{{.k}}", {"k": key}, escape="gjson")
    assert gjson.get(document, path).value == 1


# template text with every character that changes a URL, GJSON or JSON context, but no braces
TEXT = st.text(alphabet=st.sampled_from(list('ab."\\/?#:@%=()[]&, -+')), max_size=6)
ACTIONS = st.sampled_from(
    [
        "{{.a}}",
        "{{.b}}",
        "{{.n}}",
        "{{.u}}",
        '{{printf "%s-%s" .a .b}}',
        "{{UrlEncode .a}}",
        "{{RawPath .b}}",
        "{{range .l}}{{.}}{{end}}",
    ]
)
WRAPS = [
    "{{if true}}%s{{end}}",
    "{{if false}}{{else}}%s{{end}}",
    "{{with $}}%s{{end}}",
    "{{with .}}%s{{end}}",
    '{{define "w"}}%s{{end}}{{template "w" .}}',
]
VALUE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(list('/."\\?#%:@')),
    max_size=8,
)


@given(
    parts=st.lists(st.tuples(TEXT, ACTIONS), min_size=1, max_size=5),
    tail=TEXT,
    which=st.integers(0, 4),
    wrap=st.sampled_from(WRAPS),
    mode=st.sampled_from(["text", "json", "url", "gjson"]),
    a=VALUE,
    b=VALUE,
    trusted=st.booleans(),
)
def test_wrapping_an_action_never_changes_the_output(parts, tail, which, wrap, mode, a, b, trusted):
    """For any template and data, in every escape mode, wrapping one action in `{{if true}}`,
    `{{with .}}` or a named template renders the same text."""
    which %= len(parts)
    data = {
        "a": a,
        "b": b,
        "n": 1.5,
        "u": SafeURL("https://x.test/" + a) if trusted else a,
        "l": [a, 2],
    }
    plain = "".join(text + action for text, action in parts) + tail
    wrapped = "".join(
        text + (wrap % action if i == which else action) for i, (text, action) in enumerate(parts)
    )
    assert _outcome(wrapped + tail, data, mode) == _outcome(plain, data, mode)


def _outcome(template: str, data: dict[str, object], mode: str) -> str:
    try:
        return render(template, data, escape=mode)  # type: ignore[arg-type]
    except ExpressionError as exc:
        return f"error: {type(exc).__name__}"
