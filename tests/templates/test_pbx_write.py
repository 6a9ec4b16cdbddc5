"""Writing a ringdesk template in the PBX's format: the layout the import reads back, the
`Next` chain of extra requests, and a finding (with the ringdesk element's line) for each
thing the PBX format cannot hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringdesk.templates import load_xml
from ringdesk.templates.importing import import_xml
from ringdesk.templates.pbx_read import read_pbx
from ringdesk.templates.pbx_write import export_pbx

CORPUS = Path(__file__).parent / "corpus" / "valid"
GENERAL = "<General><Name>Desk</Name><MaxConcurrentRequests>2</MaxConcurrentRequests></General>"
AUTH = """<Authentication method="bearer">
  <Fields>
    <Field type="url" name="base_url" title="URL"/><Field type="password" name="t" title="T"/>
  </Fields>
  <Bearer><Token>{{.t}}</Token></Bearer>
</Authentication>"""
CONTACTS = """<ContactSearch><ContactType name="Contacts"{attrs}>{extra}
  <Request method="GET"><Url>{{{{.base_url}}}}/c?p={{{{.Phone}}}}</Url></Request>{more}
  <Popup mode="url">{{{{.base_url}}}}/p/{{{{.ContactId}}}}</Popup>
  <Mapping><Field name="ContactId" path="d.#.id" required="true"/>
    <Field name="FirstName" path="d.#.n" required="true"/>{fields}</Mapping>
</ContactType></ContactSearch>"""


def template(*sections: str) -> str:
    body = "".join(sections)
    return f'<HelpdeskTemplate formatVersion="1">{GENERAL}{AUTH}{body}</HelpdeskTemplate>'


def contacts(attrs: str = "", extra: str = "", more: str = "", fields: str = "") -> str:
    return CONTACTS.format(attrs=attrs, extra=extra, more=more, fields=fields)


LOG = (
    '<CallLog enabled="true">{extra}<Request method="POST"><Url>{{{{.base_url}}}}/l</Url>'
    "<Body>{body}</Body></Request>{options}</CallLog>"
)


def call_log(extra: str = "", body: str = "{}", options: str = "") -> str:
    return LOG.format(extra=extra, body=body, options=options)


@pytest.mark.parametrize(
    ("text", "element"),
    [
        (template(contacts(attrs=' match="phone"')), "ContactSearch.ContactType[0]@match"),
        (template(contacts(attrs=' phoneForms="e164"')), "ContactSearch.ContactType[0]@phoneForms"),
        (
            template(contacts(more='<Pagination type="page"/>')),
            "ContactSearch.ContactType[0].Pagination",
        ),
        (
            template(contacts(fields='<Field name="Company" path="d.#.c"/>')),
            "ContactSearch.ContactType[0].Mapping.Field[2]",
        ),
        (
            template(contacts(fields='<Field name="Email" path="d.#.e" required="true"/>')),
            "ContactSearch.ContactType[0].Mapping.Field[2]@required",
        ),
        (
            template('<Headers><Header name="A" appliesTo="scenarios,token">1</Header></Headers>'),
            "Headers.Header[0]@appliesTo",
        ),
        (
            template(
                '<Headers><Header name="A" description="why" appliesTo="scenarios,extra">'
                "1</Header></Headers>"
            ),
            "Headers.Header[0]@description",
        ),
        (
            template(
                '<FollowUpRequests><Request trigger="connected"><Url>{{.base_url}}/me</Url>'
                "</Request></FollowUpRequests>"
            ),
            "FollowUpRequests.Request[0]",
        ),
        (
            template(
                '<UserAssociation enabled="true"><Request><Url>{{.base_url}}/u</Url></Request>'
                '<Pagination type="offset"/><Mapping id="u.#.id"/></UserAssociation>'
            ),
            "UserAssociation.Pagination",
        ),
        (template(call_log(body='{"id":"{{.CallId}}"}')), "CallLog.Request.Body"),
        (
            template(
                call_log(
                    extra='<DuplicateCheck idPath="x"><Url>{{.base_url}}/d</Url></DuplicateCheck>'
                )
            ),
            "CallLog.DuplicateCheck",
        ),
        (
            template(
                call_log(
                    extra='<ExtraRequests><Request name="a"><Url>{{.base_url}}/a</Url>'
                    '<Outputs><Output name="X" jsonpath="$.x"/></Outputs></Request></ExtraRequests>'
                )
            ),
            "CallLog.ExtraRequests.Request[0].Outputs.Output[0]",
        ),
        (
            template(
                call_log(
                    options='<Options><SkipMissedForUnansweredAgents enabled="true"/></Options>'
                )
            ),
            "CallLog.Options.SkipMissedForUnansweredAgents",
        ),
        (
            template(
                '<CreateContact enabled="true"><ContactType name="C"><Request>'
                "<Url>{{.base_url}}/c</Url>"
                '<Body>{"f":"{{.FirstName}}","l":"{{.LastName}}","p":"{{.BusinessNumber}}"}</Body>'
                '</Request><ExtraVariables><Variable name="L" from="header" path="Location"/>'
                "</ExtraVariables></ContactType></CreateContact>"
            ),
            "CreateContact.ContactType[0].ExtraVariables.Variable[0]",
        ),
    ],
    ids=[
        "match-phone",
        "phone-forms",
        "contact-pagination",
        "company",
        "required-email",
        "header-scopes",
        "header-description",
        "follow-up",
        "user-pagination",
        "ringdesk-variable",
        "duplicate-check",
        "jsonpath-output",
        "skip-missed",
        "header-variable",
    ],
)
def test_what_the_pbx_format_cannot_hold_is_reported(text, element):
    t = load_xml(text)
    exported = export_pbx(t)
    assert element in {f.element for f in exported.findings}
    [finding] = [f for f in exported.findings if f.element == element]
    assert finding.kind == "unmapped"
    assert finding.line == t.line_of(element)  # where it is in the ringdesk file
    # and the file still reads as a PBX template
    assert import_xml(exported.xml).template is not None


def test_extra_requests_become_a_next_chain_ending_in_common():
    extra = (
        '<ExtraRequests><Request name="Find"><Url>{{.base_url}}/f</Url>'
        '<Headers>{"X-A":"{{.Call_From}}"}</Headers>'
        '<Outputs><Output name="T" path="t.id"/></Outputs></Request>'
        '<Request name="Also"><Url>{{.base_url}}/a/{{.T}}</Url></Request></ExtraRequests>'
    )
    doc = read_pbx(export_pbx(load_xml(template(call_log(extra=extra)))).xml)
    journal, common = doc.scenario("CallJournal"), doc.scenario("Common")
    [root] = journal.requests
    assert (root.name, root.next) == ("Find", "Also")
    assert [(o.name, o.path) for o in root.outputs] == [("T", "t.id")]
    assert [(p.name, p.type, p.value) for p in root.parameters] == [
        ("X-A", "Header", "{{.Call_From}}")
    ]
    assert [(r.name, r.next) for r in common.requests] == [
        ("Also", "CallJournal"),
        ("CallJournal", ""),
    ]


def test_a_taken_name_in_common_is_changed_and_reported():
    extra = (
        '<ExtraRequests><Request name="CallJournal"><Url>{{.base_url}}/f</Url></Request>'
        "</ExtraRequests>"
    )
    exported = export_pbx(load_xml(template(call_log(extra=extra))))
    common = read_pbx(exported.xml).scenario("Common")
    assert [r.name for r in common.requests] == ["CallJournal_CallJournal"]
    assert any("is written 'CallJournal_CallJournal'" in f.message for f in exported.findings)
    assert import_xml(exported.xml).template.call_log.request.url == "{{.base_url}}/l"


def test_findings_are_listed_in_a_comment_at_the_top():
    exported = export_pbx(load_xml(template(contacts(attrs=' match="phone"'))))
    head = exported.xml.split("<Information", 1)[0]
    assert "<!-- Exported by ringdesk. Not in the PBX format:" in head
    assert "ContactSearch.ContactType[0]@match" in head


def test_a_template_the_pbx_format_holds_exports_without_findings_or_comment():
    exported = export_pbx(load_xml(template(contacts(), call_log())))
    assert exported.findings == ()
    assert "<!--" not in exported.xml


def test_request_tracker_template_exports_and_reports_its_ringdesk_only_parts():
    """The corpus template using every issue-13 feature exports; each such part is named."""
    t = load_xml((CORPUS / "r_request_tracker.xml").read_bytes())
    exported = export_pbx(t)
    elements = {f.element for f in exported.findings}
    assert {
        "ContactSearch.ContactType[0]@match",
        "ContactSearch.ContactType[0].Pagination",
        "UserAssociation.Pagination",
        "CreateContact.ContactType[0].DuplicateCheck",
        "CreateContact.ContactType[0].ExtraVariables.Variable[1]",
        "CallLog.ExtraRequests.Request[0].Outputs.Output[1]",
        "Ticket.DuplicateCheck",
    } <= elements
    back = import_xml(exported.xml)
    assert back.template is not None
    assert back.template.authentication.bearer == t.authentication.bearer
    assert (
        back.template.call_log.extra_requests[0].outputs[0]
        == t.call_log.extra_requests[0].outputs[0]
    )
