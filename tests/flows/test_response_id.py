"""The id of a created object as a delivery records it (`flows.delivery.response_id`)."""

from __future__ import annotations

import httpx
import pytest

from ringdesk.flows.delivery import response_id
from ringdesk.http.client import HelpdeskResponse


@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        (b'{"id": 42}', {}, "42"),
        (b'{"ticket": {"id": "T-9"}}', {}, "T-9"),
        (b"", {"Location": "https://api.helpscout.net/v2/conversations/90000"}, "90000"),
        (b"", {"Location": "/api/now/table/incident/abc/"}, "abc"),
        (b'{"ok": true}', {"Location": "https://x.example/items/7"}, "7"),
        (b"", {}, ""),
        (b"[1, 2]", {}, ""),
    ],
    ids=[
        "top-id",
        "nested-id",
        "empty-body-location",
        "relative-location",
        "no-id-location",
        "nothing",
        "array",
    ],
)
def test_response_id(body, headers, expected):
    """An empty 201 (Help Scout) still yields the created id, from its Location header."""
    response = HelpdeskResponse(201, httpx.Headers(headers), body)
    assert response_id(response) == expected
