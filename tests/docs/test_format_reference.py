"""The hand-written element reference (docs/template-reference/format.md) names exactly the elements
and attributes the template reader accepts, element path by element path.

What the reader accepts is found by asking it: for each element path, a document holding
that element with an unknown attribute (or child, or text) is loaded, and the reader's
refusal lists what is allowed there. Starting from the root and following every allowed
child gives the whole grammar, so a new element in `templates/_read.py` fails this test
until the page has a section for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import pytest

from ringdesk.errors import TemplateError
from ringdesk.templates import load_xml
from tests.docs.pages import DOCS

FORMAT_PAGE = DOCS / "template-reference" / "format.md"
_ALLOWED = re.compile(r"\(allowed: (?P<names>[^)]*)\)$")
_PROBE = "Zzprobe"


@dataclass
class Shape:
    """What one element path accepts."""

    attrs: set[str] = field(default_factory=set)
    children: set[str] = field(default_factory=set)
    text: bool = False


def _document(path: tuple[str, ...], inner: str, attr: str = "") -> str:
    """`path` as nested elements, the innermost holding `inner` and attribute `attr`."""
    xml = f"<{path[-1]}{attr}>{inner}</{path[-1]}>"
    for tag in reversed(path[:-1]):
        xml = f"<{tag}>{xml}</{tag}>"
    return xml


def _refusal(xml: str) -> str | None:
    try:
        load_xml(xml)
    except TemplateError as exc:
        return exc.message
    return None


def _allowed(message: str | None, what: str) -> set[str]:
    assert message is not None, f"the reader accepted an unknown {what}"
    match = _ALLOWED.search(message)
    assert match, f"unexpected refusal for an unknown {what}: {message}"
    names = match["names"]
    return set() if names == "none" else set(names.split(", "))


def _shape(path: tuple[str, ...]) -> Shape:
    shape = Shape()
    shape.attrs = _allowed(_refusal(_document(path, "", f' {_PROBE.lower()}="1"')), "attribute")
    shape.children = _allowed(_refusal(_document(path, f"<{_PROBE}/>")), "element")
    # An element that takes no text says so; one that does loads (or fails for another reason).
    message = _refusal(_document(path, "probe-text"))
    shape.text = not (message and "takes no text" in message)
    return shape


@cache
def reader_grammar() -> dict[str, Shape]:
    """Every element path the reader accepts (`/HelpdeskTemplate/General/Name`) → its shape."""
    grammar: dict[str, Shape] = {}
    pending = [("HelpdeskTemplate",)]
    while pending:
        path = pending.pop()
        shape = _shape(path)
        grammar["/" + "/".join(path)] = shape
        pending.extend((*path, child) for child in sorted(shape.children))
    return grammar


@dataclass
class Section:
    heading: str
    paths: list[str]
    attrs: set[str]
    children: set[str]
    text: bool


def page_sections() -> list[Section]:
    """The element sections of format.md: a heading, then `**Path:**` and the element's
    paths; a table whose rows start with the attributes' names; `**Children:**` naming the
    children up to the first full stop; `**Text:**` when the element holds text."""
    text = FORMAT_PAGE.read_text(encoding="utf-8")
    sections = []
    for chunk in re.split(r"^#{2,3} ", text, flags=re.M)[1:]:
        heading, _, body = chunk.partition("\n")
        path_line = re.search(r"^\*\*Path:\*\* (.+?)(?=\n\n)", body, re.M | re.S)
        if not path_line:
            continue
        paths = re.findall(r"`(/[^`]+)`", path_line.group(1))
        attrs = set(re.findall(r"^\| `(\w+)` \|", body, re.M))
        children_line = re.search(r"^\*\*Children:\*\* (.+?)(?=\n\n|\Z)", body, re.M | re.S)
        # The names come first, up to the first sentence end; prose may follow.
        listed = re.split(r"\.(?:\s|$)", children_line.group(1))[0] if children_line else ""
        children = set(re.findall(r"`(\w+)`", listed))
        has_text = re.search(r"^\*\*Text:\*\*", body, re.M) is not None
        sections.append(Section(heading.strip(), paths, attrs, children, has_text))
    return sections


def documented() -> dict[str, Section]:
    by_path: dict[str, Section] = {}
    for section in page_sections():
        for path in section.paths:
            assert path not in by_path, f"{path} is described twice ({section.heading})"
            by_path[path] = section
    return by_path


def test_the_probe_finds_the_known_grammar():
    """The discovery itself works: it finds nested elements, attributes and text."""
    grammar = reader_grammar()
    assert grammar["/HelpdeskTemplate"].attrs == {"formatVersion"}
    assert "nextLinkPath" in grammar["/HelpdeskTemplate/UserAssociation/Pagination"].attrs
    assert grammar["/HelpdeskTemplate/General/Name"].text
    assert not grammar["/HelpdeskTemplate/General"].text
    assert "/HelpdeskTemplate/CreateContact/ContactType/ExtraVariables/Variable" in grammar


def test_every_element_the_reader_accepts_has_a_section():
    missing = sorted(set(reader_grammar()) - set(documented()))
    assert not missing, f"format.md has no section for: {missing}"


def test_every_section_names_an_element_the_reader_accepts():
    stale = sorted(set(documented()) - set(reader_grammar()))
    assert not stale, f"format.md describes elements the reader refuses: {stale}"


@pytest.mark.parametrize("path", sorted(reader_grammar()))
def test_section_lists_the_attributes_children_and_text(path: str):
    shape = reader_grammar()[path]
    section = documented().get(path)
    if section is None:
        pytest.skip("reported by test_every_element_the_reader_accepts_has_a_section")
    assert section.attrs == shape.attrs, f"{path}: attributes"
    assert section.children == shape.children, f"{path}: children"
    assert section.text == shape.text, f"{path}: **Text:** line present iff text is accepted"
