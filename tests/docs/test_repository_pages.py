"""The README and the docs stand on their own: they point at the docs in the repository and
never at the team's internal folders, which users do not have."""

from __future__ import annotations

import re

import pytest

from tests.docs.pages import DOCS, ROOT, pages

README = ROOT / "README.md"
# A path into the team's shared folder or the build machine, in any spelling.
OUTSIDE = re.compile(r"(?<![\w.-])(?:\.\./)*shared/(?:spec|notes)|/work/|style\.md|realpeers")


@pytest.mark.parametrize("path", [README, *pages()], ids=lambda p: str(p.relative_to(ROOT)))
def test_never_points_outside_the_repository(path):
    found = OUTSIDE.findall(path.read_text(encoding="utf-8"))
    assert found == []


def test_the_readme_says_where_the_docs_are():
    text = README.read_text(encoding="utf-8")
    assert "make run" in text
    assert "make test" in text
    assert "make docs" in text
    assert "docs/" in text


def test_the_readme_links_resolve_inside_the_repository():
    text = README.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if re.match(r"[a-z]+://", target):
            continue
        assert not target.startswith(("../", "/")), target
        assert (ROOT / target).exists(), target


def test_the_hooks_folder_is_not_published():
    """docs/hooks holds build code; mkdocs.yml excludes it from the site."""
    assert (DOCS / "hooks" / "ringdesk_hook.py").exists()
    assert "hooks/" in (ROOT / "mkdocs.yml").read_text()


IMAGES = DOCS / "images"


def test_every_image_is_a_small_png_that_a_page_shows():
    """Screenshots (scripts/screenshots.py) stay small, and none is left unused."""
    shown = "\n".join(page.read_text(encoding="utf-8") for page in pages())
    images = sorted(IMAGES.glob("*"))
    assert images
    for image in images:
        assert image.suffix == ".png", image.name
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", image.name
        assert image.stat().st_size < 100_000, image.name
        assert f"images/{image.name})" in shown, image.name
