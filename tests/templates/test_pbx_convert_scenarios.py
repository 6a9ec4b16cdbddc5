"""The conversion of the PBX's request scenarios, element by element: contact search and its
popup, `Next` chains, requests, user association, contact creation, call journal, tickets,
and what has no equivalent — with exactly what the report says (issue 15 item 4)."""

from __future__ import annotations

from ringdesk.templates import model as m
from ringdesk.templates.pbx_convert import convert_pbx
from ringdesk.templates.pbx_read import read_pbx
from tests.templates.pbx_build import Case, cases, out, param, pbx, request, scenario

SYNC = "Scenario[SyncContactAuto]"
ALL_FIELDS = (
    "ContactsId", "FirstName", "LastName", "Email", "BusinessNumber", "BusinessNumber2",
    "BusinessFaxNumber", "MobileNumber", "MobileNumber2", "HomeNumber", "HomeNumber2",
    "HomeFaxNumber", "OtherNumber", "CustomValue",
)  # fmt: skip
RINGDESK_FIELDS = [
    "ContactId", "FirstName", "LastName", "Email", "BusinessNumber", "BusinessNumber2",
    "BusinessFax", "MobileNumber", "MobileNumber2", "HomeNumber", "HomeNumber2", "HomeFax",
    "OtherNumber", "CustomValue",
]  # fmt: skip
ID = out("ContactsId", "i")
SEARCH = scenario("SyncContactAuto", request("Contacts", "https://d/c?p={{.Phone}}", ID))
SEARCH_COPY = SEARCH.replace("SyncContactAuto", "SearchContact").replace(
    'Name="Contacts"', 'Name="SearchContact_Contacts"'
)
SUBJECT = param("EnableSubject", "1") + param("Subject", "S {{.CallerNumber}}")


def _type(t: m.Template, index: int = 0) -> m.ContactType:
    return t.contact_search.contact_types[index]


def _sync(requests: str, params: str = "") -> str:
    return pbx(scenarios=scenario("SyncContactAuto", requests, params))


ROWS = [
    # ---- contact search ------------------------------------------------------------------
    Case(
        "every-contact-field",
        _sync(request("C", "https://d/c", "".join(out(n, f"d.#.{n}") for n in ALL_FIELDS))),
        lambda t: [f.name for f in _type(t).mapping.fields if f.path],
        RINGDESK_FIELDS,
    ),
    Case(
        "required-fields",
        _sync(request("C", "https://d/c", "".join(out(n, "p") for n in ALL_FIELDS[:3]))),
        lambda t: [f.name for f in _type(t).mapping.fields if f.required],
        ["ContactId", "FirstName"],
    ),
    Case(
        "remark-turned-off-and-empty-outputs",
        _sync(
            request(
                "C",
                "https://d/c",
                ID + out("Remark", "r") + out("Email", "e") + out("MobileNumber", ""),
            ),
            param("EmailEnable", "0") + param("MobileNumberEnable", "1"),
        ),
        lambda t: [f.name for f in _type(t).mapping.fields],
        ["ContactId"],
        {
            ("unmapped", f"{SYNC}/Request[C]/Output[Remark]"),
            ("unmapped", f"{SYNC}/Request[C]/Output[Email]"),
        },
    ),
    Case(
        "contact-path-with-the-number",
        _sync(request("C", "https://d/c", out("ContactsId", "d.#(p==&quot;{{.Phone}}&quot;)#.id"))),
        lambda t: _type(t).mapping.fields[0].path,
        'd.#(p=="{{.Phone}}")#.id',
    ),
    Case(
        "popup-url",
        _sync(
            request("C", "https://d/c", ID),
            param("ContactUrlType", "specify_url_format")
            + param("URLFormat", "https://d/p/{{.ContactsId}}"),
        ),
        lambda t: _type(t).popup,
        m.Popup(mode="url", value="https://d/p/{{.ContactId}}"),
        {("changed", f"{SYNC}/Parameter[URLFormat]")},
    ),
    Case(
        "popup-from-a-contact-field",
        _sync(
            request("C", "https://d/c", ID),
            param("ContactUrlType", "contact_field") + param("ContactFieldForUri", "d.#.url"),
        ),
        lambda t: _type(t).popup,
        m.Popup(mode="field", value="d.#.url"),
    ),
    Case(
        "popup-mode-unknown",
        _sync(
            request("C", "https://d/c", ID),
            param("ContactUrlType", "from_contact")
            + param("ContactFieldForUri", "d.#.url")
            + param("URLFormat", "https://d"),
        ),
        lambda t: _type(t).popup,
        m.Popup(mode="field", value="d.#.url"),
        {
            ("changed", f"{SYNC}/Parameter[ContactUrlType]"),
            ("unmapped", f"{SYNC}/Parameter[URLFormat]"),
        },
    ),
    Case(
        "contact-types",
        _sync(request("Contacts", "https://d/c", ID) + request("Leads", "https://d/l", ID)),
        lambda t: [ct.name for ct in t.contact_search.contact_types],
        ["Contacts", "Leads"],
    ),
    Case(
        "manual-search-only",
        pbx(
            scenarios=scenario(
                "SearchContact",
                request("SearchContact_People", "https://d/c?q={{.SearchValue}}", ID),
            )
        ),
        lambda t: (_type(t).name, _type(t).request.url),
        ("People", "https://d/c?q={{.Phone}}"),
        {("changed", "Scenario[SearchContact]/Request[SearchContact_People]@URLFormat")},
    ),
    Case(
        "manual-search-equal-to-the-sync",
        pbx(scenarios=SEARCH + SEARCH_COPY),
        lambda t: len(t.contact_search.contact_types),
        1,
    ),
    Case(
        "manual-search-that-differs",
        pbx(scenarios=SEARCH + SEARCH_COPY.replace("?p=", "?q=")),
        lambda t: len(t.contact_search.contact_types),
        1,
        {("unmapped", "Scenario[SearchContact]/Request[SearchContact_Contacts]")},
    ),
    # ---- Next chains ---------------------------------------------------------------------
    Case(
        "chain-before-the-search-is-extra-requests",
        pbx(
            scenarios=scenario(
                "SyncContactAuto", request("Me", "https://d/me", out("Acct", "a.id"), nxt="C")
            )
            + scenario("Common", request("C", "https://d/{{.Acct}}/c", ID))
        ),
        lambda t: (_type(t).name, _type(t).extra_requests, _type(t).request.url),
        (
            "C",
            (
                m.ExtraRequest(
                    name="Me", url="https://d/me", outputs=(m.Output(name="Acct", path="a.id"),)
                ),
            ),
            "https://d/{{.Acct}}/c",
        ),
    ),
    Case(
        "chain-after-the-search-has-no-equivalent",
        pbx(
            scenarios=scenario("SyncContactAuto", request("C", "https://d/c", ID, nxt="More"))
            + scenario(
                "Common", request("More", "https://d/{{.ContactsId}}", out("HomeNumber", "h"))
            )
        ),
        lambda t: (_type(t).extra_requests, [f.name for f in _type(t).mapping.fields]),
        ((), ["ContactId"]),
        {("unmapped", "Request[More]"), ("unmapped", f"{SYNC}/Request[C]/Outputs@Next")},
    ),
    Case(
        "next-to-nothing",
        _sync(request("C", "https://d/c", ID, nxt="Gone")),
        lambda t: _type(t).request.url,
        "https://d/c",
        {("unmapped", f"{SYNC}/Request[C]/Outputs@Next")},
    ),
    Case(
        "next-loop",
        _sync(request("C", "https://d/c", ID, nxt="C")),
        lambda t: _type(t).extra_requests,
        (),
        {("unmapped", f"{SYNC}/Request[C]/Outputs@Next")},
    ),
    Case(
        "chain-with-headers-in-a-call-log",
        pbx(
            scenarios=scenario(
                "CallJournal",
                request(
                    "Find",
                    "https://d/f",
                    out("T", "t"),
                    nxt="Log",
                    params='<Parameter Name="X-A" Type="Header" Value="{{.CallerNumber}}"/>',
                )
                + request("Log", "https://d/{{.T}}", method="POST"),
            )
        ),
        lambda t: (t.call_log.extra_requests[0].headers, t.call_log.request.url),
        ('{"X-A": "{{.Call_From}}"}', "https://d/{{.T}}"),
        {
            ("changed", "Scenario[CallJournal]/Request[Find]/Parameter[X-A]"),
            ("changed", "Request[Log]"),
        },
    ),
    Case(
        "unreached-common-request",
        pbx(scenarios=scenario("Common", request("Spare", "https://d/s"))),
        lambda t: t.contact_search,
        m.ContactSearch(),
        {("unmapped", "Scenario[Common]/Request[Spare]")},
    ),
    # ---- requests ------------------------------------------------------------------------
    Case(
        "method-in-lower-case",
        _sync(request("C", "https://d/c", ID, method="get")),
        lambda t: _type(t).request.method,
        "GET",
        {("changed", f"{SYNC}/Request[C]@Method")},
    ),
    Case(
        "response-type-not-json",
        _sync(request("C", "https://d/c", ID).replace("application/json", "text/xml")),
        lambda t: _type(t).request.url,
        "https://d/c",
        {("changed", f"{SYNC}/Request[C]@ResponseType")},
    ),
    Case(
        "header-of-a-scenario-request",
        _sync(
            request(
                "C", "https://d/c", ID, params='<Parameter Name="X-A" Type="Header" Value="1"/>'
            )
        ),
        lambda t: _type(t).request,
        m.RequestSpec(url="https://d/c"),
        {("unmapped", f"{SYNC}/Request[C]/Parameter[X-A]")},
    ),
    # ---- users ---------------------------------------------------------------------------
    Case(
        "user-association",
        pbx(
            root=' MaxConcurrentRequest="3" UserAssociation="1"',
            scenarios=scenario(
                "UserAssociation",
                request(
                    "UserAssociation",
                    "https://d/u",
                    out("UserUniqueId", "u.#.id")
                    + out("FirstName", "u.#.f")
                    + out("LastName", "u.#.l")
                    + out("Email", "u.#.e")
                    + out("Team", "u.#.t"),
                ),
            ),
        ),
        lambda t: t.user_association,
        m.UserAssociation(
            enabled=True,
            request=m.RequestSpec(url="https://d/u"),
            mapping=m.UserMapping(
                id="u.#.id", first_name="u.#.f", last_name="u.#.l", email="u.#.e"
            ),
        ),
        {("unmapped", "Scenario[UserAssociation]/Request[UserAssociation]/Output[Team]")},
    ),
    Case(
        "user-association-off",
        pbx(
            root=' MaxConcurrentRequest="3" UserAssociation="0"',
            scenarios=scenario(
                "UserAssociation",
                request("UserAssociation", "https://d/u", out("UserUniqueId", "i")),
            ),
        ),
        lambda t: t.user_association.enabled,
        False,
    ),
    Case(
        "user-request-named-otherwise",
        pbx(
            scenarios=scenario(
                "UserAssociation", request("Agents", "https://d/u", out("UserUniqueId", "i"))
            )
        ),
        lambda t: t.user_association.mapping.id,
        "i",
        {("changed", "Scenario[UserAssociation]/Request[Agents]")},
    ),
    # ---- flags ---------------------------------------------------------------------------
    Case(
        "flag-without-its-scenario",
        pbx(root=' MaxConcurrentRequest="3" CallJournal="1"'),
        lambda t: t.call_log,
        None,
        {("unmapped", "Information@CallJournal")},
    ),
    Case(
        "flag-neither-0-nor-1",
        pbx(
            root=' MaxConcurrentRequest="3" CallJournal="yes"',
            scenarios=scenario("CallJournal", request("CallJournal", "https://d/l")),
        ),
        lambda t: t.call_log.enabled,
        False,
        {("unmapped", "Information@CallJournal")},
    ),
    # ---- create contact ------------------------------------------------------------------
    Case(
        "create-contact",
        pbx(
            scenarios=scenario(
                "CreateNewContact",
                request(
                    "Contacts",
                    "https://d/c",
                    out("ContactId", "c.id") + out("Url", "c.url"),
                    body="{&quot;n&quot;:&quot;{{.DisplayName}}&quot;}",
                    method="POST",
                ),
            )
        ),
        lambda t: t.create_contact,
        m.CreateContact(
            enabled=True,
            contact_types=(
                m.CreateContactType(
                    name="Contacts",
                    request=m.RequestSpec(
                        method="POST",
                        url="https://d/c",
                        body='{"n":"{{.FirstName}} {{.LastName}}"}',
                    ),
                    extra_variables=(
                        m.ExtraVariable(name="ContactId", source="response", path="c.id"),
                        m.ExtraVariable(name="Url", source="response", path="c.url"),
                    ),
                ),
            ),
        ),
        {("changed", "Scenario[CreateNewContact]/Request[Contacts]/Parameter[Data]")},
    ),
    # ---- call journal --------------------------------------------------------------------
    Case(
        "call-log-options",
        pbx(
            scenarios=scenario(
                "CallJournal",
                request("CallJournal", "https://d/l", method="POST"),
                SUBJECT
                + param("EnableDescription", "0")
                + param("Description", "D")
                + param("EnablePlayCallRecording", "1")
                + param("PlayCallRecording", "1")
                + param("NeedSyncContact", "1"),
            )
        ),
        lambda t: t.call_log.options,
        m.CallLogOptions(
            subject=m.OptionText(enabled=True, default="S {{.Call_From}}"),
            description=m.OptionText(default="D"),
            play_recording=m.OptionFlag(enabled=True, default=True),
        ),
        {("changed", "Scenario[CallJournal]/Parameter[Subject]")},
    ),
    Case(
        "contact-lookup-turned-off",
        pbx(
            scenarios=scenario(
                "CallJournal", request("CallJournal", "https://d/l"), param("NeedSyncContact", "0")
            )
        ),
        lambda t: t.call_log.request.url,
        "https://d/l",
        {("changed", "Scenario[CallJournal]/Parameter[NeedSyncContact]")},
    ),
    Case(
        "journal-ticket-id",
        pbx(
            scenarios=scenario(
                "CallJournal",
                request("CallJournal", "https://d/l"),
                param("TicketId", "{{.TicketId}}"),
            )
        ),
        lambda t: t.call_log.request.url,
        "https://d/l",
        {("unmapped", "Scenario[CallJournal]/Parameter[TicketId]")},
    ),
    Case(
        "url-that-may-render-empty",
        pbx(
            scenarios=scenario(
                "CallJournal", request("CallJournal", "{{if .RecordPath}}https://d/l{{end}}")
            )
        ),
        lambda t: t.call_log.request.url,
        "{{if .RecordPath}}https://d/l{{end}}",
        {("changed", "Scenario[CallJournal]/Request[CallJournal]@URLFormat")},
    ),
    # ---- tickets -------------------------------------------------------------------------
    Case(
        "ticket",
        pbx(
            scenarios=scenario(
                "CreateNewTicket",
                request(
                    "CreateNewTicket",
                    "https://d/t",
                    out("TicketId", "t.id"),
                    body="{}",
                    method="POST",
                )
                + request("Update", "https://d/t/{{.TicketId}}", method="PATCH"),
                param("EnableSubject", "1") + param("Subject", "S"),
            )
        ),
        lambda t: (t.ticket.request, t.ticket.options.subject),
        (
            m.RequestSpec(method="POST", url="https://d/t", body="{}"),
            m.OptionText(enabled=True, default="S"),
        ),
        {
            ("unmapped", "Scenario[CreateNewTicket]/Request[CreateNewTicket]/Output[TicketId]"),
            ("unmapped", "Scenario[CreateNewTicket]/Request[Update]"),
        },
    ),
    Case(
        "scenario-parameter-becomes-a-connect-field",
        pbx(
            scenarios=scenario(
                "CreateNewTicket",
                request(
                    "CreateNewTicket",
                    "https://d/t",
                    body="{&quot;d&quot;:&quot;{{.DepartmentId}}&quot;}",
                ),
                '<Parameter Father="CustomScenarioParameter" Name="DepartmentId" Title="Dept"/>',
            )
        ),
        lambda t: (t.authentication.fields, t.ticket.request.body),
        ((m.ConnectField(name="DepartmentId", title="Dept"),), '{"d":"{{.DepartmentId}}"}'),
        {("changed", "Scenario[CreateNewTicket]/Parameter[CustomScenarioParameter/DepartmentId]")},
    ),
    # ---- no equivalent -------------------------------------------------------------------
    Case(
        "unknown-scenario",
        pbx(
            scenarios=scenario(
                "ChatJournal", request("Chat", "https://d/chat"), param("CreateType", "Task")
            )
        ),
        lambda t: t.call_log,
        None,
        {
            ("unmapped", "Scenario[ChatJournal]"),
            ("unmapped", "Scenario[ChatJournal]/Request[Chat]"),
        },
    ),
    Case(
        "second-scenario-of-an-id",
        pbx(scenarios=SEARCH + SEARCH),
        lambda t: len(t.contact_search.contact_types),
        1,
        {("unmapped", f"{SYNC}#2"), ("unmapped", f"{SYNC}#2/Request[Contacts]")},
    ),
    Case(
        "scenario-type",
        pbx(scenarios=SEARCH.replace('Type="REST"', 'Type="HTTP"')),
        lambda t: len(t.contact_search.contact_types),
        1,
        {("changed", SYNC)},
    ),
    Case(
        "unknown-attribute-element-text",
        _sync(
            request("C", "https://d/c", ID)
            .replace("<Parameters>", "<Cache/><Parameters>")
            .replace('Method="GET"', 'Method="GET" Retry="3"')
            .replace("</Request>", "note</Request>")
        ),
        lambda t: _type(t).request.url,
        "https://d/c",
        {
            ("unmapped", f"{SYNC}/Request[C]@Retry"),
            ("unmapped", f"{SYNC}/Request[C]/Cache"),
            ("unmapped", f"{SYNC}/Request[C]#text"),
        },
    ),
]


@cases(ROWS)
def test_each_scenario_element_converts(case):
    """covers issue 15 item 2 for the scenarios: mapped elements say nothing; the rest is
    reported, each once."""
    conversion = convert_pbx(read_pbx(case.text))
    assert case.pick(conversion.template) == case.expected
    assert {(f.kind, f.element) for f in conversion.findings} == case.findings
    assert set(conversion.statuses) == set(read_pbx(case.text).elements())
