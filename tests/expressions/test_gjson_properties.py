"""Property tests for the GJSON engine: escaped keys always find their value; raw round-trips."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringdesk.expressions import ExpressionError, gjson

SPECIAL = '.*?|#@!\\()[]{}=<>%~",: \t'
# lone surrogates are not text; gjson turns them into U+FFFD like Go does
chars = st.characters(blacklist_categories=("Cs",))
keys = st.text(alphabet=st.sampled_from(SPECIAL) | chars, max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=chars, max_size=20)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=8,
)
documents = st.dictionaries(keys, values, min_size=1, max_size=6)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents, ascii_only=st.booleans(), indent=st.sampled_from([None, 2]))
def test_escaped_key_finds_its_value(doc: dict[str, Any], ascii_only: bool, indent: int | None):
    """get(json, escape(key)) returns the key's value for keys with special characters (C4)."""
    text = json.dumps(doc, ensure_ascii=ascii_only, indent=indent)
    for key, expected in doc.items():
        res = gjson.get(text, gjson.escape(key))
        assert res.exists, key
        assert res.value == expected
        assert json.loads(res.raw) == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(outer=keys, inner=keys, value=values)
def test_escaped_nested_path_finds_value(outer: str, inner: str, value: Any):
    """Two escaped components joined by '.' address a nested member."""
    text = json.dumps({outer: {inner: value}})
    res = gjson.get(text, gjson.escape(outer) + "." + gjson.escape(inner))
    assert res.value == value


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=values)
def test_raw_round_trips_to_value(doc: Any):
    """For any found result, json.loads(raw) equals value (E3)."""
    text = json.dumps({"v": doc, "list": [doc, doc]})
    for path in ("v", "list.1", "list.#", "@this"):
        res = gjson.get(text, path)
        assert json.loads(res.raw) == res.value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.text(alphabet=st.sampled_from(SPECIAL + "ab01"), max_size=16), doc=values)
def test_arbitrary_paths_never_crash(path: str, doc: Any):
    """Any path either raises ExpressionError or evaluates to a Result."""
    outcome = _evaluate(json.dumps(doc), path)
    if isinstance(outcome, ExpressionError):
        assert outcome.position is not None
        assert 0 <= outcome.position <= len(path)
    else:
        assert isinstance(outcome.raw, str)
        assert isinstance(outcome.text, str)


def _evaluate(text: str, path: str) -> gjson.Result | ExpressionError:
    try:
        return gjson.get(text, path)
    except ExpressionError as exc:
        return exc
