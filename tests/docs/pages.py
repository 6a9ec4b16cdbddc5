"""Reading the documentation's Markdown in tests: its pages and their fenced code blocks."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DOCS", "HOOKS", "ROOT", "CodeBlock", "code_blocks", "import_docgen", "pages"]

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
HOOKS = DOCS / "hooks"

# An opening fence: indentation, three or more backticks, the language and the header's rest.
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,})(?P<lang>[\w+-]*)(?P<info>[^\n`]*)$")


@dataclass(frozen=True)
class CodeBlock:
    """One fenced block: where it is, its language, its header (`title="x.py"`) and text."""

    page: Path
    line: int
    lang: str
    info: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def title(self) -> str:
        match = re.search(r'title="([^"]*)"', self.info)
        return match.group(1) if match else ""


def pages() -> list[Path]:
    """Every Markdown page of the site (the hooks folder holds none)."""
    return sorted(DOCS.rglob("*.md"))


def code_blocks(page: Path) -> list[CodeBlock]:
    """The fenced code blocks of `page`, with their indentation (admonitions, tabs) removed."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[CodeBlock] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence = match["indent"], match["fence"]
        body: list[str] = []
        j = i + 1
        while j < len(lines) and lines[j].strip() != fence:
            body.append(lines[j][len(indent) :] if lines[j].startswith(indent) else lines[j])
            j += 1
        text = "\n".join(body) + "\n"
        blocks.append(CodeBlock(page, i + 1, match["lang"], match["info"].strip(), text))
        i = j + 1
    return blocks


def import_docgen() -> None:
    """Make the build hooks' package (`docs/hooks/ringdesk_docgen`) importable."""
    if str(HOOKS) not in sys.path:
        sys.path.insert(0, str(HOOKS))
