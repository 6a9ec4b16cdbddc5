"""The duplicate check of a create when the lookup is not a success (issue 13): a lookup by
id that answers 404 ("no such record yet", Request Tracker's `GET /user/{Name}`) lets the
create run, while an answer worth retrying (503) stops the create, which would otherwise
risk the duplicate the check is there to prevent."""

from __future__ import annotations

import json

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ringdesk.errors import HelpdeskError
from ringdesk.flows.createcontact import deliver as deliver_contact
from ringdesk.outbox.jobs import ClaimedJob
from tests.flows.test_template_features import _ctx, desk_xml
from tests.integrations.support import SQLITE_ONLY, FakeHelpdesk
from tests.live import serve_app

pytestmark = SQLITE_ONLY

BY_ID = """<CreateContact enabled="true">
  <ContactType name="People">
    <DuplicateCheck method="GET" idPath="id">
      <Url>{{.base_url}}/people/{{.CallId}}</Url>
    </DuplicateCheck>
    <Request method="POST">
      <Url>{{.base_url}}/people</Url>
      <Body>{"id":"{{.CallId}}","name":"{{.LastName}}","phone":"{{.BusinessNumber}}"}</Body>
    </Request>
    <ExtraVariables>
      <Variable name="CreatedId" from="response" path="id"/>
    </ExtraVariables>
  </ContactType>
</CreateContact>"""


class PeopleById:
    """Creates a person per POST and answers `GET /people/<id>` with 404 until it exists;
    `lookup_status` replaces the lookup's answer when set."""

    def __init__(self) -> None:
        self.created: dict[str, dict[str, str]] = {}
        self.lookup_status: int | None = None

    async def create(self, request: Request) -> Response:
        body = json.loads(await request.body())
        self.created[body["id"]] = body
        return JSONResponse(body, status_code=201)

    async def lookup(self, request: Request) -> Response:
        if self.lookup_status is not None:
            return JSONResponse({"message": "busy"}, status_code=self.lookup_status)
        found = self.created.get(request.url.path.rsplit("/", 1)[1])
        return JSONResponse(found or {"message": "Not Found"}, status_code=200 if found else 404)


def _job(integration_id: int) -> ClaimedJob:
    payload = {"phone": "+4930999", "caller_name": "Ada Lovelace", "call_id": "dup-7"}
    key = f"create_contact:{integration_id}:dup-7"
    return ClaimedJob(1, "create_contact", integration_id, "dup-7", key, payload, 1)


@pytest.fixture
def served():
    fake, people = FakeHelpdesk(), PeopleById()
    fake.on("/people", people.create)
    fake.on("/people/dup-7", people.lookup)
    with serve_app(fake.app()) as url:
        yield url, fake, people


async def test_a_lookup_answering_404_lets_the_create_run_once(settings, database, served):
    """404 from the lookup = not created yet: the first delivery creates; the second (a
    retry after a crash) finds the record and creates nothing."""
    base, fake, people = served
    state, ctx = await _ctx(settings, database, base, desk_xml(extra=BY_ID))
    first = await deliver_contact(state, ctx, _job(ctx.integration_id), store_match=False)
    again = await deliver_contact(state, ctx, _job(ctx.integration_id), store_match=False)
    await state.aclose()
    assert (first.result["status"], first.result["contact_id"]) == (201, "dup-7")
    assert (again.result["status"], again.result["contact_id"]) == (0, "dup-7")
    assert len([s for s in fake.paths("/people") if s.method == "POST"]) == 1
    assert list(people.created) == ["dup-7"]


async def test_a_lookup_worth_retrying_stops_the_create(settings, database, served):
    """503 from the lookup: the delivery fails as retryable and nothing is created."""
    base, fake, people = served
    people.lookup_status = 503
    state, ctx = await _ctx(settings, database, base, desk_xml(extra=BY_ID))
    with pytest.raises(HelpdeskError) as failed:
        await deliver_contact(state, ctx, _job(ctx.integration_id), store_match=False)
    await state.aclose()
    assert failed.value.retryable
    assert not [s for s in fake.paths("/people") if s.method == "POST"]
