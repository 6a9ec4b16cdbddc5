"""The MkDocs hook fills generated markers and refuses a site that loads external assets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.pages import import_docgen

pytest.importorskip("mkdocs", reason="the docs extra (make docs-check installs it)")
import_docgen()

import ringdesk_hook  # noqa: E402
from mkdocs.exceptions import PluginError  # noqa: E402


def test_a_marker_line_becomes_the_generated_table():
    page = "# Configuration\n\n<!-- generated: settings -->\n\nafter\n"
    filled = ringdesk_hook.fill_markers(page)
    assert "| `RINGDESK_DATABASE_URL` |" in filled
    assert "<!-- generated" not in filled
    assert filled.endswith("\nafter\n")


def test_an_unknown_marker_fails_the_build():
    with pytest.raises(PluginError, match="unknown generator 'nope'"):
        ringdesk_hook.fill_markers("<!-- generated: nope -->\n", "x.md")


@pytest.mark.parametrize(
    "html",
    [
        '<script src="https://cdn.jsdelivr.net/npm/x.js"></script>',
        "<script src=//unpkg.com/mermaid></script>",
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">',
        '<link rel="preconnect" href="https://fonts.gstatic.com">',
    ],
    ids=["cdn-script", "protocol-relative-script", "google-fonts", "preconnect"],
)
def test_external_assets_are_found(tmp_path: Path, html: str):
    (tmp_path / "index.html").write_text(f"<html><head>{html}</head></html>")
    assert ringdesk_hook.external_assets(tmp_path) != []


def test_local_assets_and_plain_links_are_fine(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "page.html").write_text(
        '<link rel="stylesheet" href="../assets/main.css">'
        '<link rel="canonical" href="https://example.com/page.html">'
        '<script src="../assets/bundle.js"></script>'
        '<a href="https://github.com/tidwall/gjson">gjson</a>'
    )
    (tmp_path / "main.css").write_text("body { font-family: sans-serif }")
    assert ringdesk_hook.external_assets(tmp_path) == []


def test_a_css_import_from_another_origin_is_found(tmp_path: Path):
    (tmp_path / "main.css").write_text('@import url("https://fonts.example.com/x.css");')
    assert ringdesk_hook.external_assets(tmp_path) != []
