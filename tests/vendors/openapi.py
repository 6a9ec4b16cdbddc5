"""OpenAPI descriptions of vendor APIs: validate fixture traffic and generate response variants.

`VendorSpec.load("hubspot")` reads `tests/vendors/openapi/hubspot.yaml`. The fixture calls
`spec.check(request, base_url, reply)` for every exchange (openapi-core validates the request
and the response); contract tests call `spec.response_strategy(method, path)` to get a
hypothesis strategy of bodies that the vendor's schema allows (hypothesis-jsonschema), so a
template's field mappings can be run against shapes the sample data never shows.
"""

from __future__ import annotations

import copy
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from hypothesis import strategies as st
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

if TYPE_CHECKING:
    from tests.vendors.fixture import RecordedRequest, Reply

__all__ = ["SPEC_DIR", "VendorSpec", "from_schema"]

SPEC_DIR = Path(__file__).parent / "openapi"


class VendorSpec:
    """One vendor's trimmed OpenAPI 3.0 document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.openapi = OpenAPI.from_dict(document)

    @classmethod
    def load(cls, vendor: str) -> VendorSpec:
        """The description of `vendor`, parsed once per process (it is never mutated)."""
        return _load(cls, vendor)

    # validation -----------------------------------------------------------------------------
    def check(self, request: RecordedRequest, base_url: str, reply: Reply) -> list[str]:
        """Problems of this exchange against the description (empty = both valid)."""
        mock = MockRequest(
            base_url,
            request.method,
            request.path,
            args=list(request.query),  # type: ignore[arg-type]  # a list keeps repeated keys
            headers=dict(request.headers),
            data=request.body,
            content_type=request.headers.get("content-type", "application/json"),
        )
        where = f"{request.method} {request.path}"
        problems = [f"request {where}: {e}" for e in _errors(self.openapi.validate_request, mock)]
        response = MockResponse(
            reply.encode(),
            status_code=reply.status,
            headers=dict(reply.headers),
            content_type=reply.content_type,
        )
        problems += [
            f"response {reply.status} to {where}: {e}"
            for e in _errors(self.openapi.validate_response, mock, response)
        ]
        return problems

    # generation -----------------------------------------------------------------------------
    def response_schema(self, method: str, path: str, status: str = "200") -> dict[str, Any]:
        """The JSON Schema of a documented response body, `$ref`s inlined."""
        operation = self.document["paths"][path][method.lower()]
        # A response may itself be a `$ref` to components/responses (HubSpot's `Created`).
        response = self._inline(operation["responses"][status])
        media = response["content"]["application/json"]
        return _to_json_schema(self._inline(media["schema"]))

    def response_strategy(
        self, method: str, path: str, status: str = "200"
    ) -> st.SearchStrategy[Any]:
        """Bodies the description allows for that response."""
        return from_schema(self.response_schema(method, path, status))

    def _inline(self, node: Any, depth: int = 0) -> Any:
        if depth > 20:
            raise ValueError("recursive $ref in the OpenAPI description")
        if isinstance(node, dict):
            if "$ref" in node:
                return self._inline(self._resolve(node["$ref"]), depth + 1)
            return {k: self._inline(v, depth) for k, v in node.items()}
        if isinstance(node, list):
            return [self._inline(v, depth) for v in node]
        return node

    def _resolve(self, ref: str) -> Any:
        node: Any = self.document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return copy.deepcopy(node)

    @cached_property
    def operations(self) -> list[tuple[str, str]]:
        return [
            (method.upper(), path)
            for path, item in self.document["paths"].items()
            for method in item
            if method in {"get", "post", "put", "patch", "delete"}
        ]


@cache
def _load(cls: type[VendorSpec], vendor: str) -> VendorSpec:
    return cls(yaml.safe_load((SPEC_DIR / f"{vendor}.yaml").read_text()))


def _errors(validate: Any, *args: Any) -> list[str]:
    try:
        validate(*args)
    except Exception as error:  # openapi-core raises a tree of validation errors
        detail = getattr(error, "schema_errors", None) or getattr(error, "__cause__", None)
        return [f"{type(error).__name__}: {error} {detail or ''}".strip()]
    return []


def _to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema → JSON Schema: `nullable` becomes a type union; OpenAPI-only
    keywords go."""
    if isinstance(node, list):
        return [_to_json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {
        k: _to_json_schema(v)
        for k, v in node.items()
        if k not in {"nullable", "example", "readOnly", "writeOnly", "xml", "discriminator"}
        and not k.startswith("x-")
    }
    if "properties" in node:
        out["properties"] = {k: _to_json_schema(v) for k, v in node["properties"].items()}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if out.get("format") in {"date-time", "uri", "email"}:
        del out["format"]  # generated strings stay plain; mappings must survive any text
    return out


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A strategy for the JSON Schema subset the trimmed descriptions use (type, enum,
    properties/required/additionalProperties, items, min/max, allOf/oneOf/anyOf).

    hypothesis-jsonschema would be the natural tool, but its latest release (0.23.1) calls a
    Hypothesis internal that Hypothesis 6.170 removed (`many.more`), so it cannot run here."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return st.one_of([from_schema(_merge(schema, key, s)) for s in schema[key]])
    if "allOf" in schema:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            merged = _deep_merge(merged, part)
        return from_schema(merged)
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([from_schema(dict(schema, type=t)) for t in kind])
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        return st.floats(
            schema.get("minimum"), schema.get("maximum"), allow_nan=False, allow_infinity=False
        )
    if kind == "string":
        return st.text(
            min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 40), 40)
        )
    if kind == "array":
        items = from_schema(schema.get("items", {}))
        return st.lists(
            items, min_size=schema.get("minItems", 0), max_size=min(schema.get("maxItems", 4), 4)
        )
    if kind == "object" or "properties" in schema:
        return _object(schema)
    return st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=5,
    )


def _object(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    fixed = {k: from_schema(properties.get(k, {})) for k in sorted(required)}
    optional = {k: from_schema(v) for k, v in properties.items() if k not in required}
    base = st.fixed_dictionaries(fixed, optional=optional)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        more = st.dictionaries(st.text(min_size=1, max_size=12), from_schema(extra), max_size=3)
        return st.builds(lambda a, b: {**b, **a}, base, more)
    return base


def _merge(schema: dict[str, Any], key: str, part: dict[str, Any]) -> dict[str, Any]:
    return _deep_merge({k: v for k, v in schema.items() if k != key}, part)


def _deep_merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        if k == "properties" and k in out:
            props = dict(out[k])
            for name, sub in v.items():
                props[name] = _deep_merge(props[name], sub) if name in props else sub
            out[k] = props
        elif k == "required" and k in out:
            out[k] = sorted(set(out[k]) | set(v))
        else:
            out[k] = v
    return out
