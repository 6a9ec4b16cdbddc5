"""Import any template XML (pure): ringdesk's own format as it is, or the PBX's format
(`<Information Provider="helpdesk">`) converted, with its report. The API's import, the
admin UI and `ringdesk template import` all go through `import_xml`.

A converted template is written out and read back (`dump_xml` → `load_xml`), so what is
validated and stored is exactly the XML the user gets, with its lines for validation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ringdesk.errors import TemplateError
from ringdesk.templates.codec import dump_xml, load_xml
from ringdesk.templates.model import Template
from ringdesk.templates.pbx_convert import Conversion, convert_pbx
from ringdesk.templates.pbx_read import is_pbx, read_pbx
from ringdesk.templates.pbx_report import summary_line
from ringdesk.templates.pbx_write import Export, export_pbx
from ringdesk.templates.problem import Problem
from ringdesk.templates.report import load_problem

__all__ = ["Imported", "export_xml", "import_xml"]

Format = Literal["ringdesk", "pbx"]


@dataclass(frozen=True)
class Imported:
    """What an import read: its `format`, the template (None when it could not be read),
    the reading problem if any, and for the PBX format the conversion."""

    format: Format
    template: Template | None
    problems: tuple[Problem, ...] = ()
    conversion: Conversion | None = None

    def report(self) -> dict[str, Any] | None:
        """The conversion report as JSON (None for ringdesk's own format)."""
        if self.format != "pbx":
            return None
        conversion = self.conversion
        findings = [f.to_dict() for f in conversion.findings] if conversion else []
        counts = {kind: 0 for kind in ("mapped", "changed", "unmapped")}
        for status in conversion.statuses.values() if conversion else ():
            if status in counts:
                counts[status] += 1
        return {
            "format": "pbx",
            "converted": self.template is not None,
            "summary": summary_line(conversion.statuses) if conversion else "",
            "counts": counts,
            "findings": findings,
        }


def import_xml(data: str | bytes) -> Imported:
    """Read template XML in either format; never raises for bad input (the problem is in
    `problems`, with its line and column)."""
    if not is_pbx(data):
        try:
            return Imported("ringdesk", load_xml(data))
        except TemplateError as exc:
            return Imported("ringdesk", None, (load_problem(exc),))
    try:
        doc = read_pbx(data)
    except TemplateError as exc:
        return Imported("pbx", None, (load_problem(exc),))
    conversion = convert_pbx(doc)
    try:
        template = load_xml(dump_xml(conversion.template))
    except TemplateError as exc:  # the converted model always writes readable XML
        return Imported("pbx", None, (load_problem(exc),), conversion)
    return Imported("pbx", template, (), conversion)


def export_xml(data: str | bytes) -> tuple[Imported, Export | None]:
    """The PBX XML of a template file in either format (a PBX file is converted first)."""
    imported = import_xml(data)
    if imported.template is None:
        return imported, None
    return imported, export_pbx(imported.template)
