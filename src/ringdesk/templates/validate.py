"""Semantic checks of a loaded template (E4 and the rule list of template-format.md).

`validate(t)` returns `Problem`s naming section, field and line; errors block saving,
warnings do not. The rules live in `_rules.SECTION_CHECKS` (one check per section); the
expression checks go through the `_checks` adapter to the expression engines.
"""

from __future__ import annotations

from ringdesk.templates import model as m
from ringdesk.templates._context import Ctx
from ringdesk.templates._rules import (
    MAX_CUSTOM_TEMPLATES,
    MAX_FIELDS,
    MAX_HEADERS,
    PHONE_FIELDS,
    SECTION_CHECKS,
)
from ringdesk.templates.problem import Problem, has_errors

__all__ = [
    "MAX_CUSTOM_TEMPLATES",
    "MAX_FIELDS",
    "MAX_HEADERS",
    "PHONE_FIELDS",
    "Problem",
    "has_errors",
    "validate",
]


def validate(template: m.Template, *, custom_count: int | None = None) -> list[Problem]:
    """All problems of `template`, sorted by line.

    `custom_count` = how many custom templates are already stored besides this one; when
    given, a template that would be the 11th is an error (G5).
    """
    c = Ctx(template)
    if custom_count is not None and custom_count >= MAX_CUSTOM_TEMPLATES:
        c.error(
            "General",
            "",
            "HelpdeskTemplate",
            f"at most {MAX_CUSTOM_TEMPLATES} custom templates are allowed; "
            f"{custom_count} are stored already",
        )
    for check in SECTION_CHECKS.values():
        check(c, template)
    return sorted(c.problems, key=lambda p: (p.line or 0, p.severity != "error"))
