"""GJSON path engine: the contract API (`get`, `Result`, `compile`, `escape`) and strictness."""

from __future__ import annotations

import json

import pytest

from ringdesk.expressions import ExpressionError, gjson

DOC = json.dumps(
    {
        "name": {"first": "Tom", "last": "Anderson"},
        "age": 37,
        "children": ["Sara", "Alex", "Jack"],
        "fav.movie": "Deer Hunter",
        "friends": [
            {"first": "Dale", "last": "Murphy", "age": 44, "nets": ["ig", "fb", "tw"]},
            {"first": "Roger", "last": "Craig", "age": 68, "nets": ["fb", "tw"]},
            {"first": "Jane", "last": "Murphy", "age": 47, "nets": ["ig", "tw"]},
        ],
    },
    separators=(",", ":"),
)

# covers E3, C4
CASES = [
    ("name.last", '"Anderson"', "Anderson", "Anderson"),
    ("age", "37", "37", 37),
    ("children.#", "3", "3", 3),
    ("children.1", '"Alex"', "Alex", "Alex"),
    ("child*.2", '"Jack"', "Jack", "Jack"),
    ("c?ildren.0", '"Sara"', "Sara", "Sara"),
    ("fav\\.movie", '"Deer Hunter"', "Deer Hunter", "Deer Hunter"),
    (
        "friends.#.first",
        '["Dale","Roger","Jane"]',
        '["Dale","Roger","Jane"]',
        ["Dale", "Roger", "Jane"],
    ),
    ('friends.#(last=="Murphy").first', '"Dale"', "Dale", "Dale"),
    ('friends.#(last=="Murphy")#.first', '["Dale","Jane"]', '["Dale","Jane"]', ["Dale", "Jane"]),
    ("friends.#(age>45)#.last", '["Craig","Murphy"]', '["Craig","Murphy"]', ["Craig", "Murphy"]),
    ('friends.#(first%"D*").last', '"Murphy"', "Murphy", "Murphy"),
    ('friends.#(first!%"D*").last', '"Craig"', "Craig", "Craig"),
    ('friends.#(nets.#(=="fb"))#.first', '["Dale","Roger"]', '["Dale","Roger"]', ["Dale", "Roger"]),
    ("children|@reverse|0", '"Jack"', "Jack", "Jack"),
    ("[age,name.last]", '[37,"Anderson"]', '[37,"Anderson"]', [37, "Anderson"]),
    (
        "{name.first,age}",
        '{"first":"Tom","age":37}',
        '{"first":"Tom","age":37}',
        {"first": "Tom", "age": 37},
    ),
    ("!true", "true", "true", True),
]


@pytest.mark.parametrize(("path", "raw", "text", "value"), CASES, ids=[c[0] for c in CASES])
def test_get_returns_raw_text_and_value(path, raw, text, value):
    """Each path yields the document's raw text, GJSON String() and the Python value."""
    res = gjson.get(DOC, path)
    assert res.exists
    assert (res.raw, res.text, res.value) == (raw, text, value)


def test_missing_path_does_not_exist():
    """A path that matches nothing has exists False and empty raw/text."""
    res = gjson.get(DOC, "name.middle")
    assert (res.exists, res.raw, res.text, res.value) == (False, "", "", None)


def test_bytes_document_is_accepted():
    """Documents may be bytes (UTF-8)."""
    assert gjson.get(DOC.encode(), "name.first").text == "Tom"


BAD = [
    ('a.#(b=="c"', 3),
    ("a\\", 1),
    ("a.#(b=<1)", 5),
    ("@nope", 0),
    ("x.@nope", 2),
    ("[a,b", 0),
]


@pytest.mark.parametrize(("path", "position"), BAD, ids=[b[0] for b in BAD])
def test_malformed_paths_raise_with_position(path, position):
    """Clearly malformed paths raise ExpressionError with a 0-based position."""
    with pytest.raises(ExpressionError) as info:
        gjson.compile(path)
    assert info.value.position == position


def test_escape_makes_special_keys_literal():
    """escape() lets a key with dots, wildcards and '@' be matched literally."""
    doc = json.dumps({"a.b*c@d": 1, "a": {"b": 2}})
    assert gjson.escape("a.b*c@d") == "a\\.b\\*c\\@d"
    assert gjson.get(doc, gjson.escape("a.b*c@d")).value == 1


SPLITS = [
    ("a.b", ["a.b"]),
    ("a.b, c.d", ["a.b", "c.d"]),
    ('data.#(name=="x,y").id,  fallback', ['data.#(name=="x,y").id', "fallback"]),
    ("[a,b].0 , {c,d}", ["[a,b].0", "{c,d}"]),
    ("key\\,with\\,commas,other", ["key\\,with\\,commas", "other"]),
    (" , a,,", ["a"]),
]


@pytest.mark.parametrize(("text", "paths"), SPLITS, ids=[s[0] for s in SPLITS])
def test_split_alternatives_splits_on_top_level_commas(text, paths):
    """Comma-separated alternatives split only outside brackets, quotes and escapes (C4)."""
    assert gjson.split_alternatives(text) == paths


MODS = [
    ("children|@reverse", '["Jack","Alex","Sara"]'),
    ("name|@keys", '["first","last"]'),
    ("name|@values", '["Tom","Anderson"]'),
    ("[children,[age]]|@flatten", '["Sara","Alex","Jack",37]'),
    ("friends.#.name|@join", "{}"),
    ("[name,{age}]|@join", '{"first":"Tom","last":"Anderson","age":37}'),
    ("name.first|@tostr", '"\\"Tom\\""'),
    ("name|@tostr|@fromstr", '{"first":"Tom","last":"Anderson"}'),
    ("name|@pretty", '{\n  "first": "Tom",\n  "last": "Anderson"\n}\n'),
    ("name|@pretty|@ugly", '{"first":"Tom","last":"Anderson"}'),
    ("name|@valid", '{"first":"Tom","last":"Anderson"}'),
    ("@dig:last", '["Anderson","Murphy","Craig","Murphy"]'),
    (
        '{"a":friends.#.first,"b":friends.#.age}|@group',
        '[{"a":"Dale","b":44},{"a":"Roger","b":68},{"a":"Jane","b":47}]',
    ),
    ("friends.#.{first,age}|@group", ""),
]


@pytest.mark.parametrize(("path", "raw"), MODS, ids=[m[0] for m in MODS])
def test_modifiers(path, raw):
    """The GJSON modifiers produce the same JSON as tidwall/gjson (E3)."""
    assert gjson.get(DOC, path).raw == raw


ACCEPTED = [
    '!"a@b\\"',
    "@this:arg.with.dots",
    '@pretty:{"indent":"\\t"}.name',
    "a.b\\@c",
    "#",
    "..",
]


@pytest.mark.parametrize("path", ACCEPTED)
def test_lenient_paths_compile(path):
    """Literals, modifier arguments and escapes are not mistaken for malformed syntax."""
    assert gjson.compile(path).path == path


VALUES = [
    ('{"n":12345678901234567890}', "n", 12345678901234567890, "12345678901234567890"),
    ('{"n":1.50}', "n", 1.5, "1.5"),
    ('{"n":-0.0}', "n", -0.0, "-0"),
    ('{"n":1e3}', "n", 1000.0, "1000"),
    ('{"s":"\\u00e9\\n"}', "s", "é\n", "é\n"),
    ('{"z":null}', "z", None, ""),
    ('{"a":1,"a":2}', "a", 1, "1"),
    ('{"o":{"a":1,"a":2}}', "o", {"a": 1}, '{"a":1,"a":2}'),
]


@pytest.mark.parametrize(("doc", "path", "value", "text"), VALUES, ids=[v[0] for v in VALUES])
def test_value_and_text_semantics(doc, path, value, text):
    """Integers stay int, text is Go's String(), duplicate keys resolve to the first (E3)."""
    res = gjson.get(doc, path)
    assert res.exists
    assert res.value == value
    assert type(res.value) is type(value)
    assert res.text == text


def test_compiled_path_is_reusable_and_cached():
    """compile() returns the same validated path object for the same text."""
    compiled = gjson.compile("friends.#.first")
    assert compiled is gjson.compile("friends.#.first")
    assert compiled.get(DOC).value == ["Dale", "Roger", "Jane"]
    assert compiled.get(DOC.encode()).value == ["Dale", "Roger", "Jane"]


def test_wildcard_match_is_not_exponential():
    """A many-star pattern against a long key is answered quickly (no regex blow-up)."""
    doc = json.dumps({"a" * 5000: 1, "aaaaab": 2})
    assert gjson.get(doc, "*a*a*a*a*a*b").value == 2
    assert not gjson.get(doc, "*a*a*a*a*a*c").exists


def test_array_gives_elements_with_raw_text():
    """Result.array() yields one Result per element, each keeping its raw text."""
    friends = gjson.get(DOC, "friends").array()
    assert [f.get("first").text for f in friends] == ["Dale", "Roger", "Jane"]
    assert friends[0].raw.startswith('{"first":"Dale"')
    assert gjson.get(DOC, "age").array()[0].value == 37
    assert gjson.get(DOC, "missing").array() == []
