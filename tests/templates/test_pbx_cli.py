"""`ringdesk template import` (either format; -o writes, else it stores like the API) and
`ringdesk template export-pbx` (issue 15, item 4)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet

from ringdesk.cli import main
from ringdesk.store import templates as repo
from ringdesk.store.db import Database
from ringdesk.templates.importing import import_xml

SAMPLES = Path(__file__).parent / "pbx"
CORPUS = Path(__file__).parent / "corpus" / "valid"
# FILE:LINE:COLUMN: unmapped|changed: element: why
FINDING = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+):(?P<column>\d+): (unmapped|changed): \S.*: \S"
)


@pytest.fixture
def database_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("RINGDESK_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("RINGDESK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RINGDESK_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("RINGDESK_WEBHOOK_SECRET", "cli-webhook-secret")
    return path


def _cli(*args: str):
    return CliRunner().invoke(main, ["template", *args])


def _stored(path: Path) -> dict[str, str]:
    database = Database(f"sqlite:///{path}")
    try:
        with database.session() as session:
            return {r.id: r.name for r in repo.list_rows(session) if not r.builtin}
    finally:
        database.dispose()


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.xml")))
def test_import_writes_a_template_that_validates(name, tmp_path):
    """covers item 1 with -o: exit 0, the converted XML written, `template validate` passes."""
    out = tmp_path / "out.xml"
    result = _cli("import", str(SAMPLES / name), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert (
        import_xml(out.read_bytes()).template == import_xml((SAMPLES / name).read_bytes()).template
    )
    checked = _cli("validate", str(out))
    assert checked.exit_code == 0, checked.output


def test_the_report_lines_name_file_line_column_element_and_why(tmp_path):
    sample = SAMPLES / "unmappable_parts.xml"
    result = _cli("import", str(sample), "-o", str(tmp_path / "out.xml"))
    assert result.exit_code == 0
    lines = [line for line in result.output.splitlines() if line.startswith(str(sample) + ":")]
    findings = [line for line in lines if FINDING.match(line)]
    assert len(findings) == len(import_xml(sample.read_bytes()).conversion.findings)
    assert any(
        ":21:9: unmapped: Scenario[AuthMethod]/Parameter[TokenErrorMap/TokenInvalid]: " in f
        for f in findings
    )
    assert "PBX template: " in result.output  # the summary


def test_import_of_a_template_with_errors_exits_1(tmp_path):
    text = (
        (SAMPLES / "oauth2_desk.xml").read_text().replace('Value="{{.base_url}}/oauth/token"', "")
    )
    source = tmp_path / "broken.xml"
    source.write_text(text)
    out = tmp_path / "out.xml"
    result = _cli("import", str(source), "-o", str(out))
    assert result.exit_code == 1
    assert f"{out}:" in result.output  # validation problems are placed in the written XML
    assert "TokenUrl" in result.output
    assert out.exists()


def test_import_of_bad_xml_exits_1_with_its_line(tmp_path):
    source = tmp_path / "bad.xml"
    source.write_text("<Information>\n  <Scenarios>\n")
    result = _cli("import", str(source), "-o", str(tmp_path / "out.xml"))
    assert result.exit_code == 1
    assert f"{source}:3:" in result.output
    assert not (tmp_path / "out.xml").exists()


def test_import_without_output_stores_on_the_configured_database(database_file):
    """covers item 1 without -o: the API's import path (validation, 10-template limit)."""
    result = _cli("import", str(SAMPLES / "basic_desk.xml"))
    assert result.exit_code == 0, result.output
    assert "imported as template 'basic-desk'" in result.output
    plain = _cli("import", str(CORPUS / "a_basic_api_key.xml"))  # ringdesk's format: as it is
    assert plain.exit_code == 0, plain.output
    assert "PBX template" not in plain.output
    assert _stored(database_file) == {"basic-desk": "Basic Desk", "acme-desk": "Acme Desk"}


def test_the_eleventh_import_is_refused(database_file, tmp_path):
    source = tmp_path / "desk.xml"
    for n in range(10):
        source.write_text(
            (SAMPLES / "none_apikey.xml").read_text().replace("Plain Desk", f"Desk {n}")
        )
        assert _cli("import", str(source)).exit_code == 0
    refused = _cli("import", str(SAMPLES / "bearer_token.xml"))
    assert refused.exit_code == 1
    assert "at most 10 custom templates" in refused.output
    assert "not imported" in refused.output
    assert len(_stored(database_file)) == 10


def test_export_pbx_writes_what_import_reads(tmp_path):
    """covers item 3: ringdesk → PBX → ringdesk gives the same template."""
    converted = tmp_path / "converted.xml"
    assert _cli("import", str(SAMPLES / "chained_next.xml"), "-o", str(converted)).exit_code == 0
    back = tmp_path / "back.xml"
    result = _cli("export-pbx", str(converted), "-o", str(back))
    assert result.exit_code == 0, result.output
    assert "0 element(s) not in the PBX format" in result.output
    assert import_xml(back.read_bytes()).template == import_xml(converted.read_bytes()).template


def test_export_pbx_lists_what_the_format_cannot_hold(tmp_path):
    source = CORPUS / "r_request_tracker.xml"
    out = tmp_path / "rt.pbx.xml"
    result = _cli("export-pbx", str(source), "-o", str(out))
    assert result.exit_code == 0
    findings = [line for line in result.output.splitlines() if FINDING.match(line)]
    assert any("ContactSearch.ContactType[0].Pagination: " in f for f in findings)
    assert import_xml(out.read_bytes()).format == "pbx"


def test_export_pbx_of_a_file_that_does_not_load_exits_1(tmp_path):
    source = tmp_path / "bad.xml"
    source.write_text("<HelpdeskTemplate><General>")
    result = _cli("export-pbx", str(source), "-o", str(tmp_path / "out.xml"))
    assert result.exit_code == 1
    assert f"{source}:1:" in result.output
