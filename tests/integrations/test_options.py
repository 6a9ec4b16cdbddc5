"""Integration options (api.md): validation and template defaults (pure)."""

from __future__ import annotations

import pytest
from tests.integrations.support import template_xml

from ringdesk.errors import InputError
from ringdesk.integrations.options import (
    DEFAULT_CALL_LOG_DESCRIPTION,
    CallLogOptions,
    effective_options,
    validate_options,
)
from ringdesk.templates import load_xml

TEMPLATE = load_xml(
    template_xml(
        extra="""<ContactSearch><ContactType name="Contacts">
          <Request method="GET"><Url>https://x.example/c?p={{.Phone}}</Url></Request>
          <Popup mode="url">https://x.example/{{.ContactId}}</Popup>
          <Mapping><Field name="ContactId" path="id" required="true"/>
          <Field name="FirstName" path="n" required="true"/>
          <Field name="BusinessNumber" path="p"/></Mapping></ContactType></ContactSearch>
        <CallLog enabled="true">
          <Request method="POST"><Url>https://x.example/calls</Url><Body>{}</Body></Request>
          <Options>
            <Subject enabled="true">Call {{.Call_From}}</Subject>
            <Description enabled="true">D {{.Time}}</Description>
            <PlayRecording enabled="true" default="true"/>
            <SkipMissedForUnansweredAgents enabled="true" default="false"/>
          </Options>
        </CallLog>"""
    )
)


def test_defaults_come_from_the_template():
    options = effective_options(TEMPLATE, {})
    assert options.timezone == "UTC"
    assert options.call_log == CallLogOptions(
        enabled=True,
        subject="Call {{.Call_From}}",
        description="D {{.Time}}",
        play_recording=True,
        skip_missed_for_unanswered_agents=False,
    )
    assert options.ticket.enabled is False
    assert options.ticket.when == "always"


def test_stored_values_override_one_level_deep():
    options = effective_options(TEMPLATE, {"call_log": {"subject": "S"}, "timezone": "Asia/Tokyo"})
    assert options.call_log.subject == "S"
    assert options.call_log.description == "D {{.Time}}"
    assert options.timezone == "Asia/Tokyo"


# covers L2, T2: one set of rules for every reader (enqueue, delivery, UI, console)
NO_EXPOSED_OPTIONS = load_xml(
    template_xml(
        extra="""<CallLog enabled="true">
          <Request method="POST"><Url>https://x.example/calls</Url><Body>{}</Body></Request>
          <Options><Subject enabled="false">Fixed {{.Call_From}}</Subject></Options>
        </CallLog>
        <Ticket enabled="true">
          <Request method="POST"><Url>https://x.example/t</Url><Body>{}</Body></Request>
        </Ticket>"""
    )
)


@pytest.mark.parametrize(
    ("stored", "attribute", "expected"),
    [
        ({"call_log": {"subject": "mine"}}, "subject", "Fixed {{.Call_From}}"),
        ({}, "description", DEFAULT_CALL_LOG_DESCRIPTION),
        ({"call_log": {"play_recording": False}}, "play_recording", True),
        ({"call_log": {"enabled": False}}, "enabled", False),
    ],
    ids=["unexposed-text-keeps-default", "spec-default", "unexposed-flag-on", "turned-off"],
)
def test_options_the_template_does_not_expose_keep_their_defaults(stored, attribute, expected):
    """What the template does not expose cannot be changed by stored values."""
    options = effective_options(NO_EXPOSED_OPTIONS, stored)
    assert getattr(options.call_log, attribute) == expected


def test_ticket_defaults_to_the_spec_texts_and_every_call():
    options = effective_options(NO_EXPOSED_OPTIONS, {"ticket": {"when": "weekends"}})
    assert options.ticket.when == "always"
    assert options.ticket.subject.startswith("{{.Communication_Type}} {{.Call_Status}}")


def test_valid_options_pass_and_region_is_normalised():
    given = {
        "timezone": "Europe/Berlin",
        "default_region": "de",
        "sync_contact_types": ["Contacts"],
        "ticket": {"enabled": True, "when": "inbound", "subject": "{{.Call_From}}"},
        # covers C7, C8, C9: the contact-search options the flows read
        "phone_forms": ["digits", "e164"],
        "contact_sync_pagination": {"type": "page", "page_size": 50},
        "popup_create_contact_url": "https://desk.example.com/contacts/new",
    }
    assert validate_options(TEMPLATE, given)["default_region"] == "DE"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"timezone": "Nowhere/Atlantis"}, "timezone"),
        ({"timezone": 5}, "timezone"),
        ({"default_region": "ZZ"}, "default_region"),
        ({"sync_contact_types": ["Leads"]}, "sync_contact_types"),
        ({"create_contact": {"contact_type": "Contacts"}}, "create_contact.contact_type"),
        ({"ticket": {"when": "weekends"}}, "ticket.when"),
        ({"ticket": {"enabled": "yes"}}, "ticket.enabled"),
        ({"call_log": {"subject": "{{if}}"}}, "call_log.subject"),
        ({"call_log": {"colour": "red"}}, "call_log.colour"),
        ({"call_log": "on"}, "call_log"),
        ({"mystery": 1}, "mystery"),
        ({"phone_forms": ["roman"]}, "phone_forms"),
        ({"contact_sync_pagination": {"page_size": "many"}}, "contact_sync_pagination"),
        ({"popup_new_ticket_url": "javascript:alert(1)"}, "popup_new_ticket_url"),
    ],
)
def test_invalid_options_name_the_field(options, field):
    with pytest.raises(InputError) as caught:
        validate_options(TEMPLATE, options)
    assert f"options.{field}" in [f for f, _ in caught.value.problems]
