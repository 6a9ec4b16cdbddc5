"""Validation rules beyond the corpus: the G5 count, variable lists, expression positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringdesk.templates import Problem, load_xml, validate

CORPUS = Path(__file__).parent / "corpus"
MINIMAL = (CORPUS / "valid" / "g_minimal.xml").read_text()


@pytest.mark.parametrize(("count", "refused"), [(None, False), (0, False), (9, False), (10, True)])
def test_custom_template_limit(count, refused):
    """covers G5: with 10 custom templates stored, one more is an error."""
    problems = validate(load_xml(MINIMAL), custom_count=count)
    assert any("at most 10 custom templates" in p.message for p in problems) is refused


def test_unknown_variable_warning_lists_known_names():
    """E4: unknown variables are warnings naming what is known in that scenario."""
    text = MINIMAL.replace(
        '<Authentication method="none"/>',
        """<Authentication method="none">
    <Fields><Field type="text" name="subdomain" title="S"/></Fields>
  </Authentication>
  <FollowUpRequests>
    <Request trigger="connected" method="GET">
      <Url>https://x.example.com/{{.subdomain}}</Url>
      <ResponsePaths>$.id</ResponsePaths>
      <TargetVariables>tenant</TargetVariables>
    </Request>
  </FollowUpRequests>""",
    ).replace("phone={{.Phone}}", "phone={{.Phone}}&amp;t={{.tenant}}&amp;x={{.Phnoe}}")
    problems = validate(load_xml(text))
    assert [p.severity for p in problems] == ["warning"]
    warning = problems[0]
    assert warning.section == "ContactSearch"
    assert warning.field == "ContactType[0].Request.Url"
    assert "Phnoe" in warning.message
    assert "subdomain" in warning.message
    assert "tenant" in warning.message
    assert "Phone" in warning.message


def test_template_error_points_inside_multiline_text():
    """E4: the line of a `{{…}}` error is the template's start line plus its own line."""
    path = CORPUS / "invalid" / "l_body_syntax_error_line_offset.xml"
    lines = path.read_text().splitlines()
    problem = next(p for p in validate(load_xml(path.read_text())) if p.section == "CallLog")
    assert "TimeFormat" in lines[problem.line - 1]
    assert "<Body>" not in lines[problem.line - 1]
    assert problem.column is not None


def test_problem_renders_section_field_and_severity():
    error = Problem("error", "Authentication", "Fields[5]", 9, "too many")
    warning = Problem("warning", "Headers", "Header[0]", 4, "careful")
    assert str(error) == "9: Authentication.Fields[5]: too many"
    assert str(warning) == "4: Headers.Header[0]: warning: careful"
    assert error.to_dict() == {
        "severity": "error",
        "section": "Authentication",
        "field": "Fields[5]",
        "line": 9,
        "message": "too many",
        "column": None,
    }


def test_sections_that_are_disabled_are_not_checked():
    """A disabled call log may be incomplete (L2 is optional)."""
    text = MINIMAL.replace(
        "</HelpdeskTemplate>",
        '  <CallLog enabled="false">\n    <Request method="POST"/>\n  </CallLog>\n'
        "</HelpdeskTemplate>",
    )
    assert validate(load_xml(text)) == []


# ---- positions: line and column of problems inside values ------------------------------
def _with_call_log(body: str, url: str = "https://api.example.com/calls") -> str:
    return MINIMAL.replace(
        "</HelpdeskTemplate>",
        f'  <CallLog enabled="true">\n    <Request method="POST">\n      <Url>{url}</Url>\n'
        f"      <Body>{body}</Body>\n    </Request>\n  </CallLog>\n</HelpdeskTemplate>",
    )


def _located(text: str, field: str) -> tuple[int | None, int | None]:
    problem = next(p for p in validate(load_xml(text)) if p.field == field)
    return problem.line, problem.column


def _spot(text: str, line: int, column: int) -> str:
    return text.splitlines()[line - 1][column - 1 :]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ('{"a":"{{.Subject}}",\n   "b":"{{.Time | nope}}"}', "nope}}"),
        (
            "{&quot;a&quot;:&quot;{{.Subject}}&quot;, &quot;b&quot;:&quot;{{Nope .Time}}&quot;}",
            "Nope",
        ),
        ("<![CDATA[\n      x\n        {{.Subject\n]]>", "{{.Subject"),
    ],
    ids=["second-line", "after-entities", "cdata-unclosed"],
)
def test_template_errors_carry_the_file_column(body, fragment):
    """E4: the column of a `{{…}}` error is the element's text position plus the error's own
    line and column in the template (entities count as written in the file)."""
    text = _with_call_log(body)
    line, column = _located(text, "Request.Body")
    assert line is not None
    assert column is not None
    assert _spot(text, line, column).startswith(fragment)


@pytest.mark.parametrize(
    ("body", "warned"),
    [
        ('{"requester_id":{{.ContactId}},"responder_id":{{.Owner}}}', False),
        ('{"seconds":{{.Talk_Duration_Sec}},"at":{{.StartTimeUnix}}}', False),
        ('{"subject":{{.Subject}}}', True),
        ('{"caller":{{.Call_From_Name}}}', True),
    ],
    ids=["ids-as-numbers", "numbers", "text-unquoted", "name-unquoted"],
)
def test_numeric_variables_may_stand_where_json_wants_a_number(body, warned):
    """E4: ids and numbers unquoted in a JSON body are valid JSON for helpdesks with numeric
    ids (Freshdesk refuses "123" for an integer field); text variables unquoted still warn."""
    problems = validate(load_xml(_with_call_log(body)))
    messages = [p.message for p in problems if p.field == "Request.Body"]
    assert any("not JSON" in m for m in messages) is warned


def test_unknown_variable_warning_points_at_the_variable():
    text = _with_call_log('{"a":"{{.Subject}} {{.Sbuject}}"}')
    line, column = _located(text, "Request.Body")
    assert _spot(text, line, column).startswith(".Sbuject")


@pytest.mark.parametrize(
    ("url", "field_type", "error"),
    [
        ("{{.base}}/api/calls", "text", True),
        ("{{ .base }}/api/calls", "password", True),
        ("{{- .base -}}/api/calls", "url", False),
        ("{{.base}}/api/calls", "url", False),
        ("{{.redirect_uri}}/x", "text", False),
        ("{{.Call_From}}/x", "url", True),
        ("https://{{.base}}.example.com/api", "text", False),
        ("{{if .base}}https://a.example{{end}}", "text", False),
    ],
    ids=[
        "text-field",
        "spaces-password",
        "trim-url-field",
        "url-field",
        "redirect-uri",
        "scenario-variable",
        "host-part",
        "not-a-bare-value",
    ],
)
def test_only_url_fields_start_a_url(url, field_type, error):
    """Only values of `url` connect fields are trusted as a URL base (issue 13)."""
    text = _with_call_log('{"a":"{{.Subject}}"}', url=url).replace(
        '<Authentication method="none"/>',
        f'<Authentication method="none"><Fields><Field type="{field_type}" name="base" '
        'title="B"/></Fields></Authentication>',
    )
    problems = [p for p in validate(load_xml(text)) if "not a url connect field" in p.message]
    assert bool(problems) is error
    if error:
        assert problems[0].field == "Request.Url"
        assert _spot(text, problems[0].line, problems[0].column).startswith("{{")
        assert 'type="url"' in problems[0].message


def test_url_fields_are_checked_in_auth_urls_too():
    text = MINIMAL.replace(
        '<Authentication method="none"/>',
        """<Authentication method="oauth2">
    <Fields><Field type="text" name="base" title="B"/></Fields>
    <OAuth2>
      <AuthorizeUrl>{{.base}}/oauth/authorize</AuthorizeUrl>
      <TokenUrl>{{.base}}/oauth/token</TokenUrl>
      <Refresh><Url>{{.base}}/oauth/token</Url></Refresh>
    </OAuth2>
  </Authentication>""",
    )
    fields = {p.field for p in validate(load_xml(text)) if "url connect field" in p.message}
    assert fields == {"OAuth2.AuthorizeUrl", "OAuth2.TokenUrl", "OAuth2.Refresh.Url"}


def test_outputs_are_variables_of_the_rest_of_the_scenario():
    """Outputs are known after their request: in later requests, the duplicate check, the
    scenario request and options; used before, they stay unknown-variable warnings."""
    text = MINIMAL.replace(
        "</HelpdeskTemplate>",
        """  <Ticket enabled="true">
    <ExtraRequests>
      <Request name="a" method="GET">
        <Url>https://h.example/a?b={{.FromB}}</Url>
        <Outputs><Output name="FromA" path="id"/></Outputs>
      </Request>
      <Request name="b" method="GET">
        <Url>https://h.example/b/{{.FromA}}</Url>
        <Outputs><Output name="FromB" header="Location"/></Outputs>
      </Request>
    </ExtraRequests>
    <DuplicateCheck idPath="items.0.id"><Url>https://h.example/t?m={{.FromB}}</Url></DuplicateCheck>
    <Request method="POST">
      <Url>https://h.example/t/{{.FromA}}</Url>
      <Body>{"m":"{{.CallId}}","who":"{{.FromB}}"}</Body>
    </Request>
    <Options><Subject enabled="true">{{.FromA}} {{.Unknown}}</Subject></Options>
  </Ticket>
</HelpdeskTemplate>""",
    )
    warnings = [(p.field, p.message.split(";")[0]) for p in validate(load_xml(text))]
    assert warnings == [
        ("ExtraRequests[0].Url", "unknown variable(s) FromB"),
        ("Options.Subject", "unknown variable(s) Unknown"),
    ]


def test_outputs_of_one_contact_type_are_not_known_in_another():
    text = MINIMAL.replace(
        '<Request method="GET">',
        """<ExtraRequests>
        <Request name="who"><Url>https://h.example/me</Url>
          <Outputs><Output name="Tenant" path="tenant"/></Outputs></Request>
      </ExtraRequests>
      <Request method="GET">""",
    ).replace("phone={{.Phone}}", "phone={{.Phone}}&amp;t={{.Tenant}}")
    assert [p for p in validate(load_xml(text)) if p.severity == "warning"] == []
    popup = text.replace("/c/{{.ContactId}}", "/c/{{.ContactId}}?t={{.Tenant}}")
    assert [p for p in validate(load_xml(popup)) if p.severity == "warning"] == []


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        ('match="phone" phoneForms="e164"', "phoneForms is not used"),
        ('phoneForms="e164,e164"', "listed twice"),
    ],
    ids=["forms-with-phone-match", "repeated-form"],
)
def test_phone_form_warnings(attrs, message):
    text = MINIMAL.replace(
        '<ContactType name="Contacts">', f'<ContactType name="Contacts" {attrs}>'
    )
    problems = validate(load_xml(text))
    assert [p.severity for p in problems] == ["warning"]
    assert message in problems[0].message
    assert problems[0].field == "ContactType[0]@phoneForms"


def test_match_phone_needs_no_phone_in_the_url():
    """C2: with match="phone" the request lists contacts, so no {{.Phone}} warning."""
    listing = MINIMAL.replace("?phone={{.Phone}}", "")
    assert [p.field for p in validate(load_xml(listing))] == ["ContactType[0].Request.Url"]
    matched = listing.replace(
        '<ContactType name="Contacts">', '<ContactType name="Contacts" match="phone">'
    )
    assert validate(load_xml(matched)) == []


def test_a_search_with_the_number_in_its_body_needs_no_phone_in_the_url():
    """C2: a POST search (HubSpot's CRM search) carries {{.Phone}} in its body."""
    listing = MINIMAL.replace("?phone={{.Phone}}", "")
    posted = listing.replace(
        '<Request method="GET">',
        '<Request method="POST">',
        1,
    ).replace("</Url>", '</Url><Body>{"value":"{{.Phone}}"}</Body>', 1)
    assert "{{.Phone}}" in posted
    assert validate(load_xml(posted)) == []
    without = posted.replace('{"value":"{{.Phone}}"}', '{"value":"x"}')
    assert [p.field for p in validate(load_xml(without))] == ["ContactType[0].Request.Url"]


def test_bad_numbers_in_contact_type_pagination_are_located():
    text = MINIMAL.replace(
        "      <Popup", '      <Pagination type="page"\n        pageSize="ten"/>\n      <Popup'
    )
    problem = next(p for p in validate(load_xml(text)) if p.severity == "error")
    assert problem.field == "ContactType[0].Pagination@pageSize"
    assert _spot(text, problem.line, problem.column).startswith('ten"')


_DOUBLING = (
    "{{$a := .Subject}}"
    + '{{$a = printf "%s%s%s%s%s%s%s%s%s%s" $a $a $a $a $a $a $a $a $a $a}}' * 4
)


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        (_DOUBLING + "{{$a}}", True),
        ("{{range $i := .Subject}}{{range $j := .Subject}}{{$i}}{{end}}{{end}}", False),
        ('{"subject":"{{.Subject}}","text":"{{printf "%s %s" .Subject .Subject}}"}', False),
    ],
    ids=["printf-amplifies-tenfold-4-times", "plain-loops", "ordinary-body"],
)
def test_templates_that_blow_the_evaluation_budget_are_refused_when_saved(body, refused):
    """covers E1 (issue 14): a body that multiplies its input past the value limit with
    plausible data is an error at validation, located at the action that exceeds it, so it
    never runs for every call in the worker."""
    text = _with_call_log(body)
    problems = [p for p in validate(load_xml(text)) if p.field == "Request.Body"]
    costly = [p for p in problems if "too costly" in p.message and p.severity == "error"]
    assert bool(costly) is refused, problems
    if refused:
        assert costly[0].line is not None
        assert costly[0].column is not None
        assert _spot(text, costly[0].line, costly[0].column).startswith("printf")
