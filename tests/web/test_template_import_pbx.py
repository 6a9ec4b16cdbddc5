"""The admin UI's Import takes the PBX's own template format: the REST API converts and
saves it, and the editor opens on the converted template with the conversion report listed
(issue 15)."""

from __future__ import annotations

from html import unescape
from pathlib import Path

from tests.web.test_template_editor import _form, _post_import, admin  # noqa: F401  (fixture)

SAMPLES = Path(__file__).parents[1] / "templates" / "pbx"


def test_a_pbx_file_is_converted_saved_and_its_report_shown(admin):  # noqa: F811
    response = _post_import(admin, (SAMPLES / "unmappable_parts.xml").read_text())
    assert response.status_code == 200
    page = unescape(response.text)
    assert "converted from the PBX's format and saved as “Odd Desk”" in page
    assert (
        "unmapped: Scenario[AuthMethod]/Parameter[TokenErrorMap/TokenInvalid]: ringdesk renews "
        "a token after an HTTP 401 only"
    ) in page
    assert "(line 21, column 9)" in page  # where it is in the PBX file
    names = dict(_form(page).pairs)
    assert names["general.name"] == "Odd Desk"
    assert names["authentication.method"] == "oauth2"
    assert names["template_id"] == "odd-desk"
    listed = admin.get("/admin/templates").text
    assert "Odd Desk" in listed


def test_a_pbx_file_that_does_not_read_opens_the_xml_with_its_line(admin):  # noqa: F811
    response = _post_import(admin, "<Information>\n<Scenarios>\n")
    assert response.status_code == 422
    assert "line 3, column 1" in unescape(response.text)
