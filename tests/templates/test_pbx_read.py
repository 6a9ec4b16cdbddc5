"""Reading the PBX's template XML: format detection, located errors, element keys, and a
property test that arbitrary XML-ish input only ever raises a located `TemplateError` (and
that whatever reads converts, accounting for every element)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringdesk.errors import TemplateError
from ringdesk.templates.pbx_convert import convert_pbx
from ringdesk.templates.pbx_model import PbxDocument
from ringdesk.templates.pbx_read import is_pbx, read_pbx


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('<Information Provider="helpdesk"/>', True),
        ('<?xml version="1.0" encoding="UTF-8"?>\n<Information>', True),
        ("\ufeff<!-- exported -->\n<?pi x?>\n<Information\n Name='x'>", True),
        ('<HelpdeskTemplate formatVersion="1"/>', False),
        ("<InformationX/>", False),
        ("<!DOCTYPE x><Information/>", False),
        ("", False),
    ],
    ids=["bare", "declaration", "bom-comment-pi", "ringdesk", "longer-name", "doctype", "empty"],
)
def test_is_pbx_looks_at_the_root_element(text, expected):
    assert is_pbx(text) is expected
    assert is_pbx(text.encode("utf-8")) is expected


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("<Information>\n  <Scenarios>\n</Information>", 3, 3, "malformed XML"),
        ('<Information Name="a & b"/>', 1, 23, "malformed XML"),
        ('<!DOCTYPE x [<!ENTITY a "b">]>\n<Information/>', 1, 1, "DOCTYPE"),
        ('<HelpdeskTemplate formatVersion="1"/>', 1, 1, "root element"),
        ("", 1, 1, ""),
    ],
    ids=["unclosed", "raw-ampersand", "dtd", "wrong-root", "empty"],
)
def test_bad_input_is_a_located_template_error(text, line, column, message):
    with pytest.raises(TemplateError) as caught:
        read_pbx(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert message in caught.value.message


DOC = """<Information Name="N" Odd="1">
  <Parameters>
    <Parameter Father="PopulateTemplateString" Name="Accept" Type="Header" Value="x"/>
  </Parameters>
  <Scenarios>
    <Scenario Id="SyncContactAuto" Type="REST">
      <Parameters>
        <Parameter Name="URLFormat" Value="u"/>
        <Parameter Name="URLFormat" Value="again"/>
      </Parameters>
      <Requests>
        <Request Name="Lookup" Method="GET" URLFormat="a">
          <Outputs Next="Find"><Output Name="Id" Path="id"/></Outputs>
        </Request>
        <Request Name="Self" URLFormat="s"><Outputs Next="Self"/></Request>
      </Requests>
      <Responses><Response/></Responses>
    </Scenario>
    <Scenario Id="Common">
      <Requests><Request Name="Find" Method="GET" URLFormat="b">text</Request></Requests>
    </Scenario>
  </Scenarios>
</Information>"""


def test_every_element_has_a_key_a_value_and_a_place():
    doc = read_pbx(DOC)
    elements = doc.elements()
    assert elements["Information@Name"].value == ("N",)
    assert elements["Information/Parameters/Parameter[PopulateTemplateString/Accept]"].value == (
        "x",
        "Header",
        "",
        "",
        "",
    )
    # a repeated parameter gets its own key and is marked a duplicate
    assert elements["Scenario[SyncContactAuto]/Parameter[URLFormat]#2"].line == 9
    [sync, common] = doc.scenarios
    assert sync.parameters[1].duplicate
    # a request reached by Next is keyed by its name alone, wherever it sits
    lookup, selfish = sync.requests
    assert lookup.key == "Scenario[SyncContactAuto]/Request[Lookup]"
    assert lookup.next_key == "Request[Find]"
    assert common.requests[0].key == "Request[Find]"
    assert common.requests[0].target
    # a request naming itself is not a target of itself (the converter reports the loop)
    assert selfish.next_key == selfish.key
    assert not selfish.target
    # what the format does not have is kept, placed
    strays = {
        s.key: (s.what, s.line) for s in (*doc.strays, *sync.strays, *common.requests[0].strays)
    }
    assert strays == {
        "Information@Odd": ("attribute", 1),
        "Scenario[SyncContactAuto]/Responses/Response": ("element", 17),
        "Request[Find]#text": ("text", 20),
    }
    for key in strays:
        assert key in elements


def test_next_prefers_its_own_scenario_then_common():
    doc = read_pbx(
        """<Information><Scenarios>
        <Scenario Id="A"><Requests>
          <Request Name="r"><Outputs Next="t"/></Request><Request Name="t"/>
        </Requests></Scenario>
        <Scenario Id="Common"><Requests><Request Name="t"/></Requests></Scenario>
        <Scenario Id="B"><Requests>
          <Request Name="r2"><Outputs Next="t"/></Request>
        </Requests></Scenario>
        </Scenarios></Information>"""
    )
    a, common, b = doc.scenarios
    assert a.requests[0].next_key == a.requests[1].key
    assert b.requests[0].next_key == common.requests[0].key


# ---- the property: only located errors, and everything accounted for ------------------------
_NAMES = st.sampled_from(
    [
        "AuthMethod",
        "TokenType",
        "Scope",
        "AuthEndPoint",
        "TokenEndPoint",
        "AccessToken",
        "CredentialType",
        "Base64EncodedCredential",
        "URLFormat",
        "ContactUrlType",
        "ContactFieldForUri",
        "ContactsIdEnable",
        "EnableSubject",
        "Subject",
        "Data",
        "NeedSyncContact",
        "ContactsId",
        "FirstName",
        "UserUniqueId",
        "ContactId",
        "TicketId",
        "Remark",
        "x",
        "",
    ]
)
_SCENARIOS = st.sampled_from(
    [
        "AuthMethod",
        "SyncContactAuto",
        "SearchContact",
        "UserAssociation",
        "CreateNewContact",
        "CreateNewTicket",
        "CallJournal",
        "Common",
        "ChatJournal",
        "",
    ]
)
_VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "1",
            "0",
            "oauth2",
            "basic",
            "bearer",
            "none",
            "string",
            "password",
            "select",
            "Header",
            "{{.Phone}}",
            "{{ToUpper .x}}",
            "{{.CallerNumber}}",
            "{{if .a}}",
            "a,b",
            "read write",
            "users.#.id",
            "https://x/{{.base_url}}",
        ]
    ),
    st.text(max_size=12),
)


def _attr(name: str, value: str) -> str:
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return f' {name}="{escaped}"'


@st.composite
def _parameter(draw: st.DrawFn) -> str:
    attrs = _attr("Name", draw(_NAMES)) + _attr("Value", draw(_VALUES))
    for extra in draw(
        st.lists(
            st.sampled_from(["Father", "Type", "Editor", "Title", "Key", "Odd"]),
            max_size=3,
            unique=True,
        )
    ):
        attrs += _attr(
            extra,
            draw(
                st.sampled_from(
                    [
                        "CustomFieldList",
                        "PopulateTemplateString",
                        "AuthOption",
                        "TokenErrorMap",
                        "CustomScenarioParameter",
                        "Header",
                        "select",
                        "x",
                    ]
                )
            ),
        )
    return f"<Parameter{attrs}/>"


@st.composite
def _request(draw: st.DrawFn) -> str:
    attrs = _attr("Name", draw(_NAMES)) + _attr("URLFormat", draw(_VALUES))
    if draw(st.booleans()):
        attrs += _attr("Method", draw(st.sampled_from(["GET", "post", "PUT", ""])))
    params = "".join(draw(st.lists(_parameter(), max_size=2)))
    outputs = "".join(
        f"<Output{_attr('Name', draw(_NAMES))}{_attr('Path', draw(_VALUES))}/>"
        for _ in range(draw(st.integers(0, 3)))
    )
    nxt = _attr("Next", draw(_NAMES)) if draw(st.booleans()) else ""
    return (
        f"<Request{attrs}><Parameters>{params}</Parameters>"
        f"<Outputs{nxt}>{outputs}</Outputs></Request>"
    )


@st.composite
def _document(draw: st.DrawFn) -> str:
    scenarios = []
    for _ in range(draw(st.integers(0, 5))):
        params = "".join(draw(st.lists(_parameter(), max_size=4)))
        requests = "".join(draw(st.lists(_request(), max_size=3)))
        scenarios.append(
            f'<Scenario{_attr("Id", draw(_SCENARIOS))} Type="REST"><Presets/>'
            f"<Parameters>{params}</Parameters><Requests>{requests}</Requests></Scenario>"
        )
    root = "".join(
        _attr(name, draw(_VALUES))
        for name in draw(
            st.lists(
                st.sampled_from(
                    [
                        "Name",
                        "AuthType",
                        "MaxConcurrentRequest",
                        "CallJournal",
                        "Provider",
                        "Logo",
                        "Bogus",
                    ]
                ),
                unique=True,
            )
        )
    )
    text = (
        f"<Information{root}><Parameters/><Scenarios>{''.join(scenarios)}</Scenarios></Information>"
    )
    # damage it a little: cut it, or drop in a character XML may not accept
    cut = draw(st.one_of(st.none(), st.integers(0, len(text))))
    if cut is not None:
        text = (
            text[:cut]
            + draw(st.sampled_from(["", "<", "&", "]]>", "\x00", "<!DOCTYPE a>", "\n"]))
            + text[cut:]
        )
    return text


def _read(text: str | bytes) -> tuple[PbxDocument | None, TemplateError | None]:
    """The document, or the error: any other exception fails the test."""
    try:
        return read_pbx(text), None
    except TemplateError as exc:
        return None, exc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_document())
def test_reader_raises_only_located_errors_and_converter_never_raises(text):
    """covers E4 for the PBX format: bad input is a `TemplateError` with a line (and column),
    never another exception; what reads converts, and every element gets a status."""
    doc, error = _read(text)
    if error is not None:
        assert error.line is not None
        assert error.line >= 1
        assert error.column is not None
        assert error.column >= 1
        return
    assert doc is not None
    conversion = convert_pbx(doc)
    assert set(conversion.statuses) == set(doc.elements())
    for finding in conversion.findings:
        assert finding.message


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_only_ever_raises_a_located_error(text):
    for data in (text, text.encode("utf-8")):
        _, error = _read(data)
        assert error is None or error.line is not None
