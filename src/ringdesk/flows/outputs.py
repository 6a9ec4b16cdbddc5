"""Variables read from a helpdesk response (pure): the outputs of extra requests, the
`from="response"` / `from="header"` extra variables of create contact (N2), and the id a
duplicate check found.

One extractor serves all of them: an `Output` reads the body with GJSON (`path`) or RFC 9535
JSONPath (`jsonpath`, first match), or a response header (`header`, case-insensitive). Values
become text: strings as they are, numbers and booleans as JSON, objects and arrays as compact
JSON. An output that finds nothing (or JSON null) is absent from the result, so the variable
stays unset; a response that is not a success (2xx) yields nothing at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ringdesk.expressions import ExpressionError, gjson, jsonpath
from ringdesk.flows.linkheader import header_value
from ringdesk.templates.model import DuplicateCheck, ExtraVariable, Output

__all__ = ["as_output", "duplicate_id", "extract_outputs", "value_text"]


def as_output(source: Output | ExtraVariable) -> Output | None:
    """The `Output` an extra variable reads (`from="response"` → GJSON path, `from="header"`
    → header); None for `from="value"`, which the caller renders itself."""
    if isinstance(source, Output):
        return source
    if source.source == "response" and source.path:
        return Output(name=source.name, path=source.path)
    if source.source == "header" and source.path:
        return Output(name=source.name, header=source.path)
    return None


def value_text(value: Any) -> str:
    """A JSON value as variable text (strings as is, everything else as compact JSON)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _read(output: Output, headers: Mapping[str, str], body: bytes | str) -> str | None:
    if output.header:
        found = [v for k, v in headers.items() if k.lower() == output.header.lower()]
        return header_value(headers, output.header).strip() if found else None
    if not body:
        return None
    try:
        if output.path:
            result = gjson.get(body, output.path)
            value = result.value if result.exists else None
        elif output.jsonpath:
            matches = jsonpath.find(body, output.jsonpath)
            value = matches[0] if matches else None
        else:
            return None
    except ExpressionError:  # not JSON, or a path validation should have refused
        return None
    return None if value is None else value_text(value)


def extract_outputs(
    outputs: Iterable[Output | ExtraVariable],
    *,
    status: int,
    headers: Mapping[str, str],
    body: bytes | str,
) -> dict[str, str]:
    """The variables `outputs` find in one response: name → text, missing ones absent.

    `outputs` may mix `Output`s and create-contact `ExtraVariable`s (`from="value"` ones are
    skipped). Nothing is read from a response whose `status` is not 2xx."""
    if not 200 <= status < 300:
        return {}
    values: dict[str, str] = {}
    for source in outputs:
        output = as_output(source)
        if output is None or not output.name:
            continue
        text = _read(output, headers, body)
        if text is not None:
            values[output.name] = text
    return values


def duplicate_id(check: DuplicateCheck, *, status: int, body: bytes | str) -> str:
    """The id a duplicate check found at its GJSON `id_path`, or "" (nothing found: create).

    A string or number counts when non-empty; from an array (`items.#.id`) its first such
    element; objects, booleans and null never count. A non-2xx answer finds nothing."""
    if not 200 <= status < 300 or not body or not check.id_path:
        return ""
    try:
        result = gjson.get(body, check.id_path)
    except ExpressionError:
        return ""
    value = result.value if result.exists else None
    if isinstance(value, list):
        value = next((v for v in value if _is_id(v)), None)
    return value_text(value).strip() if _is_id(value) else ""


def _is_id(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return isinstance(value, int | float)
