"""The template's custom headers (H1–H3), rendered with an integration's variables (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ringdesk.expressions import gotemplate
from ringdesk.templates.model import Header

__all__ = ["custom_headers"]


def custom_headers(
    headers: Iterable[Header], variables: Mapping[str, str], scope: str = "scenarios"
) -> dict[str, str]:
    """H1/H2: the template's headers that apply to `scope` (`HEADER_SCOPES`: scenarios,
    followups, extra, token), values rendered with the variables (H3: an `Authorization`
    among them replaces the one the auth method produces)."""
    rendered: dict[str, str] = {}
    for header in headers:
        if header.name and header.applies(scope):
            value = header.value
            if "{{" in value:
                value = gotemplate.render(value, variables)
            rendered[header.name] = value.strip()
    return rendered
