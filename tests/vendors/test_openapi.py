"""The OpenAPI helper: every described response yields generated bodies that satisfy its own
schema, and the authored descriptions are valid OpenAPI 3.0 documents."""

from __future__ import annotations

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.vendors.openapi import SPEC_DIR, VendorSpec, from_schema

VENDORS = sorted(path.stem for path in SPEC_DIR.glob("*.yaml"))


def _responses() -> list[tuple[str, str, str, str]]:
    found = []
    for vendor in VENDORS:
        spec = VendorSpec.load(vendor)
        for path, item in spec.document["paths"].items():
            for method, operation in item.items():
                for status, response in operation.get("responses", {}).items():
                    if status.startswith("2") and "application/json" in response.get("content", {}):
                        found.append((vendor, method, path, status))
    return found


RESPONSES = _responses()


def test_every_authored_description_loads_and_describes_operations():
    assert VENDORS == ["hubspot", "jira_service_management", "zendesk"]
    for vendor in VENDORS:
        assert VendorSpec.load(vendor).operations


@pytest.mark.parametrize(
    ("vendor", "method", "path", "status"),
    RESPONSES,
    ids=[f"{v}:{m}:{p}:{s}" for v, m, p, s in RESPONSES],
)
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_generated_bodies_satisfy_their_schema(vendor, method, path, status, data):
    spec = VendorSpec.load(vendor)
    schema = spec.response_schema(method, path, status)
    body = data.draw(spec.response_strategy(method, path, status))
    jsonschema.validate(body, schema)


@pytest.mark.parametrize(
    ("schema", "accepts"),
    [
        ({"type": "string", "nullable": True}, [None, "x"]),
        ({"allOf": [{"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}},
                    {"properties": {"a": {"minimum": 5}}}]}, [{"a": 5}]),
        ({"oneOf": [{"type": "integer"}, {"type": "boolean"}]}, [1, True]),
        ({"type": "object", "additionalProperties": {"type": "string"}}, [{}, {"k": "v"}]),
    ],
    ids=["nullable", "allOf-merges", "oneOf", "additionalProperties"],
)  # fmt: skip
def test_from_schema_draws_only_valid_values(schema, accepts):
    from tests.vendors.openapi import _to_json_schema

    converted = _to_json_schema(schema)
    for value in accepts:
        jsonschema.validate(value, converted)

    @settings(max_examples=30)
    @given(from_schema(converted))
    def check(value):
        jsonschema.validate(value, converted)

    check()
