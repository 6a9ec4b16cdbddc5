"""XML tree → template model: one small builder per element family, found by tag.

Every builder takes the element and a `Reader` (which checks for unknown children and
attributes, records source positions under dotted paths, and keeps unparsable values raw)
and returns a model component. Unknown elements and attributes are refused with their line
and column.
"""

from __future__ import annotations

from typing import Any, TypeVar

from ringdesk.templates import model as m
from ringdesk.templates._read_scenarios import (
    build_call_log,
    build_contact_search,
    build_create_contact,
    build_ticket,
    build_user_association,
)
from ringdesk.templates._read_setup import (
    build_authentication,
    build_follow_ups,
    build_general,
    build_headers,
)
from ringdesk.templates._reader import Builder, Reader, UnknownElementError
from ringdesk.templates._xmlread import Node

__all__ = ["SECTION_BUILDERS", "Reader", "UnknownElementError", "build_template"]

_V = TypeVar("_V")

# Top-level element → (model field, builder). The dispatch table of the codec.
SECTION_BUILDERS: dict[str, tuple[str, Builder]] = {
    "General": ("general", build_general),
    "Authentication": ("authentication", build_authentication),
    "Headers": ("headers", build_headers),
    "FollowUpRequests": ("follow_up_requests", build_follow_ups),
    "UserAssociation": ("user_association", build_user_association),
    "ContactSearch": ("contact_search", build_contact_search),
    "CreateContact": ("create_contact", build_create_contact),
    "CallLog": ("call_log", build_call_log),
    "Ticket": ("ticket", build_ticket),
}

ROOT_TAG = "HelpdeskTemplate"


def _rename_root(table: dict[str, _V]) -> None:
    for key in [k for k in table if k == "" or k.startswith("@")]:
        table[ROOT_TAG + key] = table.pop(key)


def build_template(root: Node) -> m.Template:
    """Build the model from a parsed document; raises `TemplateError` for structure errors."""
    if root.tag != ROOT_TAG:
        raise UnknownElementError(
            f"the root element must be <{ROOT_TAG}>, not <{root.tag}>",
            path=root.tag,
            line=root.line,
            column=root.column,
        )
    r = Reader()
    r.enter(root, "", attrs=("formatVersion",), children=tuple(SECTION_BUILDERS))
    # the root was entered as "" so that unknown sections are named by their own tag
    _rename_root(r.locations)
    _rename_root(r.positions)
    values: dict[str, Any] = {"format_version": r.attr(root, "formatVersion", "1")}
    for child in root.children:
        field, builder = SECTION_BUILDERS[child.tag]
        values[field] = builder(child, r, child.tag)
    return m.Template(
        **values, locations=r.locations, positions=r.positions, invalid_values=r.invalid
    )
