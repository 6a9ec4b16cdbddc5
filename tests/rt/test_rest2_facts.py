"""What Request Tracker 5's REST2 really does for auth and users, proved over HTTP against
a real RT 5.0.3: the facts the built-in `request-tracker` template relies on (tests/rt/
README.md lists them). Auth and its 401, the user listing's paging envelope and `fields=`,
that user search ignores phone fields, creating users; and what a request costs. If RT
changes any of them, a test here fails before the template does.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import time
import uuid
from collections.abc import Callable

import httpx
import pytest

from tests.rt.rest2 import RtClient, RtError
from tests.rt.rtserver import RtServer
from tests.rt.seed import PHONE_FIELDS, PHONE_SPELLINGS, Seeded

pytestmark = pytest.mark.rt

UNAUTHORIZED = {"message": "Unauthorized"}
PHONE_AND_NAME_FIELDS = ("Name", "EmailAddress", "RealName", "Organization", *PHONE_FIELDS)


# --- auth (A) ---------------------------------------------------------------------------


def test_token_header_authenticates(rt: RtServer) -> None:
    """`Authorization: token <T>` is accepted; /rt answers with RT's version."""
    response = httpx.get(f"{rt.api}/rt", headers={"Authorization": f"token {rt.token}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"Version", "Plugins"}
    assert body["Version"].startswith("5.0.")
    assert body["Plugins"] == []


@pytest.mark.parametrize(
    "how",
    ["token query parameter", "basic with root's password"],
)
def test_other_ways_in(rt: RtServer, how: str) -> None:
    """The token also works as `?token=`, and Basic with user and password works too."""
    if how == "token query parameter":
        response = httpx.get(f"{rt.api}/rt", params={"token": rt.token})
    else:
        response = httpx.get(f"{rt.api}/rt", auth=("root", rt.root_password))
    assert response.status_code == 200
    assert "Version" in response.json()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "token 1-14-00000000000000000000000000000000"},
        {"Authorization": "token not-a-token"},
        {"Authorization": "Bearer {token}"},
        {"Authorization": "Basic cm9vdDp3cm9uZw=="},  # root:wrong
    ],
    ids=["none", "wrong token", "malformed token", "bearer scheme", "wrong password"],
)
def test_refused_credentials_get_401_with_a_json_message(
    rt: RtServer, headers: dict[str, str]
) -> None:
    """Anything but a valid token or password is 401 `{"message": "Unauthorized"}`, and
    `Bearer` is not a scheme RT knows even with a valid token."""
    headers = {key: value.format(token=rt.token) for key, value in headers.items()}
    response = httpx.get(f"{rt.api}/users", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert "www-authenticate" not in response.headers
    assert response.json() == UNAUTHORIZED


# --- user listing and search (U1-U4, C1, C8) -----------------------------------------------


def test_user_listing_envelope_and_paging(rt: RtServer, rt_seeded: Seeded) -> None:
    """`GET /users?page=N&per_page=M`: the envelope, `next_page` only while there is a next
    page, `prev_page` after the first, per_page capped at 100; items are `{id, type, _url}`
    with id = the user's Name."""
    first = rt.rest.users_page(page=1, per_page=100)
    total = first["total"]
    assert total >= len(rt_seeded.contacts) + len(rt_seeded.agents) + 3  # + root, Nobody, RT_System
    pages = math.ceil(total / 100)
    assert set(first) == {"count", "items", "page", "pages", "per_page", "total", "next_page"}
    assert first["page"] == 1
    assert first["per_page"] == first["count"] == len(first["items"]) == 100
    assert first["pages"] == pages
    assert first["next_page"] == f"{rt.api}/users?per_page=100&page=2"
    assert all(set(item) == {"id", "type", "_url"} for item in first["items"])
    assert first["items"][0] == rt.ref("user", first["items"][0]["id"])

    last = rt.rest.users_page(page=pages, per_page=100)
    assert set(last) == {"count", "items", "page", "pages", "per_page", "total", "prev_page"}
    assert last["count"] == len(last["items"]) == total - 100 * (pages - 1)
    assert last["prev_page"] == f"{rt.api}/users?per_page=100&page={pages - 1}"

    beyond = rt.rest.users_page(page=pages + 1, per_page=100)
    assert (beyond["items"], beyond["count"], beyond["total"]) == ([], 0, total)

    capped = rt.rest.users_page(page=1, per_page=500)
    assert capped["per_page"] == 100
    assert len(capped["items"]) == 100

    every = rt.rest.all_users()
    assert len(every) == total
    assert {"root", "Nobody", "RT_System"} <= {item["id"] for item in every}
    names = [item["id"] for item in every]
    assert names == sorted(names, key=str.lower)  # ordered by Name, case-blind: stable pages


def test_next_page_keeps_a_stray_key_when_page_comes_first(rt: RtServer) -> None:
    """RT drops `page` from the query string to build the links and leaves `=` behind when
    it came first; the link still works."""
    body = rt.rest.http.get("/users", params={"page": 1, "per_page": 2}).json()
    assert body["next_page"] == f"{rt.api}/users?=&per_page=2&page=2"
    follow = rt.rest.http.get(body["next_page"]).json()
    assert (follow["page"], follow["count"]) == (2, 2)


def test_fields_parameter_adds_columns_to_listed_users(rt: RtServer, rt_seeded: Seeded) -> None:
    """`fields=` adds the named columns to every item: unset ones as "", phones exactly as
    stored (no normalisation), `id` stays the Name."""
    items = rt.rest.all_users(PHONE_AND_NAME_FIELDS)
    by_name = {item["id"]: item for item in items}
    for contact in rt_seeded.contacts:
        item = by_name[contact.name]
        assert set(item) == {"id", "type", "_url", *PHONE_AND_NAME_FIELDS}
        assert item["Name"] == contact.name
        assert item["RealName"] == contact.real_name
        assert item["EmailAddress"] == (contact.email or "")
        for field in PHONE_FIELDS:
            assert item[field] == (contact.stored if field == contact.field else "")
    spellings = {(c.field, c.spelling) for c in rt_seeded.contacts}
    assert len(spellings) == len(PHONE_FIELDS) * len(PHONE_SPELLINGS)


def test_fields_quirks_id_becomes_numeric_and_privileged_is_not_a_column(
    rt: RtServer, rt_seeded: Seeded
) -> None:
    """Asking for `id` in fields replaces the Name with the numeric id; `Privileged` is not
    a column, so it comes back "" for agents too (only `GET /user/{name}` has it)."""
    agent = rt_seeded.agents[0]
    page = rt.rest.users_page(per_page=100, fields=("id", "Privileged"))
    numeric = rt.rest.user(agent.name)["id"]
    item = next(entry for entry in page["items"] if entry["id"] == numeric)
    assert isinstance(item["id"], int)
    assert item["Privileged"] == ""
    assert item["_url"] == f"{rt.api}/user/{agent.name}"


@pytest.mark.parametrize("field", PHONE_FIELDS)
def test_user_search_ignores_phone_conditions(rt: RtServer, rt_seeded: Seeded, field: str) -> None:
    """A JSON search on WorkPhone/MobilePhone/HomePhone is silently dropped: every user comes
    back. Contact lookup by phone therefore needs the synced phonebook (C8)."""
    contact = next(c for c in rt_seeded.contacts if c.field == field)
    everyone = rt.rest.users_page(per_page=1)["total"]
    query = f'[{{"field": "{field}", "value": "{contact.stored}"}}]'
    for method in ("GET", "POST"):
        if method == "GET":
            response = rt.rest.http.get("/users", params={"query": query, "per_page": 1})
        else:
            response = rt.rest.http.post(
                "/users?per_page=1", content=query, headers={"Content-Type": "application/json"}
            )
        assert response.status_code == 200
        assert response.json()["total"] == everyone


@pytest.mark.parametrize(
    ("condition", "expect"),
    [
        ({"field": "EmailAddress", "value": "CUSTOMER000@customers.example"}, "exact, any case"),
        ({"field": "EmailAddress", "operator": "LIKE", "value": "customer000@"}, "substring"),
        ({"field": "Name", "value": "contact-004"}, "exact"),
        ({"field": "RealName", "operator": "LIKE", "value": "customer 004"}, "substring"),
    ],
    ids=["email", "email LIKE", "name", "real name LIKE"],
)
def test_user_search_honours_public_fields(
    rt: RtServer, rt_seeded: Seeded, condition: dict[str, str], expect: str
) -> None:
    """Name, EmailAddress, RealName (and the other "public" columns) do filter, case-blind;
    LIKE means substring."""
    response = rt.rest.http.get("/users", params={"query": json.dumps([condition])})
    body = response.json()
    wanted = "customer000@customers.example" if "Email" in condition["field"] else "contact-004"
    assert body["total"] == 1, expect
    assert [item["id"] for item in body["items"]] == [wanted]


# --- creating users (N1) -------------------------------------------------------------------


def test_create_user_shape(rt: RtServer) -> None:
    """`POST /user` answers 201 with Location `/REST/2.0/user/<number>` and body
    `{id: Name, type, _url}`; `GET /user/{Name}` has the numeric id and drops empty fields."""
    name = f"caller-{uuid.uuid4().hex[:12]}"
    response = rt.rest.http.post(
        "/user", json={"Name": name, "RealName": "New Caller", "MobilePhone": "+49 151 5550000"}
    )
    assert response.status_code == 201
    assert response.json() == rt.ref("user", name)
    assert re.fullmatch(r"/REST/2\.0/user/\d+", response.headers["location"])

    record = rt.rest.user(name)
    assert record["id"] == int(response.headers["location"].rsplit("/", 1)[1])
    assert (record["Name"], record["RealName"], record["MobilePhone"]) == (
        name,
        "New Caller",
        "+49 151 5550000",
    )
    assert record["Privileged"] == 0
    assert record["Disabled"] == "0"
    assert "WorkPhone" not in record  # columns never set (NULL) are left out ...
    assert record["EmailAddress"] == ""  # ... but RT stores "" for a missing email
    assert rt.rest.user(str(record["id"]))["Name"] == name  # numeric ids work in the path too


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"Name": "alice@example.com"}, "Name in use"),
        ({"Name": "someone-else", "EmailAddress": "alice@example.com"}, "Email address in use"),
    ],
    ids=["name taken", "email taken"],
)
def test_create_user_conflicts_are_400(
    rt: RtServer, rt_seeded: Seeded, body: dict[str, str], message: str
) -> None:
    response = rt.rest.http.post("/user", json=body)
    assert response.status_code == 400
    assert response.json() == {"message": message}


# --- timings ----------------------------------------------------------------------------------


def _median_seconds(call: Callable[[], object], repeat: int = 5) -> float:
    spent = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        spent.append(time.perf_counter() - started)
    return statistics.median(spent)


def test_latency_is_dominated_by_the_tokens_bcrypt_cost(
    rt: RtServer, rt_seeded: Seeded, rt_timings: dict[str, float]
) -> None:
    """Every token request re-hashes the token: at RT's default cost 12 that adds far more
    than the request itself (recorded in tests/artifacts/rt-timings.json)."""
    with rt.client() as fast, rt.client(rt.slow_token) as slow:
        ticket_id = fast.create_ticket("latency", requestor=rt_seeded.contacts[3].name)
        rt_timings["get_rt"] = _median_seconds(lambda: fast.http.get("/rt").raise_for_status())
        rt_timings["get_rt_cost12_token"] = _median_seconds(
            lambda: slow.http.get("/rt").raise_for_status()
        )
        rt_timings["users_page_100_with_fields"] = _median_seconds(
            lambda: fast.users_page(1, 100, PHONE_AND_NAME_FIELDS)
        )
        rt_timings["ticketsql_open_of_requestor"] = _median_seconds(
            lambda: fast.search_tickets(
                f"Requestor.Name = '{rt_seeded.contacts[3].name}' AND Status = '__Active__'"
            )
        )
        rt_timings["create_ticket"] = _median_seconds(lambda: fast.create_ticket("latency"))
        rt_timings["comment"] = _median_seconds(lambda: fast.comment(ticket_id, "latency"))
    assert rt_timings["get_rt_cost12_token"] > rt_timings["get_rt"] + 0.05


def test_rest_client_raises_rt_errors(rt: RtServer) -> None:
    """The lane's own client turns RT's error bodies into RtError(status, message)."""
    with (
        RtClient(rt.api, "1-14-00000000000000000000000000000000") as client,
        pytest.raises(RtError) as raised,
    ):
        client.user("root")
    assert (raised.value.status, raised.value.message) == (401, "Unauthorized")
