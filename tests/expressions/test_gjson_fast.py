"""The GJSON array fast path (`#`, `#.path`, `#(query)` split by json's C scanner) answers
exactly as Go's element-by-element loop: same exists, raw and String() on tricky texts."""

from __future__ import annotations

from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from ringdesk.expressions import _gjson_scan, gjson

# raw JSON fragments chosen to hit every case the fast path must hand back or get right:
# escaped keys that spell a plain key, duplicate keys, -0, floats, escaped strings, `\/`
KEYS = ['"a"', '"b"', '"\\u0061"', '"c"', '"a\\/"']
LEAVES = [
    '"x"',
    '"\\u0078"',
    '"x\\/"',
    '"x\\"y"',
    '"x\\ny"',
    '"{a}"',
    "0",
    "-0",
    "1",
    "-7",
    "1.0",
    "1e2",
    "true",
    "false",
    "null",
    "[]",
    '[ "x" , 1 ]',
    "[-0,2]",
]
WS = st.sampled_from(["", " ", "\n  "])


@st.composite
def values(draw: Any, depth: int = 0) -> str:
    if depth < 2 and draw(st.booleans()):
        members = draw(st.lists(st.tuples(st.sampled_from(KEYS), values(depth + 1)), max_size=4))
        ws = draw(WS)
        return "{" + ws + ("," + ws).join(f"{k}:{ws}{v}" for k, v in members) + ws + "}"
    return draw(st.sampled_from(LEAVES))


@st.composite
def arrays(draw: Any) -> str:
    elements = draw(st.lists(values() | st.sampled_from(["NaN", '"x"', "3"]), max_size=5))
    sep = draw(st.sampled_from([",", " , ", ",\n"]))
    trailing = draw(st.sampled_from(["", "", "", ","]))
    return '{"data":[' + sep.join(elements) + trailing + '],"tail":1}'


PATHS = [
    "data.#",
    "data.#.a",
    "data.#.b",
    "data.#.a.0",
    "data.#.b.a",
    "data.#.a.1",
    "data.#.a|@this",
    "data.#.#",
    'data.#(a=="x")',
    'data.#(a=="x")#',
    "data.#(a==0)#.b",
    "data.#(a>0)#",
    "data.#(b.a%x*)#.a",
    "data.#(a)#",
    'data.#(b=="x").a',
    'data.#(a!="x")#|#',
    "data.#(==3)#",
    "data.#.a.#",
    "data.0",
    "data.1.a",
    "data.2",
    "data.3.b.a",
    "data.4",
    "data.9",
]


def _answer(doc: str, path: str) -> tuple[bool, str, str]:
    res = gjson.get(doc, path)
    return res.exists, res.raw, res.text


@settings(max_examples=400, deadline=None)
@given(doc=arrays(), path=st.sampled_from(PATHS))
def test_fast_path_answers_as_go_loop(doc: str, path: str) -> None:
    fast = _answer(doc, path)
    # the reference is the same engine with the fast path switched off (Go's own loop)
    with (
        mock.patch.object(_gjson_scan, "array_fast", return_value=None),
        mock.patch.object(_gjson_scan, "skip_elements", side_effect=lambda s, i, n: (i, 0, -1)),
    ):
        slow = _answer(doc, path)
    assert fast == slow, (doc, path)


def test_fast_path_reads_plain_values_and_hands_back_doubtful_ones() -> None:
    doc = '{"data":[{"a":"x","b":-0},{"a":"\\u0078","b":1.50},{"a":7,"a":8},{"b":{"a":true}}]}'
    assert gjson.get(doc, "data.#.a").raw == '["x","\\u0078",7]'
    assert gjson.get(doc, "data.#.b").raw == '[-0,1.50,{"a":true}]'
    assert gjson.get(doc, "data.#.b.a").raw == "[true]"
    assert gjson.get(doc, 'data.#(a=="x")#').raw == '[{"a":"x","b":-0},{"a":"\\u0078","b":1.50}]'
    assert gjson.get(doc, "data.#(a==7).b").exists is False
    assert gjson.get(doc, "data.#").raw == "4"


def test_fast_path_keeps_escaped_spellings() -> None:
    doc = '{"data":[{"a":"x\\/"},{"a":1,"\\u0061":2},{"a":"x\\ny"},{"\\u0061":3,"a":4}]}'
    assert gjson.get(doc, "data.#.a").raw == '["x\\/",1,"x\\ny",3]'
    assert gjson.get(doc, "data.#(a==2)").exists is False
    assert gjson.get(doc, "data.#(a==3)").raw == '{"\\u0061":3,"a":4}'


def test_fast_path_keeps_first_of_duplicate_keys() -> None:
    doc = '{"data":[{"id":1,"a":7,"a":8,"n":{"k":"p","k":"q"}},{"id":2,"a":9,"n":{"k":"q"}}]}'
    assert gjson.get(doc, "data.#.a").raw == "[7,9]"
    assert gjson.get(doc, "data.#.n.k").raw == '["p","q"]'
    assert gjson.get(doc, "data.#(a==8)").exists is False
    assert gjson.get(doc, "data.#(a==7).id").raw == "1"
    assert gjson.get(doc, 'data.#(n.k=="q")#.id').raw == "[2]"
    assert gjson.get(doc, 'data.#(n.k=="p")#.a').raw == "[7]"
