"""Integration options (api.md "Integration options"): validation of what an admin sends, and
`effective_options`, the one place that turns stored values plus the template's defaults
into the typed `Options` every other part reads (enqueue, delivery, UI, console). Pure.

Rules (L2, T2, T3, N1, C7–C9): an option the template does not expose (`enabled="false"`)
keeps the template's default whatever is stored; a text left empty falls back to the
template's default, then to the requirements' default text; "play recording" is on when the
template does not expose it; tickets are opened for `always`, `missed` or `inbound` calls.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import phonenumbers
from pydantic import ValidationError

from ringdesk.errors import InputError
from ringdesk.phones import DEFAULT_REGION
from ringdesk.phones import FORMS as PHONE_FORMS
from ringdesk.templates.model import OptionFlag, OptionText, Pagination, Template

__all__ = [
    "DEFAULT_CALL_LOG_DESCRIPTION",
    "DEFAULT_TICKET_DESCRIPTION",
    "DEFAULT_TICKET_SUBJECT",
    "TICKET_WHEN",
    "CallLogOptions",
    "CreateContactOptions",
    "Options",
    "TicketOptions",
    "effective_options",
    "merge_options",
    "validate_options",
]

DEFAULT_CALL_LOG_DESCRIPTION = (
    "Call: {{.Time}} {{.Call_Log_Status}} from {{.Call_From}} to {{.Call_To}} {{.Talk_Duration}}"
)
DEFAULT_TICKET_SUBJECT = (
    "{{.Communication_Type}} {{.Call_Status}} - from {{.Call_From}} to {{.Call_To}}"
)
DEFAULT_TICKET_DESCRIPTION = (
    "{{.Time}} {{.Communication_Type}} {{.Call_Status}} - from {{.Call_From}} to {{.Call_To}}"
    " {{.Talk_Duration}}"
)
TicketWhen = Literal["always", "missed", "inbound"]
TICKET_WHEN: tuple[TicketWhen, ...] = ("always", "missed", "inbound")

_SECTIONS: dict[str, dict[str, type]] = {
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
_TOP: dict[str, type] = {
    "timezone": str,
    "default_region": str,
    "sync_contact_types": list,
    # C7: which number forms the contact search tries, in order (overrides the template)
    "phone_forms": list,
    # C8: how contact sync pages through a contact type (overrides the template)
    "contact_sync_pagination": dict,
    # C9: where an unknown caller's pop links to, instead of ringdesk's own agent pages
    "popup_create_contact_url": str,
    "popup_new_ticket_url": str,
}


@dataclass(frozen=True)
class CallLogOptions:
    """L2: whether call logs are sent, and the texts and flags they are built with."""

    enabled: bool = False
    subject: str = ""
    description: str = DEFAULT_CALL_LOG_DESCRIPTION
    play_recording: bool = True
    skip_missed_for_unanswered_agents: bool = False


@dataclass(frozen=True)
class TicketOptions:
    """T2, T3: whether and when tickets are opened, and their texts."""

    enabled: bool = False
    when: TicketWhen = "always"
    subject: str = DEFAULT_TICKET_SUBJECT
    description: str = DEFAULT_TICKET_DESCRIPTION


@dataclass(frozen=True)
class CreateContactOptions:
    """N1: whether unknown callers become contacts, and of which contact type."""

    enabled: bool = False
    contact_type: str = ""


@dataclass(frozen=True)
class Options:
    """An integration's effective options."""

    timezone: str = "UTC"
    default_region: str = ""
    sync_contact_types: tuple[str, ...] = ()
    phone_forms: tuple[str, ...] | None = None  # None: the template's forms
    contact_sync_pagination: Pagination | None = None  # None: the template's paging
    popup_create_contact_url: str = ""
    popup_new_ticket_url: str = ""
    create_contact: CreateContactOptions = field(default_factory=CreateContactOptions)
    call_log: CallLogOptions = field(default_factory=CallLogOptions)
    ticket: TicketOptions = field(default_factory=TicketOptions)

    @property
    def region(self) -> str:
        """The region numbers without a country code are read in (C7); US when unset."""
        region = self.default_region
        return region.upper() if len(region) == 2 else DEFAULT_REGION

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, as the API shows it."""
        data = asdict(self)
        data["sync_contact_types"] = list(self.sync_contact_types)
        data["phone_forms"] = list(self.phone_forms) if self.phone_forms is not None else None
        paging = self.contact_sync_pagination
        data["contact_sync_pagination"] = paging.model_dump() if paging is not None else None
        return data


def _section(stored: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = stored.get(name)
    return value if isinstance(value, Mapping) else {}


def _text(option: OptionText, chosen: Mapping[str, Any], key: str, fallback: str) -> str:
    value = chosen.get(key)
    if option.enabled and isinstance(value, str) and value:
        return value
    return option.default or fallback


def _flag(option: OptionFlag, chosen: Mapping[str, Any], key: str) -> bool:
    value = chosen.get(key)
    if option.enabled and isinstance(value, bool):
        return value
    return option.default


def _call_log(template: Template, stored: Mapping[str, Any]) -> CallLogOptions:
    spec = template.call_log
    if spec is None:
        return CallLogOptions()
    chosen = _section(stored, "call_log")
    o = spec.options
    return CallLogOptions(
        enabled=spec.enabled and chosen.get("enabled", True) is not False,
        subject=_text(o.subject, chosen, "subject", ""),
        description=_text(o.description, chosen, "description", DEFAULT_CALL_LOG_DESCRIPTION),
        # Not exposed by the template: RecordPath is always filled.
        play_recording=_flag(o.play_recording, chosen, "play_recording")
        if o.play_recording.enabled
        else True,
        skip_missed_for_unanswered_agents=_flag(
            o.skip_missed_for_unanswered_agents, chosen, "skip_missed_for_unanswered_agents"
        ),
    )


def _ticket(template: Template, stored: Mapping[str, Any]) -> TicketOptions:
    chosen = _section(stored, "ticket")
    # T3: when tickets are opened is the integration's choice, whatever the template says.
    when: TicketWhen = next((w for w in TICKET_WHEN if w == chosen.get("when")), "always")
    spec = template.ticket
    if spec is None:
        return TicketOptions(when=when)
    o = spec.options
    return TicketOptions(
        enabled=spec.enabled and chosen.get("enabled", True) is not False,
        when=when,
        subject=_text(o.subject, chosen, "subject", DEFAULT_TICKET_SUBJECT),
        description=_text(o.description, chosen, "description", DEFAULT_TICKET_DESCRIPTION),
    )


def _create_contact(template: Template, stored: Mapping[str, Any]) -> CreateContactOptions:
    spec = template.create_contact
    names = [t.name for t in spec.contact_types] if spec is not None else []
    chosen = _section(stored, "create_contact")
    enabled = chosen.get("enabled")
    contact_type = chosen.get("contact_type")
    return CreateContactOptions(
        enabled=bool(names)
        and (enabled if isinstance(enabled, bool) else bool(spec and spec.enabled)),
        contact_type=contact_type if contact_type in names else (names[0] if names else ""),
    )


def _forms(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list | tuple):
        known = tuple(f for f in value if isinstance(f, str) and f in PHONE_FORMS)
        return known or None
    return None


def _pagination(value: Any) -> Pagination | None:
    if isinstance(value, Mapping):
        try:
            return Pagination.model_validate(dict(value))
        except ValidationError:
            return None
    return None


def effective_options(template: Template, stored: Mapping[str, Any]) -> Options:
    """The options an integration of `template` works with, given what is stored."""
    timezone = stored.get("timezone")
    region = stored.get("default_region")
    types = stored.get("sync_contact_types")
    return Options(
        timezone=timezone if isinstance(timezone, str) and timezone else "UTC",
        default_region=region.upper() if isinstance(region, str) else "",
        sync_contact_types=tuple(t for t in types if isinstance(t, str))
        if isinstance(types, list)
        else (),
        phone_forms=_forms(stored.get("phone_forms")),
        contact_sync_pagination=_pagination(stored.get("contact_sync_pagination")),
        popup_create_contact_url=str(stored.get("popup_create_contact_url") or ""),
        popup_new_ticket_url=str(stored.get("popup_new_ticket_url") or ""),
        create_contact=_create_contact(template, stored),
        call_log=_call_log(template, stored),
        ticket=_ticket(template, stored),
    )


def merge_options(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """`update` over `base`, one level deep for the section objects."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _check_text(field_name: str, text: str, problems: list[tuple[str, str]]) -> None:
    if "{{" not in text:
        return
    from ringdesk.expressions import ExpressionError, gotemplate

    try:
        gotemplate.compile(text)
    except ExpressionError as exc:
        problems.append((field_name, str(exc)))


def _check_types(options: Mapping[str, Any], problems: list[tuple[str, str]]) -> None:
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


def _check_values(
    template: Template, options: Mapping[str, Any], problems: list[tuple[str, str]]
) -> None:
    tz = options.get("timezone")
    if tz is not None:
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(("timezone", f"unknown time zone {tz!r}"))
    region = options.get("default_region")
    if region and region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        problems.append(("default_region", f"unknown region {region!r}"))
    for form in options.get("phone_forms", []):
        if form not in PHONE_FORMS:
            problems.append(("phone_forms", f"unknown number form {form!r}; known: {PHONE_FORMS}"))
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
    known_types = {t.name for t in template.contact_search.contact_types}
    for name in options.get("sync_contact_types", []):
        if name not in known_types:
            problems.append(
                ("sync_contact_types", f"{name!r} is not a contact type of this template")
            )
    create = options.get("create_contact") or {}
    if "contact_type" in create:
        spec = template.create_contact
        names = {t.name for t in spec.contact_types} if spec is not None else set()
        if create["contact_type"] not in names:
            problems.append(
                ("create_contact.contact_type", f"{create['contact_type']!r} cannot be created")
            )
    ticket = options.get("ticket") or {}
    if "when" in ticket and ticket["when"] not in TICKET_WHEN:
        problems.append(("ticket.when", f"must be one of {', '.join(TICKET_WHEN)}"))


def validate_options(template: Template, options: Mapping[str, Any]) -> dict[str, Any]:
    """Check options sent by an admin; return them (only the keys given, the region
    upper-cased) or raise `InputError` listing every problem under `options.<field>`."""
    problems: list[tuple[str, str]] = []
    _check_types(options, problems)
    if not problems:
        _check_values(template, options, problems)
    if problems:
        raise InputError([(f"options.{f}", m) for f, m in problems])
    result = dict(options)
    if options.get("default_region"):
        result["default_region"] = str(options["default_region"]).upper()
    return result
