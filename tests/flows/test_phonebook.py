"""Contact sync into the local phonebook (C8) and caller-ID lookups by any number form."""

from __future__ import annotations

import pytest

from ringdesk.flows import phonebook
from ringdesk.flows.contacts import Contact
from ringdesk.integrations.context import build_context
from ringdesk.store import phonebook as phonebook_repo
from ringdesk.store.tables import Integration, TemplateRow
from ringdesk.templates.model import (
    ContactMapping,
    ContactSearch,
    ContactType,
    MappedField,
    Popup,
    RequestSpec,
    Template,
)
from tests.fakedesk import FakeDesk, make_state
from tests.live import serve_app


def contact_type(base: str, name: str = "Contacts") -> ContactType:
    fields = [
        ("ContactId", "data.#.id"),
        ("FirstName", "data.#.first_name"),
        ("LastName", "data.#.last_name"),
        ("Company", "data.#.company"),
        ("BusinessNumber", "data.#.phone"),
        ("MobileNumber", "data.#.mobile"),
    ]
    return ContactType(
        name=name,
        request=RequestSpec(url=base + "/contacts/search?phone={{.Phone}}"),
        popup=Popup(mode="url", value="https://crm.example/c/{{.ContactId}}"),
        mapping=ContactMapping(fields=tuple(MappedField(name=n, path=p) for n, p in fields)),
    )


def integration(database) -> int:
    with database.session() as session:
        session.add(TemplateRow(id="t1", name="T", xml="<HelpdeskTemplate/>"))
        session.flush()
        row = Integration(template_id="t1", name="Desk", status="connected")
        session.add(row)
        session.flush()
        return row.id


def context(integration_id: int, template: Template, options: dict):
    return build_context(
        integration_id=integration_id,
        name="Desk",
        template_id="t1",
        template=template,
        fields={},
        secrets={},
        persisted={},
        options=options,
        status="connected",
        public_url="http://ringdesk.test",
    )


def people(n: int) -> list[dict]:
    return [
        {
            "id": i,
            "first_name": f"P{i}",
            "last_name": "Test",
            "phone": f"030 1234{i:03d}",
            "mobile": f"+49 170 555{i:04d}",
        }
        for i in range(1, n + 1)
    ]


async def _sync(settings, database, desk, options, max_requests=100):
    integration_id = integration(database)
    state = make_state(settings, database)
    try:
        with serve_app(desk.app()) as base:
            template = Template(
                contact_search=ContactSearch(
                    contact_types=(contact_type(base), contact_type(base, "Leads"))
                )
            )
            ctx = context(integration_id, template, options)
            outcome = await phonebook.sync_phonebook(state, ctx, max_requests=max_requests)
    finally:
        await state.aclose()
    return integration_id, outcome


async def test_sync_pages_and_lookup_finds_every_form(settings, database):
    """covers C8/C7: chosen types only, paged, one row per number; any form finds it."""
    desk = FakeDesk(contacts=people(5))
    options = {
        "default_region": "DE",
        "sync_contact_types": ["Contacts"],
        "contact_sync_pagination": {"type": "page", "page_size": 2},
    }
    integration_id, outcome = await _sync(settings, database, desk, options)
    assert outcome.summary()["requests"] == 3
    assert (outcome.contacts, outcome.entries, outcome.capped) == (5, 10, False)
    assert list(outcome.types) == ["Contacts"]  # "Leads" was not chosen
    with database.session() as session:
        for phone in ("+4930123400" + "3", "030 1234003", "0049301234003", "4930 1234003"):
            (entry,) = phonebook_repo.lookup(session, phone, region="DE")
            assert (entry.contact_id, entry.name) == ("3", "P3 Test"), phone
            assert entry.popup_url == "https://crm.example/c/3"
        (mobile,) = phonebook_repo.lookup(session, "+491705550002", integration_id=integration_id)
        assert mobile.contact_id == "2"
        assert phonebook_repo.lookup(session, "+4930999999", region="DE") == []


async def test_sync_cap_is_reported_and_keeps_old_rows(settings, database):
    """covers C8/U3: a capped sync says so and does not prune what it could not see."""
    desk = FakeDesk(contacts=people(6))
    options = {
        "default_region": "DE",
        "sync_contact_types": ["Contacts", "Leads"],
        "contact_sync_pagination": {"type": "page", "page_size": 1},
    }
    _, outcome = await _sync(settings, database, desk, options, max_requests=4)
    assert outcome.capped
    assert outcome.requests == 4
    assert outcome.types["Contacts"] == {"contacts": 4, "requests": 4, "capped": True}
    assert "Leads" not in outcome.types


def test_store_contacts_prunes_and_dedupes(database):
    integration_id = integration(database)
    same = Contact(
        "Contacts",
        "1",
        {"FirstName": "A", "BusinessNumber": "+4930123456", "MobileNumber": "030123456"},
    )
    other = Contact("Contacts", "2", {"FirstName": "B", "BusinessNumber": "1001"})
    with database.session() as session:
        written = phonebook_repo.store_contacts(
            session, integration_id, "Contacts", [same, other], "DE", prune=True
        )
        assert written == 2  # the two forms of one number are one row
        assert [e.contact_id for e in phonebook_repo.lookup(session, "1001", region="DE")] == ["2"]
    with database.session() as session:
        phonebook_repo.store_contacts(
            session, integration_id, "Contacts", [other], "DE", prune=True
        )
        assert phonebook_repo.lookup(session, "+4930123456") == []


@pytest.mark.parametrize("chunk", [500, 1], ids=["one-query", "chunked"])
def test_store_contacts_without_prune_updates_only_the_given_contacts(database, monkeypatch, chunk):
    """covers C8 (the live search refreshes the phonebook): an update touches only the
    given contacts' rows, in place, and leaves the rest of the synced phonebook alone."""
    monkeypatch.setattr(phonebook_repo, "_ID_CHUNK", chunk)
    integration_id = integration(database)
    first = Contact("Contacts", "1", {"FirstName": "A", "BusinessNumber": "+4930111111"})
    second = Contact("Contacts", "2", {"FirstName": "B", "BusinessNumber": "+4930222222"})
    with database.session() as session:
        phonebook_repo.store_contacts(
            session, integration_id, "Contacts", [first, second], "DE", prune=True
        )
        (before,) = phonebook_repo.lookup(session, "+4930111111", region="DE")
        first_row_id = before.id
    renamed = Contact("Contacts", "1", {"FirstName": "Anna", "BusinessNumber": "+4930111111"})
    new = Contact("Contacts", "3", {"FirstName": "C", "BusinessNumber": "+4930333333"})
    with database.session() as session:
        written = phonebook_repo.store_contacts(
            session, integration_id, "Contacts", [renamed, new], "DE", prune=False
        )
        assert written == 2
    with database.session() as session:
        (updated,) = phonebook_repo.lookup(session, "+4930111111", region="DE")
        assert (updated.id, updated.name) == (first_row_id, "Anna")
        assert [e.name for e in phonebook_repo.lookup(session, "+4930222222", region="DE")] == ["B"]
        assert [e.name for e in phonebook_repo.lookup(session, "+4930333333", region="DE")] == ["C"]


@pytest.mark.parametrize("phone", ["", "abc"], ids=["empty", "letters"])
def test_lookup_of_nothing_is_empty(database, phone):
    with database.session() as session:
        assert phonebook_repo.lookup(session, phone) == []


async def test_background_round_syncs_integrations_that_chose_types(settings, database):
    """covers C8: the periodic round syncs connected integrations with chosen contact types,
    skips the others, and survives a failing helpdesk."""
    from pathlib import Path

    import ringdesk
    from ringdesk.integrations.service import create_integration
    from ringdesk.retry import RetryPolicy

    xml = (Path(ringdesk.__file__).parent / "templates" / "builtin" / "demo.xml").read_text()
    desk = FakeDesk(contacts=people(3))
    state = make_state(settings, database, retry=RetryPolicy(max_attempts=1))
    with serve_app(desk.app()) as base:
        with database.session() as session:
            session.add(TemplateRow(id="demo", name="Demo", xml=xml))
            session.flush()
            ids = []
            for name, url, types in (
                ("Synced", base, ["Contacts"]),
                ("Not chosen", base, []),
                ("Down", "http://127.0.0.1:9", ["Contacts"]),
            ):
                row = create_integration(
                    session,
                    state.crypto,
                    template_id="demo",
                    name=name,
                    fields={"base_url": url, "api_token": "t"},
                    options={"default_region": "DE", "sync_contact_types": types},
                )
                row.status = "connected"
                ids.append(row.id)
        try:
            outcomes = await phonebook.sync_all(state)
        finally:
            await state.aclose()
    assert list(outcomes) == [ids[0]]
    assert outcomes[ids[0]]["contacts"] == 3
    with database.session() as session:
        (entry,) = phonebook_repo.lookup(session, "030 1234002", region="DE")
        assert entry.integration_id == ids[0]
