"""XML ⇄ template model (G6): safe parsing with source lines, canonical serialisation.

`load_xml` parses with a defused expat parser (no DTDs, so no entity bombs and no external
entities), then builds the model through a dispatch table of per-section builders
(`_read.SECTION_BUILDERS`). `dump_xml` writes the canonical layout (`_write`); for any
template `load_xml(dump_xml(t)) == t` and `dump_xml` of a loaded dump is byte-identical.
"""

from __future__ import annotations

from ringdesk.templates._read import UnknownElementError, build_template
from ringdesk.templates._write import write_template
from ringdesk.templates._xmlread import parse_xml
from ringdesk.templates.model import Template

__all__ = ["UnknownElementError", "dump_xml", "load_xml"]


def load_xml(text: str | bytes) -> Template:
    """Parse template XML.

    Raises `ringdesk.errors.TemplateError` (with `.line`, `.column` when known) for malformed
    or unsafe XML (DTD, entities) and for unknown elements or attributes (naming them).
    Values that do not parse (a non-integer `MaxConcurrentRequests`...) do not raise: they are
    kept in `Template.invalid_values` for `validate` to report with their line.
    """
    return build_template(parse_xml(text))


def dump_xml(template: Template) -> str:
    """The canonical XML text of `template` (UTF-8 declaration, two-space indentation)."""
    return write_template(template)
