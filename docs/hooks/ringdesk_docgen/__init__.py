"""Build-time generators of the reference pages (`docs/hooks/ringdesk_hook.py` calls them).

Every generator reads a registry in the code and returns Markdown; a page asks for one with
a line `<!-- generated: NAME -->`. Nothing here is hand-maintained data: descriptions live in
the code they describe (docstrings, `Field(description=…)`, `templates.variable_docs`).
"""

from __future__ import annotations

from collections.abc import Callable

from ringdesk_docgen import cli, openapi, operations, templates

__all__ = ["GENERATORS", "generate"]

GENERATORS: dict[str, Callable[[], str]] = {
    "variables": templates.variables_markdown,
    "functions": templates.functions_markdown,
    "settings": operations.settings_markdown,
    "metrics": operations.metrics_markdown,
    "rest-api": openapi.rest_api_markdown,
    "cli": cli.cli_markdown,
}


def generate(name: str) -> str:
    """The Markdown of generator `name`; KeyError names the known ones."""
    try:
        generator = GENERATORS[name]
    except KeyError:
        raise KeyError(f"unknown generator {name!r}; known: {', '.join(GENERATORS)}") from None
    return generator()
