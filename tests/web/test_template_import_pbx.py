"""The admin UI's Import takes the PBX's own template format: the converted template fills
the editor, and the conversion report is listed with the problems (issue 15)."""

from __future__ import annotations

from html import unescape
from pathlib import Path

from tests.web.test_template_editor import _form, _import, admin  # noqa: F401  (fixture)

SAMPLES = Path(__file__).parents[1] / "templates" / "pbx"


def test_a_pbx_file_fills_the_editor_and_shows_the_report(admin):  # noqa: F811
    page = unescape(_import(admin, (SAMPLES / "unmappable_parts.xml").read_text()))
    assert (
        "unmapped: Scenario[AuthMethod]/Parameter[TokenErrorMap/TokenInvalid]: ringdesk renews "
        "a token after an HTTP 401 only"
    ) in page
    assert "(line 21, column 9)" in page  # where it is in the PBX file
    names = dict(_form(page).pairs)
    assert names["general.name"] == "Odd Desk"
    assert names["authentication.method"] == "oauth2"
