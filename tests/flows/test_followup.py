"""Follow-up requests on call triggers (F1–F3): rendered with call variables, values captured
in order, and not persisted (only connected/token_refreshed ones are)."""

from __future__ import annotations

import json

from ringdesk.flows.followup import fire_follow_ups
from ringdesk.store.tables import Integration
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


@SQLITE_ONLY
async def test_call_trigger_follow_up(settings, database):
    fake = FakeHelpdesk()
    fake.on("/notify", json_ok({"items": [{"id": "n-1"}, {"id": "n-2"}], "count": 2}))
    with serve_app(fake.app()) as base:
        follow = f"""<Request trigger="call_ended" method="POST">
          <Url>{base}/notify?from={{{{.Call_From}}}}</Url>
          <Headers>{{"X-Call":"{{{{.CallId}}}}"}}</Headers>
          <Body>{{"name":"{{{{.ContactName}}}}"}}</Body>
          <ResponsePaths>$.items[1].id, $.count</ResponsePaths>
          <TargetVariables>NoteId, Count</TargetVariables>
        </Request>"""
        insert_template(
            database,
            "fu",
            template_xml(headers='<Header name="X-Custom">c</Header>', follow_ups=follow),
        )
        state = make_state(settings, database)
        integration_id = add_integration(state, "fu")
        ctx = await state.contexts.load(integration_id)
        captured = await fire_follow_ups(
            state,
            ctx,
            "call_ended",
            {"Call_From": "+49 30&1", "CallId": "c-9", "ContactName": 'Ada "A" L'},
        )
        nothing = await fire_follow_ups(state, ctx, "call_answered", {})
        await state.aclose()
    assert captured == {"NoteId": "n-2", "Count": "2"}
    assert nothing == {}
    seen = fake.paths("/notify")
    assert len(seen) == 1
    assert seen[0].query == {"from": "+49 30&1"}  # URL-escaped, so & did not split it
    assert seen[0].headers["x-call"] == "c-9"
    assert "x-custom" not in seen[0].headers  # H2
    assert json.loads(seen[0].body) == {"name": 'Ada "A" L'}
    with database.session() as session:
        assert session.get(Integration, integration_id).variables == {}
