"""The agent's create-contact / new-ticket pages open only with the extension's signed key."""

from __future__ import annotations

import pytest

from ringdesk.screenpop.agent_tokens import agent_key


@pytest.mark.parametrize("path", ["/agent/create-contact", "/agent/new-ticket"])
def test_agent_action_pages_need_the_extensions_key(client, settings, path):
    # covers C9: an unknown caller's actions are for the agent of that extension only
    key = agent_key(settings.resolved_secret_key(), "1001")
    query = "?phone=%2B4930999&call_id=c1&ext=1001"
    assert client.get(f"{path}{query}&key={key}").status_code == 200
    assert client.get(f"{path}{query}&key=wrong").status_code == 403
    other = agent_key(settings.resolved_secret_key(), "1002")
    assert client.get(f"{path}{query}&key={other}").status_code == 403


def _integration(admin_client, name: str) -> int:
    created = admin_client.post(
        "/api/v1/integrations",
        json={
            "template_id": "demo",
            "name": name,
            "fields": {"base_url": "http://127.0.0.1:9", "api_token": "t"},
            "options": {"create_contact": {"enabled": False, "contact_type": "Contacts"}},
        },
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _tie(database, integration_id: int, extension: str) -> None:
    from ringdesk.store.tables import HelpdeskUser

    with database.session() as session:
        session.add(HelpdeskUser(integration_id=integration_id, user_id="u-7", extension=extension))


def _jobs(database) -> list[tuple[int, str]]:
    from sqlalchemy import select

    from ringdesk.store.tables import OutboxJob

    with database.session() as session:
        return [(j.integration_id, j.kind) for j in session.scalars(select(OutboxJob))]


def test_agent_acts_only_in_the_integrations_of_its_extension(admin, database, settings):
    """Issue 14 #6: the key of extension 1001 creates contacts in an integration where a
    helpdesk user is tied to 1001, and nowhere else (not even when 1001 has no tie at all)."""
    import re

    tied = _integration(admin, "Tied desk")
    other = _integration(admin, "Someone else's desk")
    _tie(database, tied, "1001")
    _tie(database, other, "2002")
    admin.headers.pop("Authorization")
    key = agent_key(settings.resolved_secret_key(), "1001")
    query = f"?phone=%2B4930999&call_id=c1&ext=1001&key={key}"
    page = admin.get(f"/agent/create-contact{query}&integration={tied}")
    assert page.status_code == 200
    assert 'name="contact_type"' in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    form = {
        "csrf_token": csrf[1],
        "phone": "+4930999",
        "call_id": "c1",
        "ext": "1001",
        "key": key,
        "name": "Ada",
        "contact_type": "Contacts",
    }
    refused = admin.post("/agent/create-contact", data={**form, "integration": str(other)})
    assert refused.status_code == 403
    assert (
        'name="contact_type"'
        not in admin.get(f"/agent/create-contact{query}&integration={other}").text
    )
    assert _jobs(database) == []
    done = admin.post("/agent/create-contact", data={**form, "integration": str(tied)})
    assert done.status_code == 200, done.text
    assert _jobs(database) == [(tied, "create_contact")]
