"""XML ⇄ model (G6): lossless round-trip, stable dumps, located errors, safe parsing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ringdesk.errors import TemplateError
from ringdesk.templates import dump_xml, load_xml
from ringdesk.templates import model as m
from ringdesk.templates.library import builtin_xml

SPEC_EXAMPLE = (Path(__file__).parent / "corpus" / "valid" / "a_basic_api_key.xml").read_text()

MINIMAL = """<HelpdeskTemplate formatVersion="1">
  <General>
    <Name>Acme</Name>
    <MaxConcurrentRequests>{mcr}</MaxConcurrentRequests>
  </General>
  <Authentication method="none"/>
</HelpdeskTemplate>
"""


def test_builtin_templates_round_trip():
    """covers G6: every shipped template survives load → dump → load, and dumps are stable."""
    assert {"zendesk", "freshdesk"} <= set(builtin_xml())
    for text in builtin_xml().values():
        template = load_xml(text)
        dumped = dump_xml(template)
        assert load_xml(dumped) == template
        assert dump_xml(load_xml(dumped)) == dumped


def test_locations_name_elements_by_dotted_path():
    """Lines are kept for sections, fields and repeated elements."""
    path = Path(__file__).parent / "corpus" / "valid" / "c_two_types_field_popup.xml"
    template = load_xml(path.read_text())
    lines = path.read_text().splitlines()
    line = template.locations["ContactSearch.ContactType[1].Mapping.Field[2]"]
    assert 'name="MobileNumber"' in lines[line - 1]
    assert (
        "<MaxConcurrentRequests>" in lines[template.locations["General.MaxConcurrentRequests"] - 1]
    )
    assert (
        template.line_of("General.MaxConcurrentRequests.Nowhere")
        == template.locations["General.MaxConcurrentRequests"]
    )


def test_cdata_and_escaped_text_load_the_same():
    """Text may be CDATA or entity-escaped; the model holds the plain text."""
    a = load_xml(
        MINIMAL.format(mcr=1).replace(
            "<Name>Acme</Name>", "<Name><![CDATA[A&B <x> {{.y}}]]></Name>"
        )
    )
    b = load_xml(
        MINIMAL.format(mcr=1).replace("<Name>Acme</Name>", "<Name>A&amp;B &lt;x&gt; {{.y}}</Name>")
    )
    assert a.general.name == b.general.name == "A&B <x> {{.y}}"
    assert "<![CDATA[A&B <x> {{.y}}]]>" in dump_xml(a)


def test_text_with_cdata_terminator_is_escaped():
    template = m.Template(general=m.General(name="a ]]> b & {{.c}}", max_concurrent_requests=1))
    text = dump_xml(template)
    assert "a ]]&gt; b &amp; {{.c}}" in text
    assert load_xml(text) == template


def test_bad_integer_is_kept_raw_and_round_trips():
    """A non-integer MaxConcurrentRequests does not fail the load; it is kept for validate."""
    template = load_xml(MINIMAL.format(mcr="five"))
    assert template.general.max_concurrent_requests is None
    assert template.invalid_values == {"General.MaxConcurrentRequests": "five"}
    assert "<MaxConcurrentRequests>five</MaxConcurrentRequests>" in dump_xml(template)
    assert load_xml(dump_xml(template)) == template


def test_bytes_with_declared_encoding_are_decoded():
    text = '<?xml version="1.0" encoding="ISO-8859-1"?>\n' + MINIMAL.format(mcr=2).replace(
        "Acme", "Café"
    )
    assert load_xml(text.encode("latin-1")).general.name == "Café"
    assert load_xml(text).general.name == "Café"  # a str is already decoded


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        (
            "<HelpdeskTemplate>\n  <General>\n    <Nmae>x</Nmae>\n  </General>\n"
            "</HelpdeskTemplate>",
            3,
            5,
            "<Nmae>",
        ),
        (
            '<HelpdeskTemplate>\n  <General\n     colour="red"/>\n</HelpdeskTemplate>',
            3,
            6,
            "'colour'",
        ),
        ("<HelpdeskTemplate>\n  <General/>\n  <General/>\n</HelpdeskTemplate>", 3, 3, "twice"),
        ("<HelpdeskTemplate>\n\n  <General>\n</HelpdeskTemplate>", 4, 3, "malformed XML"),
        ("<Other/>", 1, 1, "<HelpdeskTemplate>"),
        (
            "<HelpdeskTemplate>\n  <Headers>  text</Headers>\n</HelpdeskTemplate>",
            2,
            14,
            "takes no text",
        ),
        ("", 1, 1, "malformed XML"),
    ],
    ids=["unknown-element", "unknown-attribute", "duplicate", "malformed", "root", "text", "empty"],
)
def test_structure_errors_name_the_problem_line_and_column(text, line, column, fragment):
    with pytest.raises(TemplateError) as info:
        load_xml(text)
    assert (info.value.line, info.value.column) == (line, column)
    assert fragment in info.value.message


POSITIONS = """<HelpdeskTemplate formatVersion="1">
  <General><Name>Acme</Name><MaxConcurrentRequests>1</MaxConcurrentRequests></General>
  <ContactSearch>
    <ContactType name="Contacts">
      <Request method="GET">
        <Url>https://x.example/?a=1&amp;b={{.Phone}}</Url>
      </Request>
      <Popup mode="url"><![CDATA[
          https://x.example/{{.ContactId}}]]></Popup>
      <Mapping>
        <Field name="ContactId"
               path="data.#(k==&quot;v&quot;)#.id"/>
      </Mapping>
    </ContactType>
  </ContactSearch>
</HelpdeskTemplate>
"""
_CT = "ContactSearch.ContactType[0]"


@pytest.mark.parametrize(
    ("key", "offset", "where"),
    [
        (_CT, 0, (4, 5)),  # an element: its `<`
        (f"{_CT}@name", 0, (4, 24)),  # an attribute: its value's first character
        (f"{_CT}.Request.Url#", 0, (6, 14)),  # an element's text
        (f"{_CT}.Request.Url#", 22, (6, 36)),  # `&` is one character…
        (f"{_CT}.Request.Url#", 26, (6, 44)),  # …and `&amp;` five columns: `{{` after it
        (f"{_CT}.Popup#", 0, (9, 11)),  # CDATA text after a newline, leading blanks stripped
        (f"{_CT}.Mapping.Field[0]@path", 9, (12, 31)),  # a continuation line, after `&quot;`
        (f"{_CT}.Mapping.Field[0]@path", 13, (12, 45)),
        (f"{_CT}.Popup.Nowhere", 0, (8, 7)),  # unknown: the nearest located ancestor
    ],
    ids=[
        "element",
        "attribute",
        "text",
        "entity",
        "after-entity",
        "cdata",
        "attr-line-2",
        "attr-after-quot",
        "ancestor",
    ],
)
def test_positions_place_any_offset_of_any_value(key, offset, where):
    """Every element, its text and attribute values keep line and column (1-based)."""
    template = load_xml(POSITIONS)
    assert template.position_of(key, offset) == where
    line = POSITIONS.splitlines()[where[0] - 1]
    if key.endswith("#") or "@" in key:
        value = template.contact_search.contact_types[0]
        text = {
            "Url#": value.request.url,
            "Popup#": value.popup.value,
            "@name": value.name,
            "@path": value.mapping.fields[0].path,
        }[next(k for k in ("Url#", "Popup#", "@name", "@path") if key.endswith(k))]
        # the character at the position is the one at the offset (entities aside)
        if text[offset] not in '&"':
            assert line[where[1] - 1] == text[offset]


def test_positions_are_not_part_of_the_value():
    """Layout is not content: positions are neither compared nor dumped."""
    template = load_xml(POSITIONS)
    assert template.positions
    assert "positions" not in template.model_dump()
    assert template == load_xml(dump_xml(template))


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE HelpdeskTemplate [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE HelpdeskTemplate [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
        '<!DOCTYPE HelpdeskTemplate SYSTEM "http://127.0.0.1:9/evil.dtd">',
    ],
    ids=["xxe", "entity-expansion", "external-dtd"],
)
def test_dtds_and_entities_are_refused(doctype):
    """Security: no DTD is processed, so neither entity bombs nor external entities load."""
    body = "<HelpdeskTemplate><General><Name>&x;</Name></General></HelpdeskTemplate>"
    text = f'<?xml version="1.0"?>\n{doctype}\n{body}'
    with pytest.raises(TemplateError) as info:
        load_xml(text)
    assert info.value.line == 2
    assert "DTD" in info.value.message


# ---- property test: generated templates survive dump → load ---------------------------
# XML cannot carry most control characters, and surrounding whitespace is layout, not
# content (the reader strips it), so generated text avoids both.
_PIECE = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
_SPECIAL = st.sampled_from(["{{.Phone}}", "<", "&", "]]>", "\n", "\t", '"', "'", "{{", "}}"])
_TEXT = st.lists(_PIECE | _SPECIAL, max_size=12).map("".join).map(str.strip)
_WORD = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
_INT = st.integers(min_value=-5, max_value=10_000)


def _request(method: str) -> st.SearchStrategy[m.RequestSpec]:
    return st.builds(m.RequestSpec, method=st.just(method), url=_TEXT, body=_TEXT)


_EXTRA_REQUESTS = st.lists(
    st.builds(
        m.ExtraRequest,
        name=_WORD,
        method=_WORD,
        url=_TEXT,
        body=_TEXT,
        headers=_TEXT,
        outputs=st.lists(
            st.builds(m.Output, name=_WORD, path=_TEXT, jsonpath=_TEXT, header=_TEXT),
            max_size=3,
        ).map(tuple),
    ),
    max_size=2,
).map(tuple)
_DUPLICATE_CHECK = st.none() | st.builds(
    m.DuplicateCheck, method=_WORD, id_path=_TEXT, url=_TEXT, body=_TEXT
)
_PAGINATION = st.builds(
    m.Pagination,
    type=st.sampled_from(m.PAGINATION_TYPES),
    page_param=_TEXT,
    page_start=_INT,
    page_size=_INT,
    offset_param=_TEXT,
    offset_start=_INT,
    limit_param=_TEXT,
    limit=_INT,
    next_link_path=_TEXT,
    cursor_path=_TEXT,
    cursor_param=_TEXT,
    has_more_path=_TEXT,
)


_TEMPLATES = st.builds(
    m.Template,
    general=st.builds(
        m.General,
        name=_TEXT,
        logo=st.none() | st.builds(m.Logo, content_type=_TEXT, data=st.binary(max_size=40)),
        max_concurrent_requests=st.none() | _INT,
        notes=_TEXT,
    ),
    authentication=st.builds(
        m.Authentication,
        method=st.sampled_from(m.AUTH_METHODS),
        fields=st.lists(
            st.builds(
                m.ConnectField,
                type=st.sampled_from(m.CONNECT_FIELD_TYPES),
                name=_WORD,
                title=_TEXT,
                options=_TEXT,
            ),
            max_size=3,
        ).map(tuple),
        basic=st.none() | st.builds(m.Basic, credential_type=_TEXT, format=_TEXT),
        oauth2=st.none()
        | st.builds(
            m.OAuth2,
            scheme=_TEXT,
            authorize_url=_TEXT,
            token_url=_TEXT,
            token_content_type=_TEXT,
            scopes=_TEXT,
            extra_query=_TEXT,
            refresh=st.none()
            | st.builds(
                m.Refresh,
                method=_WORD,
                interval_minutes=st.none() | _INT,
                url=_TEXT,
                content_type=_TEXT,
                body=_TEXT,
            ),
        ),
        bearer=st.none() | st.builds(m.Bearer, scheme=_TEXT, token=_TEXT),
    ),
    headers=st.lists(
        st.builds(m.Header, name=_TEXT, value=_TEXT, description=_TEXT, applies_to=_TEXT),
        max_size=3,
    ).map(tuple),
    follow_up_requests=st.lists(
        st.builds(
            m.FollowUpRequest,
            trigger=_TEXT,
            method=_WORD,
            url=_TEXT,
            headers=_TEXT,
            body=_TEXT,
            response_paths=_TEXT,
            target_variables=_TEXT,
        ),
        max_size=2,
    ).map(tuple),
    user_association=st.none()
    | st.builds(
        m.UserAssociation,
        enabled=st.booleans(),
        request=_request("GET"),
        pagination=_PAGINATION,
        mapping=st.builds(m.UserMapping, id=_TEXT, first_name=_TEXT, last_name=_TEXT, email=_TEXT),
    ),
    contact_search=st.builds(
        m.ContactSearch,
        contact_types=st.lists(
            st.builds(
                m.ContactType,
                name=_TEXT,
                match=st.sampled_from(m.MATCH_MODES) | _TEXT,
                phone_forms=_TEXT,
                extra_requests=_EXTRA_REQUESTS,
                request=_request("GET"),
                pagination=_PAGINATION,
                popup=st.builds(m.Popup, mode=st.sampled_from(["url", "field"]), value=_TEXT),
                mapping=st.builds(
                    m.ContactMapping,
                    fields=st.lists(
                        st.builds(m.MappedField, name=_TEXT, path=_TEXT, required=st.booleans()),
                        max_size=3,
                    ).map(tuple),
                ),
            ),
            max_size=2,
        ).map(tuple),
    ),
    create_contact=st.none()
    | st.builds(
        m.CreateContact,
        enabled=st.booleans(),
        contact_types=st.lists(
            st.builds(
                m.CreateContactType,
                name=_TEXT,
                extra_requests=_EXTRA_REQUESTS,
                duplicate_check=_DUPLICATE_CHECK,
                request=_request("POST"),
                extra_variables=st.lists(
                    st.builds(m.ExtraVariable, name=_TEXT, source=_TEXT, path=_TEXT, value=_TEXT),
                    max_size=2,
                ).map(tuple),
            ),
            max_size=2,
        ).map(tuple),
    ),
    call_log=st.none()
    | st.builds(
        m.CallLog,
        enabled=st.booleans(),
        extra_requests=_EXTRA_REQUESTS,
        duplicate_check=_DUPLICATE_CHECK,
        request=_request("POST"),
        options=st.builds(
            m.CallLogOptions,
            subject=st.builds(m.OptionText, enabled=st.booleans(), default=_TEXT),
            description=st.builds(m.OptionText, enabled=st.booleans(), default=_TEXT),
            play_recording=st.builds(m.OptionFlag, enabled=st.booleans(), default=st.booleans()),
            skip_missed_for_unanswered_agents=st.builds(
                m.OptionFlag, enabled=st.booleans(), default=st.booleans()
            ),
        ),
    ),
    ticket=st.none()
    | st.builds(
        m.Ticket,
        enabled=st.booleans(),
        extra_requests=_EXTRA_REQUESTS,
        duplicate_check=_DUPLICATE_CHECK,
        request=_request("POST"),
        options=st.builds(
            m.TicketOptions,
            subject=st.builds(m.OptionText, enabled=st.booleans(), default=_TEXT),
            description=st.builds(m.OptionText, enabled=st.booleans(), default=_TEXT),
        ),
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEMPLATES)
def test_generated_templates_round_trip_and_dump_is_a_fixed_point(template):
    """covers G6: load(dump(t)) == t, and dump(load(dump(t))) is byte-identical."""
    text = dump_xml(template)
    loaded = load_xml(text)
    assert loaded == template
    assert dump_xml(loaded) == text


_VALUE = (
    st.lists(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
        | st.sampled_from(["&", "<", ">", '"', "{{", "\n", "]]>"]),
        min_size=1,
        max_size=30,
    )
    .map("".join)
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=80, deadline=None)
@given(_VALUE, _VALUE, st.integers(min_value=0, max_value=12))
def test_positions_map_every_character_back_to_the_file(text, attribute, indent):
    """For any text or attribute value as the writer escapes it, each character's position
    points at that character in the file (or at the entity that spells it)."""
    from ringdesk.templates._write import escape_attr, escape_text

    pad = " " * indent
    xml = (
        "<HelpdeskTemplate>\n  <General>\n"
        f"{pad}<Name>{escape_text(text)}</Name>\n"
        f'{pad}<Notes>x</Notes></General>\n  <Headers><Header name="{escape_attr(attribute)}"'
        "/></Headers>\n</HelpdeskTemplate>"
    )
    template = load_xml(xml)
    lines = xml.split("\n")
    for key, value in (("General.Name#", text), ("Headers.Header[0]@name", attribute)):
        for offset, char in enumerate(value):
            line, column = template.position_of(key, offset)
            assert line is not None
            assert column is not None
            found = lines[line - 1][column - 1 :]
            spelled = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;"}
            if char == "\n" and not key.endswith("@name"):
                assert found == "" or found.startswith(("]]>", "<"))
            else:
                assert found.startswith((char, spelled.get(char, char))), (key, offset)
