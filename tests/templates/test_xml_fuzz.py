"""Fuzzing the template readers: any bytes in, a template or located problems out.

`load_xml` + `validate` (the ringdesk format) and `import_xml` (either format, the PBX's
converted) read XML that admins upload and that anyone may publish. Inputs are the shipped
templates, the test corpus and the PBX samples mutated (slices cut, repeated or moved,
markup and expression fragments spliced in, attribute values replaced), documents grown
from the template vocabulary, and raw text. The only exception allowed is TemplateError
with its line; `validate` and `import_xml` return problems. `RINGDESK_FUZZ=deep` runs
10,000+ examples (tests/fuzzing.py).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from ringdesk.errors import TemplateError
from ringdesk.templates import dump_xml, load_xml, validate
from ringdesk.templates.importing import import_xml
from tests.fuzzing import PROFILE

FUZZ = settings(settings.get_profile(PROFILE))

_HERE = Path(__file__).parent
_SOURCES = [
    *sorted((_HERE.parents[1] / "src" / "ringdesk" / "templates" / "builtin").glob("*.xml")),
    *sorted((_HERE / "corpus" / "valid").glob("*.xml")),
    *sorted((_HERE / "corpus" / "invalid").glob("*.xml")),
    *sorted((_HERE / "pbx").glob("*.xml")),
]
SEEDS = [p.read_text() for p in _SOURCES]
PBX_SEEDS = [s for s in SEEDS if "<Information" in s]

# Names of elements and attributes the readers know, so mutations reach deep code.
_TAGS = sorted(set(re.findall(r"</?([A-Za-z][A-Za-z0-9]*)", "\n".join(SEEDS))) | {"x", "Unknown"})
_ATTRS = sorted(set(re.findall(r"\s([A-Za-z][A-Za-z0-9]*)=\"", "\n".join(SEEDS))) | {"x"})
_FRAGMENTS = [
    "<", ">", "</", "/>", "&", "&amp;", "&lt;", "&#0;", "&#x110000;", "&nope;", '"', "'",
    "=", "<![CDATA[", "]]>", "<!--", "-->", "<?xml version='1.0'?>", "<!DOCTYPE x>",
    '<!ENTITY a "b">', "{{", "}}", "{{.", "{{.Phone}}", "{{.base_url}}", "{{end}}",
    "{{range .}}", "{{if}}", '{{printf "%s%s" . .}}', "{{$a := 1}}", "{{template \"x\"}}",
    "data.#.id", "@dig:a", '@flatten:{"deep":true}', "#(", "[[[[", "$.a[*]", "$..x",
    "{", "}", "[", "]", '":"', ",", "\x00", "\ufffd", "é", "\u202e", "0", "-1",
    "99999999999999999999", "true", "maybe", "https://", "http://0177.0.0.1", "//",
    "../", "%2e", "\t", "\n", " " * 3,
]  # fmt: skip
FRAGMENTS = st.sampled_from(_FRAGMENTS)
TEXTS = st.text(max_size=12) | FRAGMENTS
# what XML can hold as a value (no control characters), so the document stays readable
VALUES = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=12) | st.sampled_from(
    [f for f in _FRAGMENTS if f.isprintable()]
)


@st.composite
def element(draw: Any, depth: int = 0) -> str:
    tag = draw(st.sampled_from(_TAGS))
    attrs = "".join(
        f' {draw(st.sampled_from(_ATTRS))}="{_attr(draw(VALUES))}"'
        for _ in range(draw(st.integers(0, 3)))
    )
    if depth >= 4 or draw(st.integers(0, 3)) == 0:
        body = _text(draw(VALUES))
    else:
        body = "".join(draw(element(depth + 1)) for _ in range(draw(st.integers(0, 4))))
    return f"<{tag}{attrs}>{body}</{tag}>"


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def _text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


@st.composite
def grown(draw: Any) -> str:
    """A document from the vocabulary, under a root the readers accept (most of the time)."""
    root = draw(st.sampled_from(["HelpdeskTemplate", "HelpdeskTemplate", "Template", "x"]))
    version = draw(st.sampled_from([' formatVersion="1"', "", ' formatVersion="2"']))
    children = "".join(draw(element(1)) for _ in range(draw(st.integers(0, 6))))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}{version}>{children}</{root}>'


@st.composite
def mutated(draw: Any, seeds: list[str] = SEEDS) -> str:
    text = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 3))):
        size = len(text)
        a = draw(st.integers(0, size))
        b = draw(st.integers(a, min(size, a + 200)))
        # values and whole elements keep the XML readable, so they reach validation
        kind = draw(st.sampled_from(["cut", "insert", "repeat", "move", "tag", *["value"] * 6]))
        if kind == "cut":
            text = text[:a] + text[b:]
        elif kind == "insert":
            text = text[:a] + draw(TEXTS) + text[a:]
        elif kind == "repeat":
            text = text[:b] + text[a:b] * draw(st.integers(1, 5)) + text[b:]
        elif kind == "move":
            piece, rest = text[a:b], text[:a] + text[b:]
            at = draw(st.integers(0, len(rest)))
            text = rest[:at] + piece + rest[at:]
        elif kind == "value":
            values = list(re.finditer(r'="([^"]*)"|>([^<>]+)</', text))
            if values:
                match = draw(st.sampled_from(values))
                group = 1 if match.group(1) is not None else 2
                new = _attr(draw(VALUES))
                text = text[: match.start(group)] + new + text[match.end(group) :]
        elif kind == "element":
            closing = [m.end() for m in re.finditer(r">", text)]
            if closing:
                at = draw(st.sampled_from(closing))
                text = text[:at] + draw(element(2)) + text[at:]
        else:
            tags = list(re.finditer(r"<(/?)([A-Za-z][A-Za-z0-9]*)", text))
            if tags:
                match = draw(st.sampled_from(tags))
                text = text[: match.start(2)] + draw(st.sampled_from(_TAGS)) + text[match.end(2) :]
    return text


DOCUMENTS = (
    mutated()
    | mutated()
    | mutated()
    | grown()
    | st.text(max_size=200)
    | st.binary(max_size=200)
    | st.sampled_from(SEEDS).map(lambda s: s.encode("utf-16"))
)


def _note(label: str) -> None:
    """Count `label` in the fuzzing statistics (a no-op in the plain seed tests)."""
    if currently_in_test_context():
        event(label)


def _check_refusal(exc: TemplateError) -> None:
    """A reader's refusal says what and on which line."""
    _note("refused by the reader")
    assert exc.message
    assert exc.line is not None, exc


def _load_and_validate(data: str | bytes) -> None:
    started = time.process_time()
    try:
        template = load_xml(data)
    except TemplateError as exc:
        _check_refusal(exc)
        return
    problems = validate(template)
    _note("valid" if not any(p.severity == "error" for p in problems) else "validation errors")
    for problem in problems:
        assert problem.message
        assert problem.severity in ("error", "warning")
    if not any(p.severity == "error" for p in problems):
        load_xml(dump_xml(template))  # what validates is written back readable
    assert time.process_time() - started < 10, "one document took more than 10 s of CPU"


@pytest.mark.fuzz
@FUZZ
@given(DOCUMENTS)
def test_load_and_validate_raise_only_located_template_errors(data):
    """covers E1–E4 (issue 14, fuzzing): any document loads and validates, or fails with a
    TemplateError naming its line; nothing else ever escapes."""
    _load_and_validate(data)


@pytest.mark.fuzz
@FUZZ
@given(mutated(PBX_SEEDS) | mutated() | grown())
def test_import_never_raises_and_refusals_are_located(data):
    """covers P1 (issue 14, fuzzing): `import_xml` (the UI, API and CLI import) returns a
    template or problems for any document in either format, the PBX's converted."""
    started = time.process_time()
    imported = import_xml(data)
    _note(f"{imported.format}: {'refused' if imported.template is None else 'imported'}")
    if imported.template is None:
        assert imported.problems
        assert all(p.message for p in imported.problems)
    else:
        validate(imported.template)
    assert time.process_time() - started < 10


@pytest.mark.parametrize("path", _SOURCES, ids=[f"{p.parent.name}/{p.name}" for p in _SOURCES])
def test_every_seed_is_handled(path):
    """The seeds themselves, unmutated: the starting points of the fuzzing all pass."""
    _load_and_validate(path.read_text())
    import_xml(path.read_text())
