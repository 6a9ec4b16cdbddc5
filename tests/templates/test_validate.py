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
