"""Thin access to the Go-template renderer, so integration code names one place for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

__all__ = ["Escape", "render"]

Escape = Literal["text", "json", "url", "gjson"]


def render(template: str, data: Mapping[str, Any], *, escape: Escape = "text") -> str:
    """Render a `{{…}}` template (plain text needs no renderer and is returned as is)."""
    if "{{" not in template:
        return template
    from ringdesk.expressions import gotemplate

    return gotemplate.render(template, data, escape=escape)
