"""The HubSpot fixture accepts the documented requests, validates against its OpenAPI
description, and answers like HubSpot otherwise."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.vendors.checks import served, walk_body_link
from tests.vendors.hubspot import PORTAL_ID, PRIVATE_APP_TOKEN, HubSpotFixture
from tests.vendors.openapi import VendorSpec

BEARER = {"Authorization": f"Bearer {PRIVATE_APP_TOKEN}"}
PHONE_EQ = {
    "filterGroups": [
        {"filters": [{"propertyName": "phone", "operator": "EQ", "value": "+15135557611"}]}
    ],
    "properties": ["firstname", "phone"],
    "limit": 5,
}


def test_owners_follow_paging_next_link():
    fixture = HubSpotFixture(owner_count=240)
    with served(fixture, BEARER) as client:
        owners = walk_body_link(
            client,
            "/crm/v3/owners",
            {"limit": 100},
            "paging.next.link",
            lambda body: body["results"],
        )
    assert len(owners) == 240
    assert owners[0]["firstName"] == "Ada"
    assert fixture.openapi_errors == []


def test_phone_search_is_exact_and_new_contacts_wait_for_the_index():
    fixture = HubSpotFixture(owner_count=1)
    with served(fixture, BEARER) as client:
        hit = client.post("/crm/v3/objects/contacts/search", json=PHONE_EQ).json()
        created = client.post(
            "/crm/v3/objects/contacts",
            json={
                "properties": {"firstname": "Grace", "lastname": "Hopper", "phone": "+15135550000"}
            },
        )
        lagging = client.post(
            "/crm/v3/objects/contacts/search", json={"query": "+15135550000"}
        ).json()
        fixture.reindex()
        indexed = client.post(
            "/crm/v3/objects/contacts/search", json={"query": "+15135550000"}
        ).json()
    assert hit["total"] == 1
    assert hit["results"][0]["properties"]["phone"] == "+15135557611"
    assert created.status_code == 201
    assert lagging["total"] == 0
    assert indexed["total"] == 1
    assert fixture.openapi_errors == []


def test_call_and_ticket_with_associations_and_screen_pop_portal_id():
    fixture = HubSpotFixture(owner_count=1)
    assoc = [
        {
            "to": {"id": "51"},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 194}],
        }
    ]
    with served(fixture, BEARER) as client:
        call = client.post(
            "/crm/v3/objects/calls",
            json={
                "properties": {
                    "hs_timestamp": "2026-01-02T10:00:00Z",
                    "hs_call_direction": "INBOUND",
                    "hs_call_duration": "205000",
                    "hs_call_status": "COMPLETED",
                },
                "associations": assoc,
            },
        )
        ticket = client.post(
            "/crm/v3/objects/tickets",
            json={
                "properties": {
                    "subject": "Missed call",
                    "hs_pipeline": "0",
                    "hs_pipeline_stage": "1",
                }
            },
        )
        bad_assoc = client.post(
            "/crm/v3/objects/calls",
            json={
                "properties": {"hs_timestamp": "1"},
                "associations": [{"to": {"id": "999"}, "types": assoc[0]["types"]}],
            },
        )
        account = client.get("/account-info/v3/details").json()
    assert (call.status_code, ticket.status_code, bad_assoc.status_code) == (201, 201, 400)
    assert fixture.calls[0]["associations_in"] == assoc
    assert account["portalId"] == PORTAL_ID
    assert account["uiDomain"] == "app.hubspot.com"
    assert fixture.openapi_errors == []


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "category"),
    [
        (
            "GET",
            "/crm/v3/owners",
            {"headers": {"Authorization": "Bearer nope"}},
            401,
            "INVALID_AUTHENTICATION",
        ),
        ("DELETE", "/crm/v3/owners", {}, 405, "METHOD_NOT_ALLOWED"),
        (
            "POST",
            "/crm/v3/objects/calls",
            {"json": {"properties": {"hs_call_title": "no timestamp"}}},
            400,
            "VALIDATION_ERROR",
        ),
        ("GET", "/crm/v3/owners", {"params": {"limit": 501}}, 400, "VALIDATION_ERROR"),
    ],
    ids=["wrong-token", "wrong-method", "missing-hs_timestamp", "limit-over-500"],
)
def test_undocumented_requests_get_hubspot_errors(method, path, kwargs, status, category):
    with served(HubSpotFixture(owner_count=1), BEARER) as client:
        response = client.request(method, path, **kwargs)
    assert response.status_code == status
    assert response.json()["category"] == category


def test_expired_oauth_token_refresh_keeps_the_refresh_token_and_429_has_no_retry_after():
    fixture = HubSpotFixture(owner_count=1)
    form = {"client_id": "c", "client_secret": "s"}
    with served(fixture) as client:
        tokens = client.post(
            "/oauth/v1/token",
            data=form
            | {"grant_type": "authorization_code", "code": "x", "redirect_uri": "https://r"},
        ).json()
        fixture.expire_tokens()
        expired = client.get(
            "/crm/v3/owners", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        refreshed = client.post(
            "/oauth/v1/token",
            data=form | {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        ).json()
        fixture.faults.rate_limit()
        limited = client.get(
            "/crm/v3/owners", headers={"Authorization": f"Bearer {refreshed['access_token']}"}
        )
    assert expired.status_code == 401
    assert expired.json()["category"] == "EXPIRED_AUTHENTICATION"
    assert refreshed["refresh_token"] == tokens["refresh_token"]
    assert refreshed["expires_in"] == 1800
    assert limited.status_code == 429
    assert "Retry-After" not in limited.headers
    assert limited.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert limited.json()["policyName"] == "TEN_SECONDLY_ROLLING"


SPEC = VendorSpec.load("hubspot")


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(SPEC.response_strategy("post", "/crm/v3/objects/contacts/search"))
def test_generated_search_responses_satisfy_the_description(body):
    """Variants from the schema are valid bodies a template mapping must survive."""
    assert isinstance(body["total"], int)
    assert isinstance(body["results"], list)
    for result in body["results"]:
        assert isinstance(result["id"], str)
        assert isinstance(result["properties"], dict)
