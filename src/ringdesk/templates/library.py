"""Built-in templates shipped as package data (`builtin/*.xml`, id = file stem) and the
bridge from stored rows to models.

Pure apart from `seed_builtin`, which hands the rows to `ringdesk.store.templates_repo`.
"""

from __future__ import annotations

import re
import unicodedata
from importlib import resources
from typing import TYPE_CHECKING, Protocol

from ringdesk.templates.codec import load_xml
from ringdesk.templates.model import Template

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["builtin_ids", "builtin_xml", "load_row", "seed_builtin", "slugify"]


class _HasXml(Protocol):
    @property
    def xml(self) -> str: ...


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


def load_row(row: _HasXml) -> Template:
    """The model of a stored template row (its XML is the source of truth, G6)."""
    return load_xml(row.xml)


def slugify(name: str, *, max_length: int = 48) -> str:
    """`"Acme Desk (EU)"` → `"acme-desk-eu"`; never empty."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:max_length].strip("-")
    return slug or "template"


def seed_builtin(session: Session) -> list[str]:
    """Store the shipped templates in the `templates` table (idempotent); returns ids written."""
    from ringdesk.store.templates_repo import seed_builtin as store_seed

    return store_seed(session)
