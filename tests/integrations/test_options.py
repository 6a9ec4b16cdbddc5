"""Integration options (api.md): validation and template defaults (pure)."""

from __future__ import annotations

import pytest
from tests.integrations.support import template_xml

from ringdesk.integrations.options import OptionsError, effective_options, validate_options
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
    assert options["timezone"] == "UTC"
    assert options["call_log"] == {
        "enabled": True,
        "subject": "Call {{.Call_From}}",
        "description": "D {{.Time}}",
        "play_recording": True,
        "skip_missed_for_unanswered_agents": False,
    }
    assert options["ticket"]["enabled"] is False
    assert options["ticket"]["when"] == "always"


def test_stored_values_override_one_level_deep():
    options = effective_options(TEMPLATE, {"call_log": {"subject": "S"}, "timezone": "Asia/Tokyo"})
    assert options["call_log"]["subject"] == "S"
    assert options["call_log"]["description"] == "D {{.Time}}"
    assert options["timezone"] == "Asia/Tokyo"


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
    with pytest.raises(OptionsError) as caught:
        validate_options(TEMPLATE, options)
    assert field in [f for f, _ in caught.value.problems]
