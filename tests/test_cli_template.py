"""`ringdesk template validate FILE...` (I6, E4): exit codes and
`FILE:LINE:COLUMN: section.field:`."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ringdesk.cli import main

CORPUS = Path(__file__).parent / "templates" / "corpus"


def run(*files: Path):
    return CliRunner().invoke(main, ["template", "validate", *map(str, files)])


def test_valid_files_exit_0():
    result = run(CORPUS / "valid" / "g_minimal.xml", CORPUS / "valid" / "u_page.xml")
    assert result.exit_code == 0, result.output
    assert "invalid" not in result.output


def test_errors_exit_1_with_file_line_section_field():
    path = CORPUS / "invalid" / "a_six_fields.xml"
    result = run(path)
    assert result.exit_code == 1
    assert f"{path}:14:7: Authentication.Fields[5]: at most 5 connect fields" in result.output


def test_warnings_are_prefixed_and_do_not_fail():
    path = CORPUS / "valid" / "h_authorization_warning.xml"
    result = run(path)
    assert result.exit_code == 0
    assert f"warning: {path}:10:5: Headers.Header[1]: an Authorization header" in result.output


def test_one_bad_file_among_good_ones_fails_the_run():
    result = run(CORPUS / "valid" / "g_minimal.xml", CORPUS / "invalid" / "x_xxe.xml")
    assert result.exit_code == 1
    assert "x_xxe.xml:3:1: XML: DOCTYPE/DTD declarations are not allowed" in result.output


def test_builtin_templates_validate_cleanly():
    """Every shipped template has neither errors nor warnings."""
    builtin = Path(__file__).parents[1] / "src" / "ringdesk" / "templates" / "builtin"
    result = run(*sorted(builtin.glob("*.xml")))
    assert result.exit_code == 0, result.output
    assert "warning:" not in result.output


def test_missing_file_is_a_usage_error():
    assert run(CORPUS / "nope.xml").exit_code == 2
