"""MkDocs hook: fills the generated parts of pages, and refuses a site that loads anything
from another origin.

A page line `<!-- generated: NAME -->` is replaced by `ringdesk_docgen.generate(NAME)` (the
variables, functions, settings, metrics, REST API and CLI references), so those tables come
from the code on every build. After the build, every HTML and CSS file of the site is
searched for references to external scripts, stylesheets or fonts: the docs must work
offline (no CDN at build or view time).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from ringdesk_docgen import generate

__all__ = ["EXTERNAL_ASSET", "MARKER", "external_assets", "fill_markers"]

MARKER = re.compile(r"^<!-- generated: (?P<name>[a-z-]+) -->$", re.M)
# A script, stylesheet, font or preconnect fetched from another origin.
EXTERNAL_ASSET = re.compile(
    r"""<script[^>]+src=["']?(?:https?:)?//"""
    r"""|<link[^>]+href=["']?(?:https?:)?//[^>]*>"""
    r"""|@import\s+url\(\s*["']?(?:https?:)?//"""
    r"""|fonts\.googleapis\.com|fonts\.gstatic\.com|cdn\.jsdelivr\.net|unpkg\.com""",
    re.I,
)
# Links to other pages are fine; what a `<link>` loads is not (canonical links load nothing).
_HARMLESS_LINK = re.compile(r"""rel=["']?(?:canonical|alternate)""", re.I)


def fill_markers(markdown: str, where: str = "page") -> str:
    """`markdown` with each generated-marker line replaced by its generator's output."""

    def replace(match: re.Match[str]) -> str:
        try:
            return generate(match["name"])
        except (KeyError, ValueError) as exc:
            raise PluginError(f"{where}: {exc}") from exc

    return MARKER.sub(replace, markdown)


def external_assets(site_dir: Path) -> list[str]:
    """`file: snippet` for every reference to an external asset in the built site."""
    found = []
    for path in sorted(site_dir.rglob("*")):
        # Material's JS bundle names a CDN for Mermaid diagrams, fetched only when a page has
        # one (ours have none); what a page really loads is in its HTML and the CSS.
        if path.suffix not in (".html", ".css") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in EXTERNAL_ASSET.finditer(text):
            if _HARMLESS_LINK.search(match.group(0)):
                continue
            found.append(f"{path.relative_to(site_dir)}: {match.group(0)[:80]}")
    return found


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    return fill_markers(markdown, page.file.src_uri)


def on_post_build(config: Any, **kwargs: Any) -> None:
    found = external_assets(Path(config["site_dir"]))
    if found:
        raise PluginError("the site loads external assets:\n" + "\n".join(found[:20]))
