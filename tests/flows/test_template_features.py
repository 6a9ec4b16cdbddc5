"""The template features real APIs need, at runtime over real HTTP (issue 13): the token
scheme, header scopes, extra-variable requests and their outputs, an unset path variable,
matching by phone in ringdesk, per-type phone forms, cursor and Link-header paging, header
variables of a created contact, and the duplicate guard."""

from __future__ import annotations

import json

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ringdesk.console import run_scenario
from ringdesk.errors import TemplateError
from ringdesk.flows.contacts import search_contacts
from ringdesk.flows.createcontact import deliver as deliver_contact
from ringdesk.flows.followup import fire_follow_ups
from ringdesk.flows.users import fetch_users
from ringdesk.outbox.jobs import ClaimedJob
from tests.integrations.support import (
    SQLITE_ONLY,
    FakeHelpdesk,
    add_integration,
    insert_template,
    json_ok,
    make_state,
    template_xml,
)
from tests.live import serve_app

pytestmark = SQLITE_ONLY

FIELDS = (
    '<Field type="url" name="base_url" title="URL"/>'
    '<Field type="password" name="api_token" title="T"/>'
)


def desk_xml(*, scheme: str = "", headers: str = "", extra: str = "", follow_ups: str = "") -> str:
    scheme_attr = f' scheme="{scheme}"' if scheme else ""
    return template_xml(
        method="bearer",
        fields=FIELDS,
        auth=f"<Bearer{scheme_attr}><Token>{{{{.api_token}}}}</Token></Bearer>",
        headers=headers,
        extra=extra,
        follow_ups=follow_ups,
    )


async def _ctx(settings, database, base, xml, *, options=None):
    insert_template(database, "feat", xml)
    state = make_state(settings, database)
    integration_id = add_integration(state, "feat", fields={"base_url": base, "api_token": "t0ken"})
    if options:
        with state.database.session() as session:
            from ringdesk.store.tables import Integration

            session.get(Integration, integration_id).options = options
    return state, await state.contexts.load(integration_id)


@pytest.fixture
def fake():
    return FakeHelpdesk()


@pytest.fixture
def base(fake):
    with serve_app(fake.app()) as url:
        yield url


USERS_PAGE = """<UserAssociation enabled="true">
  <Request method="GET"><Url>{{.base_url}}/users</Url></Request>
  <Pagination %s/>
  <Mapping id="users.#.id" firstName="users.#.name" email="users.#.email"/>
</UserAssociation>"""


@pytest.mark.parametrize(
    ("scheme", "expected"),
    [("", "Bearer t0ken"), ("token", "token t0ken"), ("Token token=", "Token token=t0ken")],
    ids=["default", "rt", "zammad"],
)
async def test_token_scheme_prefixes_the_authorization_header(
    settings, database, fake, base, scheme, expected
):
    """The token scheme (RT's `token <T>`, Zammad's `Token token=<T>`) needs no custom
    Authorization header any more."""
    fake.on("/users", json_ok({"users": []}))
    state, ctx = await _ctx(
        settings, database, base, desk_xml(scheme=scheme, extra=USERS_PAGE % 'type="none"')
    )
    await fetch_users(state, ctx)
    await state.aclose()
    assert fake.paths("/users")[0].headers["authorization"] == expected


async def test_headers_go_where_their_scope_says(settings, database, fake, base):
    """H2: a header without `appliesTo` is on scenario requests only; `followups` puts it on
    follow-ups too."""
    fake.on("/users", json_ok({"users": []}))
    fake.on("/notify", json_ok({}))
    headers = (
        '<Header name="X-Scenario">s</Header>'
        '<Header name="X-Both" appliesTo="scenarios,followups">b</Header>'
    )
    follow = '<Request trigger="call_ended" method="POST"><Url>{{.base_url}}/notify</Url></Request>'
    state, ctx = await _ctx(
        settings,
        database,
        base,
        desk_xml(headers=headers, follow_ups=follow, extra=USERS_PAGE % 'type="none"'),
    )
    await fetch_users(state, ctx)
    await fire_follow_ups(state, ctx, "call_ended", {})
    await state.aclose()
    scenario, follow_up = fake.paths("/users")[0], fake.paths("/notify")[0]
    assert (scenario.headers.get("x-scenario"), scenario.headers.get("x-both")) == ("s", "b")
    assert "x-scenario" not in follow_up.headers
    assert follow_up.headers.get("x-both") == "b"


CALL_LOG = """<CallLog enabled="true">
  <ExtraRequests>
    <Request name="open_ticket" method="GET">
      <Url>{{.base_url}}/tickets?requestor={{.Call_From}}</Url>
      <Outputs>
        <Output name="TicketId" path="items.0.id"/><Output name="Seen" header="X-Seen"/>
      </Outputs>
    </Request>
    <Request name="skipped" method="GET"><Url>{{if .Nope}}{{.base_url}}/never{{end}}</Url></Request>
  </ExtraRequests>
  <Request method="POST">
    <Url>{{.base_url}}/ticket/{{.TicketId}}/comment</Url>
    <Body>{"text":"{{.Subject}}","seen":"{{.Seen}}"}</Body>
  </Request>
  <Options><Subject enabled="true">Call from {{.Call_From}}</Subject></Options>
</CallLog>"""


async def test_a_call_log_uses_what_its_extra_request_found(settings, database, fake, base):
    """An extra request finds the caller's open ticket; its id (GJSON) and a response
    header become variables of the call-log request; an empty URL is skipped."""
    fake.on(
        "/tickets",
        json_ok({"items": [{"id": 4711}, {"id": 9}]}, headers={"X-Seen": "yes"}),
    )
    fake.on("/ticket/4711/comment", json_ok({"id": "c1"}, status=201))
    state, ctx = await _ctx(settings, database, base, desk_xml(extra=CALL_LOG))
    run = await run_scenario(state, ctx, "call-log", {"phone": "+4930123456", "contact_id": "7"})
    await state.aclose()
    assert run.ok, run.error
    assert [e["url"] for e in run.exchanges] == [
        f"{base}/tickets?requestor=%2B4930123456",
        f"{base}/ticket/4711/comment",
    ]
    (comment,) = fake.paths("/ticket/4711/comment")
    assert json.loads(comment.body) == {"text": "Call from +4930123456", "seen": "yes"}
    assert not fake.paths("/never")


async def test_an_unset_variable_in_a_path_fails_clearly_and_sends_nothing(
    settings, database, fake, base
):
    """No open ticket → `/ticket//comment` would go to the wrong resource: the request is
    not sent, and the error says why (a permanent template error for the outbox)."""
    fake.on("/tickets", json_ok({"items": []}))
    state, ctx = await _ctx(settings, database, base, desk_xml(extra=CALL_LOG))
    run = await run_scenario(state, ctx, "call-log", {"phone": "+4930123456", "contact_id": "7"})
    await state.aclose()
    assert not run.ok
    assert run.error.startswith(TemplateError.__name__)
    assert "variable in the URL path is empty" in run.error
    assert [e["url"] for e in run.exchanges] == [f"{base}/tickets?requestor=%2B4930123456"]
    assert all("comment" not in path for path in (s.path for s in fake.seen))


def _people(count: int, start: int = 0) -> list[dict]:
    return [
        {"id": f"u{n}", "name": f"Person {n}", "phone": f"+49 30 1234{n:03d}"}
        for n in range(start, start + count)
    ]


PHONE_MATCH = """<ContactSearch>
  <ContactType name="People" match="phone">
    <Request method="GET"><Url>{{.base_url}}/people</Url></Request>
    <Pagination type="page" pageParam="page" pageSizeParam="per_page" pageSize="50"/>
    <Popup mode="url">{{.base_url}}/p/{{.ContactId}}</Popup>
    <Mapping>
      <Field name="ContactId" path="items.#.id" required="true"/>
      <Field name="FirstName" path="items.#.name" required="true"/>
      <Field name="BusinessNumber" path="items.#.phone"/>
    </Mapping>
  </ContactType>
</ContactSearch>"""


async def test_match_by_phone_lists_pages_and_compares_normalised_numbers(
    settings, database, fake, base
):
    """A helpdesk that cannot filter by phone: ringdesk lists every page and keeps the
    contacts whose number equals the caller's in any stored format, beyond the first 100."""
    people = _people(130)
    people[120]["phone"] = "(030) 1234-120"  # national format, on the third page

    async def page(request: Request) -> Response:
        number = int(request.query_params.get("page", "1"))
        size = int(request.query_params.get("per_page", "50"))
        return JSONResponse({"items": people[(number - 1) * size : number * size]})

    fake.on("/people", page)
    state, ctx = await _ctx(
        settings, database, base, desk_xml(extra=PHONE_MATCH), options={"default_region": "DE"}
    )
    found = await search_contacts(state, ctx, "+49301234120")
    await state.aclose()
    assert [c.id for c in found] == ["u120"]
    assert len(fake.paths("/people")) == 3
    assert found[0].popup_url == f"{base}/p/u120"


async def test_a_contact_type_chooses_its_phone_forms(settings, database, fake, base):
    """C7: `phoneForms` on the contact type sets the forms tried, in order."""
    fake.on("/search", json_ok({"items": []}))
    search = PHONE_MATCH.replace('match="phone"', 'phoneForms="national_digits,e164"').replace(
        "{{.base_url}}/people", "{{.base_url}}/search?q={{.Phone}}"
    )
    state, ctx = await _ctx(
        settings, database, base, desk_xml(extra=search), options={"default_region": "DE"}
    )
    await search_contacts(state, ctx, "+4930123456")
    await state.aclose()
    assert [s.query["q"] for s in fake.paths("/search")] == ["030123456", "+4930123456"]


@pytest.mark.parametrize("kind", ["cursor", "link-header"])
async def test_user_sync_follows_cursors_and_link_headers(settings, database, fake, base, kind):
    """U2: cursor paging (next cursor in the body, sent as a parameter, until has_more is
    false) and RFC 8288 Link headers (rel="next")."""
    users = _people(5)

    async def page(request: Request) -> Response:
        at = int(request.query_params.get("after") or request.query_params.get("from") or 0)
        chunk = users[at : at + 2]
        more = at + 2 < len(users)
        body = {"users": chunk, "meta": {"next": str(at + 2) if more else "", "more": more}}
        headers = {}
        if kind == "link-header" and more:
            headers["Link"] = (
                f'<{base}/users?from={at + 2}>; rel="next", <{base}/users>; rel="first"'
            )
        return JSONResponse(body, headers=headers)

    fake.on("/users", page)
    paging = (
        'type="cursor" cursorPath="meta.next" cursorParam="after" hasMorePath="meta.more"'
        if kind == "cursor"
        else 'type="link-header"'
    )
    state, ctx = await _ctx(settings, database, base, desk_xml(extra=USERS_PAGE % paging))
    result = await fetch_users(state, ctx)
    await state.aclose()
    assert [u.user_id for u in result.users] == [u["id"] for u in users]
    assert result.requests == 3


CREATE = """<CreateContact enabled="true">
  <ContactType name="People">
    <DuplicateCheck method="GET" idPath="items.0.id">
      <Url>{{.base_url}}/people?marker={{.CallId}}</Url>
    </DuplicateCheck>
    <Request method="POST">
      <Url>{{.base_url}}/people</Url>
      <Body>{"name":"{{.FirstName}} {{.LastName}}","phone":"{{.BusinessNumber}}",
             "note":"{{.CallId}}"}</Body>
    </Request>
    <ExtraVariables>
      <Variable name="ContactId" from="header" path="X-Created-Id"/>
      <Variable name="Where" from="header" path="Location"/>
    </ExtraVariables>
  </ContactType>
</CreateContact>"""


class IgnoresIdempotency:
    """A helpdesk that creates a record for every POST (like Request Tracker) and finds
    records by the marker in their note."""

    def __init__(self) -> None:
        self.created: list[dict] = []

    async def people(self, request: Request) -> Response:
        if request.method == "GET":
            marker = request.query_params.get("marker", "")
            found = [p for p in self.created if p["note"] == marker]
            return JSONResponse({"items": found})
        body = json.loads(await request.body())
        body["id"] = f"p{len(self.created) + 1}"
        self.created.append(body)
        return JSONResponse(
            {},
            status_code=201,
            headers={"Location": f"/people/{body['id']}", "X-Created-Id": body["id"]},
        )


def _create_job(integration_id: int) -> ClaimedJob:
    payload = {"phone": "+4930999", "caller_name": "Ada Lovelace", "call_id": "dup-1"}
    return ClaimedJob(
        1, "create_contact", integration_id, "dup-1", "create_contact:1:dup-1", payload, 1
    )


async def test_created_contact_reads_header_variables_and_a_retry_does_not_duplicate(
    settings, database, fake, base
):
    """Header variables (`from="header"`) carry the new id; a repeated delivery (a crash
    after the helpdesk created the contact) finds it by its marker and creates nothing."""
    desk = IgnoresIdempotency()
    fake.on("/people", desk.people)
    state, ctx = await _ctx(settings, database, base, desk_xml(extra=CREATE))
    first = await deliver_contact(state, ctx, _create_job(ctx.integration_id), store_match=False)
    again = await deliver_contact(state, ctx, _create_job(ctx.integration_id), store_match=False)
    await state.aclose()
    assert first.result["contact_id"] == "p1"
    assert first.result["variables"] == {"ContactId": "p1", "Where": "/people/p1"}
    assert again.result["contact_id"] == "p1"
    assert len(desk.created) == 1
    assert len([s for s in fake.paths("/people") if s.method == "POST"]) == 1
