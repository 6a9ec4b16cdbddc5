"""REST import and export of the PBX's template format: POST /api/v1/templates converts it
and answers with the conversion report (201, or 422 with the report when the result does
not validate); GET /api/v1/templates/{id}/export?format=pbx writes it back (issue 15)."""

from __future__ import annotations

from pathlib import Path

from ringdesk.templates.importing import import_xml

SAMPLES = Path(__file__).parents[1] / "templates" / "pbx"
XML = {"Content-Type": "application/xml"}


def _sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def test_a_pbx_template_is_converted_stored_and_reported(admin):
    created = admin.post("/api/v1/templates", content=_sample("unmappable_parts.xml"), headers=XML)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["id"], body["name"], body["builtin"]) == ("odd-desk", "Odd Desk", False)
    report = body["conversion"]
    assert report["format"] == "pbx"
    assert report["converted"] is True
    assert report["counts"]["unmapped"] > 0
    by_element = {f["element"]: f for f in report["findings"]}
    token_errors = by_element["Scenario[AuthMethod]/Parameter[TokenErrorMap/TokenInvalid]"]
    assert (token_errors["kind"], token_errors["line"]) == ("unmapped", 21)
    assert token_errors["column"] == 9
    # the stored template is the converted one
    stored = admin.get("/api/v1/templates/odd-desk/xml").text
    assert import_xml(stored).template == import_xml(_sample("unmappable_parts.xml")).template


def test_a_ringdesk_template_is_imported_as_it_is_without_a_report(admin):
    text = (
        Path(__file__).parents[1] / "templates" / "corpus" / "valid" / "a_basic_api_key.xml"
    ).read_text()
    created = admin.post("/api/v1/templates", content=text, headers=XML)
    assert created.status_code == 201
    assert "conversion" not in created.json()


def test_a_pbx_template_that_does_not_validate_is_refused_with_the_report(admin):
    """A PBX file whose converted template has errors: 422, problems and the report."""
    text = _sample("oauth2_desk.xml").replace(
        'Name="TokenEndPoint" Value="{{.base_url}}/oauth/token"', 'Name="TokenEndPoint"'
    )
    refused = admin.post("/api/v1/templates", content=text, headers=XML)
    assert refused.status_code == 422
    body = refused.json()
    assert any("TokenUrl" in p["field"] for p in body["problems"] if p["severity"] == "error")
    assert body["conversion"]["format"] == "pbx"
    assert admin.get("/api/v1/templates").json()["custom_count"] == 0


def test_a_pbx_file_that_is_not_xml_is_refused_with_its_line(admin):
    refused = admin.post("/api/v1/templates", content="<Information>\n<Scenarios>\n", headers=XML)
    assert refused.status_code == 422
    [problem] = refused.json()["problems"]
    assert problem["line"] == 3
    assert refused.json()["conversion"]["converted"] is False


def test_the_eleventh_template_is_refused_for_pbx_files_too(admin):
    """covers G5: the PBX import goes through the same 10-template limit."""
    for n in range(10):
        text = _sample("none_apikey.xml").replace('Name="Plain Desk"', f'Name="Desk {n}"')
        assert admin.post("/api/v1/templates", content=text, headers=XML).status_code == 201
    refused = admin.post("/api/v1/templates", content=_sample("basic_desk.xml"), headers=XML)
    assert refused.status_code == 422
    assert "at most 10 custom templates" in refused.json()["detail"]


def test_validate_reports_the_conversion_without_storing(admin):
    checked = admin.post(
        "/api/v1/templates/validate", content=_sample("chained_next.xml"), headers=XML
    )
    assert checked.status_code == 200
    assert checked.json()["valid"] is True
    assert checked.json()["conversion"]["counts"]["unmapped"] == 0
    assert admin.get("/api/v1/templates").json()["custom_count"] == 0


def test_export_as_pbx_round_trips(admin):
    """covers item 3: GET …/export?format=pbx writes what the import reads back equal."""
    admin.post("/api/v1/templates", content=_sample("chained_next.xml"), headers=XML)
    exported = admin.get("/api/v1/templates/chained-desk/export", params={"format": "pbx"})
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/xml")
    assert exported.headers["x-ringdesk-not-exported"] == "0"
    assert 'filename="chained-desk.pbx.xml"' in exported.headers["content-disposition"]
    assert exported.text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<Information ')
    assert import_xml(exported.text).template == import_xml(_sample("chained_next.xml")).template


def test_export_of_a_builtin_counts_what_the_pbx_format_cannot_hold(admin):
    exported = admin.get("/api/v1/templates/zendesk/export", params={"format": "pbx"})
    assert exported.status_code == 200
    assert import_xml(exported.text).format == "pbx"
    count = int(exported.headers["x-ringdesk-not-exported"])
    listed = exported.text.split("-->", 1)[0].splitlines()[2:] if count else []
    assert len(listed) == count


def test_export_formats(admin):
    ringdesk = admin.get("/api/v1/templates/zendesk/export")
    assert ringdesk.status_code == 200
    assert ringdesk.text == admin.get("/api/v1/templates/zendesk/xml").text
    assert (
        admin.get("/api/v1/templates/zendesk/export", params={"format": "csv"}).status_code == 422
    )
    assert admin.get("/api/v1/templates/nope/export", params={"format": "pbx"}).status_code == 404
