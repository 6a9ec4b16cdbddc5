"""Thin access to the Go-template renderer, so integration code names one place for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

__all__ = ["Escape", "render", "render_query"]

Escape = Literal["text", "json", "url", "gjson"]


def render(template: str, data: Mapping[str, Any], *, escape: Escape = "text") -> str:
    """Render a `{{…}}` template (plain text needs no renderer and is returned as is)."""
    if "{{" not in template:
        return template
    from ringdesk.expressions import gotemplate

    return gotemplate.render(template, data, escape=escape)


def render_query(template: str, data: Mapping[str, Any]) -> str:
    """Render a query string or form body (`a={{.x}}&b=…`): every value percent-encoded as a
    query value. The URL escaper picks its rule by where a value lands in a URL, so the text
    is rendered as the query part of an (empty) URL."""
    if "{{" not in template:
        return template
    return render("?" + template, data, escape="url")[1:]
