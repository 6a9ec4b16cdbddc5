"""The template corpus: every valid file loads, validates without errors and round-trips;
every invalid file reports exactly the problem its leading `<!-- expect: … -->` comment names
(severity, section, field, line and, when given, column). Covers G, A, H, F, U, C, N, L, T and
XML safety (E4)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ringdesk.errors import TemplateError
from ringdesk.templates import dump_xml, load_xml, validate
from ringdesk.templates.report import load_problem

CORPUS = Path(__file__).parent / "corpus"
VALID = sorted((CORPUS / "valid").glob("*.xml"))
INVALID = sorted((CORPUS / "invalid").glob("*.xml"))
EXPECT = re.compile(r"<!-- expect: (error|warning) (\S+) (\S+) line (\d+)(?: column (\d+))? -->")


def problems_of(path: Path):
    try:
        return validate(load_xml(path.read_bytes()))
    except TemplateError as exc:
        return [load_problem(exc)]


def expectation(path: Path) -> tuple[str, str, str, int, int | None] | None:
    match = EXPECT.search(path.read_text())
    if match is None:
        return None
    severity, section, field, line, column = match.groups()
    return (
        severity,
        section,
        "" if field == "-" else field,
        int(line),
        None if column is None else int(column),
    )


def found(problems, expected) -> set[tuple[str, str, str, int | None, int | None]]:
    """The problems as expectation tuples (the column only where the expectation has one)."""
    with_column = expected is not None and expected[4] is not None
    return {
        (p.severity, p.section, p.field, p.line, p.column if with_column else None)
        for p in problems
    }


def test_corpus_is_big_enough_and_covers_every_section():
    """At least 40 files, and each section letter has valid and invalid cases."""
    assert len(VALID) + len(INVALID) >= 40
    for letter in "gahfucnlt":
        assert any(p.name.startswith(f"{letter}_") for p in VALID), letter
        assert any(p.name.startswith(f"{letter}_") for p in INVALID), letter


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_file_has_no_errors_and_round_trips(path):
    """covers G6, E4: no errors; warnings only when announced; dump → load is lossless."""
    problems = problems_of(path)
    assert [p for p in problems if p.severity == "error"] == []
    expected = expectation(path)
    if expected is None:
        assert problems == []
    else:
        assert expected in found(problems, expected), problems
    template = load_xml(path.read_bytes())
    text = dump_xml(template)
    assert load_xml(text) == template
    assert dump_xml(load_xml(text)) == text


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_file_reports_its_expected_problem(path):
    """covers E4: the named problem is reported at the named section, field and line."""
    expected = expectation(path)
    assert expected is not None, "invalid corpus files must state their expected problem"
    problems = problems_of(path)
    assert expected in found(problems, expected), [str(p) for p in problems]
