"""Templates: the `templates` table (built-in and custom rows, G5/G6) and their parsed
models."""

from __future__ import annotations

import logging
from collections import OrderedDict

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ringdesk.errors import TemplateError
from ringdesk.store.db import Database
from ringdesk.store.tables import Integration, TemplateRow
from ringdesk.templates.codec import dump_xml, load_xml
from ringdesk.templates.library import builtin_xml, slugify
from ringdesk.templates.model import Logo, Template

__all__ = [
    "count_custom",
    "count_custom_locked",
    "create_custom",
    "delete_template",
    "get_row",
    "get_template",
    "integrations_using",
    "list_rows",
    "replace_template",
    "seed_builtin",
    "seed_builtin_safely",
    "set_logo",
]

log = logging.getLogger(__name__)


def list_rows(session: Session) -> list[TemplateRow]:
    """Built-ins first, then custom templates, each by name."""
    query = select(TemplateRow).order_by(
        TemplateRow.builtin.desc(), TemplateRow.name, TemplateRow.id
    )
    return list(session.scalars(query))


def get_row(session: Session, template_id: str) -> TemplateRow | None:
    return session.get(TemplateRow, template_id)


# Parsed templates by id, reused while their row is unchanged: parsing one costs
# milliseconds, and every context rebuild needs its template. Bounded: at most 10 custom
# templates plus the built-ins exist, so 64 entries never evict a live one.
_PARSED: OrderedDict[str, tuple[float, str, Template]] = OrderedDict()
_PARSED_MAX = 64
# What tells a cached model is current, read without loading the ORM row (every batch of
# call events asks for its integrations' templates).
_STAMP = select(TemplateRow.updated_at, TemplateRow.xml).where(TemplateRow.id == bindparam("id"))


def get_template(session: Session, template_id: str) -> Template:
    """The model of template `template_id` (cached until its row changes); raises
    `LookupError` if there is none."""
    cached = _PARSED.get(template_id)
    if cached is not None:
        stamp = session.execute(_STAMP, {"id": template_id}).first()
        if stamp is not None and stamp[0] == cached[0] and stamp[1] == cached[1]:
            _PARSED.move_to_end(template_id)
            return cached[2]
    row = get_row(session, template_id)
    if row is None and template_id in builtin_xml():
        seed_builtin(session)  # a built-in is always there, even before the first startup seed
        row = get_row(session, template_id)
    if row is None:
        raise LookupError(f"template {template_id!r} not found")
    cached = _PARSED.get(template_id)
    if cached is not None and cached[0] == row.updated_at and cached[1] == row.xml:
        _PARSED.move_to_end(template_id)
        return cached[2]
    template = load_xml(row.xml)
    _PARSED[template_id] = (row.updated_at, row.xml, template)
    _PARSED.move_to_end(template_id)
    while len(_PARSED) > _PARSED_MAX:
        _PARSED.popitem(last=False)
    return template


def count_custom(session: Session, *, exclude: str | None = None) -> int:
    query = select(func.count()).select_from(TemplateRow).where(TemplateRow.builtin.is_(False))
    if exclude is not None:
        query = query.where(TemplateRow.id != exclude)
    return int(session.scalar(query) or 0)


# Any fixed number: the PostgreSQL advisory lock that serialises custom-template imports.
_CUSTOM_LOCK = 0x7269_6E67  # "ring"


def count_custom_locked(session: Session) -> int:
    """`count_custom` under a lock held to the end of the transaction, so two concurrent
    imports cannot both see 9 and store an 11th template (G5)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CUSTOM_LOCK})
    else:
        # A no-op write takes SQLite's single write lock now, before the count is read.
        session.execute(text("UPDATE templates SET name = name WHERE 1 = 0"))
    return count_custom(session)


def _fill(row: TemplateRow, template: Template) -> None:
    row.name = template.general.name[:200]
    row.xml = dump_xml(template)
    logo = template.general.logo
    row.logo = logo.data if logo else None
    row.logo_content_type = logo.content_type if logo else None


def _free_id(session: Session, name: str) -> str:
    base = slugify(name)
    reserved = set(builtin_xml())
    candidate, n = base, 1
    while candidate in reserved or session.get(TemplateRow, candidate) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def create_custom(session: Session, template: Template) -> TemplateRow:
    """Store a new custom template (already validated); its id is a slug of its name."""
    row = TemplateRow(id=_free_id(session, template.general.name), builtin=False)
    _fill(row, template)
    session.add(row)
    session.flush()
    return row


def replace_template(session: Session, row: TemplateRow, template: Template) -> TemplateRow:
    _fill(row, template)
    session.flush()
    return row


def set_logo(session: Session, row: TemplateRow, logo: Logo) -> TemplateRow:
    """Put `logo` into the template (its XML carries it too, so export keeps it, G6)."""
    template = load_xml(row.xml)
    general = template.general.model_copy(update={"logo": logo})
    return replace_template(session, row, template.model_copy(update={"general": general}))


def integrations_using(session: Session, template_id: str) -> int:
    query = (
        select(func.count()).select_from(Integration).where(Integration.template_id == template_id)
    )
    return int(session.scalar(query) or 0)


def delete_template(session: Session, row: TemplateRow) -> None:
    session.delete(row)
    session.flush()


def seed_builtin(session: Session) -> list[str]:
    """Insert or refresh every shipped template (`builtin=True`); returns the ids written.

    Idempotent: a row whose XML already matches is left alone. A shipped file that does not
    load is logged and skipped rather than stopping the service.
    """
    written = []
    for template_id, source in builtin_xml().items():
        try:
            template = load_xml(source)
        except TemplateError as exc:
            log.error("built-in template %s does not load: %s", template_id, exc)
            continue
        row = session.get(TemplateRow, template_id)
        if row is not None and row.builtin and row.xml == dump_xml(template):
            continue
        if row is not None and not row.builtin:
            log.error("custom template %s hides the built-in of the same id", template_id)
            continue
        if row is None:
            row = TemplateRow(id=template_id, builtin=True)
            session.add(row)
        _fill(row, template)
        written.append(template_id)
    session.flush()
    return written


def seed_builtin_safely(database: Database) -> None:
    """Seed at app start; on a database without the schema yet, leave it for later."""
    try:
        with database.session() as session:
            seed_builtin(session)
    except SQLAlchemyError as exc:  # e.g. not migrated yet, or a concurrent seeder won
        log.warning("built-in templates not seeded now: %s", exc.__class__.__name__)
