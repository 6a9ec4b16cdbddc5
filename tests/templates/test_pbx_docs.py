"""The example on docs/template-reference/pbx-import.md is what the command really does: the
shown report is the output of `ringdesk template import` on the shown PBX file, and the
shown ringdesk XML is the file it writes."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ringdesk.cli import main

PAGE = Path(__file__).parents[2] / "docs" / "template-reference" / "pbx-import.md"
COMMAND = "$ ringdesk template import desk.xml -o desk-ringdesk.xml"


def _blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of each fenced block, in order."""
    out: list[tuple[str, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("```"):
            lang, body = lines[i][3:].strip(), []
            i += 1
            while not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            out.append((lang, "\n".join(body) + "\n"))
        i += 1
    return out


def test_the_example_report_and_result_are_the_real_ones(tmp_path, monkeypatch):
    blocks = _blocks(PAGE.read_text())
    index = next(i for i, (lang, body) in enumerate(blocks) if body.startswith(COMMAND))
    (_, pbx), (_, shown), (_, converted) = blocks[index - 1 : index + 2]
    assert "<Information " in pbx
    monkeypatch.chdir(tmp_path)
    Path("desk.xml").write_text(pbx)
    result = CliRunner().invoke(main, ["template", "import", "desk.xml", "-o", "desk-ringdesk.xml"])
    assert result.exit_code == 0
    assert result.output == shown.removeprefix(COMMAND + "\n")
    assert Path("desk-ringdesk.xml").read_text() == converted
