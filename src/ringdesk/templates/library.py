"""Built-in templates shipped as package data (`builtin/*.xml`, id = file stem), and the
slug a custom template's id is made from (pure; `ringdesk.store.templates` stores them)."""

from __future__ import annotations

import re
import unicodedata
from importlib import resources

__all__ = ["builtin_ids", "builtin_xml", "slugify"]


def builtin_xml() -> dict[str, str]:
    """Every shipped template: id (file stem) → XML text, sorted by id."""
    folder = resources.files("ringdesk.templates") / "builtin"
    found = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".xml") and entry.is_file():
            found[entry.name.removesuffix(".xml")] = entry.read_text(encoding="utf-8")
    return dict(sorted(found.items()))


def builtin_ids() -> list[str]:
    return list(builtin_xml())


def slugify(name: str, *, max_length: int = 48) -> str:
    """`"Acme Desk (EU)"` → `"acme-desk-eu"`; never empty."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:max_length].strip("-")
    return slug or "template"
