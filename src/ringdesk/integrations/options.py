"""Integration options (api.md "Integration options"): validation of what the admin sends,
and the effective options = stored values over the template's defaults (pure).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from typing import Any

import phonenumbers

from ringdesk.templates.model import Template

__all__ = ["TICKET_WHEN", "OptionsError", "effective_options", "merge_options", "validate_options"]

TICKET_WHEN = ("always", "missed", "inbound")
_SECTIONS = {
    "create_contact": {"enabled": bool, "contact_type": str},
    "call_log": {
        "enabled": bool,
        "subject": str,
        "description": str,
        "play_recording": bool,
        "skip_missed_for_unanswered_agents": bool,
    },
    "ticket": {"enabled": bool, "when": str, "subject": str, "description": str},
}
_TOP = {
    "timezone": str,
    "default_region": str,
    "sync_contact_types": list,
    # C7: which number forms the contact search tries, in order (flows.numbers.FORMS)
    "phone_forms": list,
    # C8: how contact sync pages through a contact type (the <Pagination> attributes)
    "contact_sync_pagination": dict,
    # C9: where an unknown caller's pop links to, instead of ringdesk's own agent pages
    "popup_create_contact_url": str,
    "popup_new_ticket_url": str,
}


class OptionsError(ValueError):
    """Options are invalid; `problems` lists `(field, message)` pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))


def defaults(template: Template) -> dict[str, Any]:
    """The options an integration of `template` has when it sets none."""
    create_types = [t.name for t in (template.create_contact or _NoCreate()).contact_types]
    call_log = template.call_log
    ticket = template.ticket
    return {
        "timezone": "UTC",
        "default_region": "",
        "sync_contact_types": [],
        "create_contact": {
            "enabled": bool(template.create_contact and template.create_contact.enabled),
            "contact_type": create_types[0] if create_types else "",
        },
        "call_log": {
            "enabled": bool(call_log and call_log.enabled),
            "subject": call_log.options.subject.default if call_log else "",
            "description": call_log.options.description.default if call_log else "",
            "play_recording": bool(call_log and call_log.options.play_recording.default),
            "skip_missed_for_unanswered_agents": bool(
                call_log and call_log.options.skip_missed_for_unanswered_agents.default
            ),
        },
        "ticket": {
            "enabled": bool(ticket and ticket.enabled),
            "when": "always",
            "subject": ticket.options.subject.default if ticket else "",
            "description": ticket.options.description.default if ticket else "",
        },
    }


class _NoCreate:
    contact_types: tuple[Any, ...] = ()


def merge_options(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """`update` over `base`, one level deep for the section objects."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def effective_options(template: Template, stored: Mapping[str, Any]) -> dict[str, Any]:
    """Stored options over the template's defaults."""
    return merge_options(defaults(template), stored)


def _check_text(field: str, text: str, problems: list[tuple[str, str]]) -> None:
    if "{{" not in text:
        return
    from ringdesk.expressions import ExpressionError, gotemplate

    try:
        gotemplate.compile(text)
    except ExpressionError as exc:
        problems.append((field, str(exc)))


def _check_lookup_options(options: Mapping[str, Any], problems: list[tuple[str, str]]) -> None:
    from pydantic import ValidationError

    from ringdesk.flows.numbers import FORMS
    from ringdesk.templates.model import Pagination

    for form in options.get("phone_forms", []):
        if form not in FORMS:
            problems.append(("phone_forms", f"unknown number form {form!r}; known: {FORMS}"))
    paging = options.get("contact_sync_pagination")
    if paging is not None:
        try:
            Pagination.model_validate(paging)
        except ValidationError as exc:
            problems.append(("contact_sync_pagination", exc.errors()[0]["msg"]))
    for key in ("popup_create_contact_url", "popup_new_ticket_url"):
        url = options.get(key)
        if url and not url.startswith(("https://", "http://")):
            problems.append((key, "must be an http(s) URL"))


def validate_options(template: Template, options: Mapping[str, Any]) -> dict[str, Any]:
    """Check options sent by an admin; return them (only the keys given) or raise
    `OptionsError` listing every problem."""
    problems: list[tuple[str, str]] = []
    for key, value in options.items():
        if key in _TOP:
            if not isinstance(value, _TOP[key]):
                problems.append((key, f"must be a {_TOP[key].__name__}"))
        elif key in _SECTIONS:
            if not isinstance(value, Mapping):
                problems.append((key, "must be an object"))
                continue
            for sub, sub_value in value.items():
                kind = _SECTIONS[key].get(sub)
                if kind is None:
                    problems.append((f"{key}.{sub}", "unknown option"))
                elif not isinstance(sub_value, kind):
                    problems.append((f"{key}.{sub}", f"must be a {kind.__name__}"))
                elif isinstance(sub_value, str) and sub in ("subject", "description"):
                    _check_text(f"{key}.{sub}", sub_value, problems)
        else:
            problems.append((key, "unknown option"))
    if problems:
        raise OptionsError(problems)
    tz = options.get("timezone")
    if tz is not None:
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(("timezone", f"unknown time zone {tz!r}"))
    region = options.get("default_region")
    if region and region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        problems.append(("default_region", f"unknown region {region!r}"))
    _check_lookup_options(options, problems)
    known_types = {t.name for t in template.contact_search.contact_types}
    for name in options.get("sync_contact_types", []):
        if name not in known_types:
            problems.append(
                ("sync_contact_types", f"{name!r} is not a contact type of this template")
            )
    create = options.get("create_contact") or {}
    if "contact_type" in create:
        create_types = {t.name for t in (template.create_contact or _NoCreate()).contact_types}
        if create["contact_type"] not in create_types:
            problems.append(
                ("create_contact.contact_type", f"{create['contact_type']!r} cannot be created")
            )
    ticket = options.get("ticket") or {}
    if "when" in ticket and ticket["when"] not in TICKET_WHEN:
        problems.append(("ticket.when", f"must be one of {', '.join(TICKET_WHEN)}"))
    if problems:
        raise OptionsError(problems)
    result = dict(options)
    if region:
        result["default_region"] = region.upper()
    return result
