"""Contact search and screen-pop URLs (C1–C7): query plan, field mapping, popup building.

Pure core: `search_request` renders a contact type's request for one phone form,
`map_contacts` turns a response body into `Contact`s by the template's GJSON mapping (C4:
paths may hold `{{.Phone}}`; comma-separated paths → first non-empty wins; `data.#.id`
paths give one value per contact), `popup_url` builds the screen-pop link (C3, C6).
I/O shell: `search_contacts` runs the plan through the executor, trying the number's forms
in order until one finds something (C7).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ringdesk.errors import HelpdeskError
from ringdesk.expressions import ExpressionError, gjson, gotemplate
from ringdesk.flows.extras import run_extra_requests
from ringdesk.flows.paginate import MAX_REQUESTS, Paginator
from ringdesk.flows.phonematch import matching
from ringdesk.http.client import Exchange
from ringdesk.http.request import HelpdeskRequest, render_request, render_url
from ringdesk.integrations.context import IntegrationContext
from ringdesk.phones import DEFAULT_FORMS, candidates
from ringdesk.services import Services
from ringdesk.templates.model import NUMBER_FIELDS, ContactType, Pagination, Template
from ringdesk.templates.paths import split_paths

__all__ = [
    "Contact",
    "count_matches",
    "field_values",
    "list_contacts",
    "map_contacts",
    "phone_forms",
    "popup_url",
    "render_path",
    "search_contacts",
    "search_request",
]

log = logging.getLogger(__name__)

_CUSTOM = "CustomValue"


@dataclass(frozen=True)
class Contact:
    """A contact found in a helpdesk. `fields` are the mapped contact fields (never the
    custom value, C6); `popup_url` is the screen-pop link ("" when none)."""

    contact_type: str
    id: str
    fields: dict[str, str] = field(default_factory=dict)
    popup_url: str = ""

    @property
    def display_name(self) -> str:
        name = " ".join(p for p in (self.fields.get("FirstName"), self.fields.get("LastName")) if p)
        return name or self.fields.get("Company", "") or self.id

    @property
    def phones(self) -> list[str]:
        """The contact's mapped numbers (faxes too), in field order."""
        return [self.fields[f] for f in NUMBER_FIELDS if self.fields.get(f)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "contact_type": self.contact_type,
            "id": self.id,
            "display_name": self.display_name,
            "fields": dict(self.fields),
            "popup_url": self.popup_url,
        }


def search_request(
    ctx: IntegrationContext,
    contact_type: ContactType,
    phone: str,
    variables: Mapping[str, str] | None = None,
) -> HelpdeskRequest:
    """The contact type's request for one form of the number (C2): `{{.Phone}}` plus the
    integration's variables (and the outputs of the type's extra requests), with its
    custom headers (H2)."""
    return render_request(
        contact_type.request,
        {**ctx.variables, **(variables or {}), "Phone": phone},
        tz=ctx.tz,
        headers=ctx.scenario_headers,
    )


def phone_forms(
    ctx: IntegrationContext, phone: str, contact_type: ContactType | None = None
) -> list[str]:
    """The forms of `phone` a search tries, in order (C7): the integration's choice, else
    the contact type's `phoneForms`, else the default forms."""
    chosen = ctx.options.phone_forms
    if not chosen and contact_type is not None:
        chosen = tuple(contact_type.phone_form_list) or None
    return candidates(phone, ctx.options.region, chosen or DEFAULT_FORMS)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


_SIMPLE_KEYS = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$")
_SPECIAL = set("#()|@*?!\\[]{}=<>%")


def _walk(value: Any, keys: Sequence[str]) -> Any:
    for key in keys:
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return None
    return value


_INVALID: Any = object()


@functools.lru_cache(maxsize=2)  # map_contacts reads one body at a time, synchronously
def _document(body: str | bytes) -> Any:
    """The parsed response, once per body: a mapping reads many paths of the same body."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # too deep for json: GJSON's budget reports it
        return _INVALID


@functools.lru_cache(maxsize=1024)  # a template's few paths, for every response it maps
def _aligned_plan(path: str) -> tuple[str, tuple[str, ...] | None, str, tuple[str, ...] | None]:
    """How `_aligned` reads `path`: ("", ...) when it cannot, else the prefix, its keys when
    plain (else None: GJSON), the suffix and its keys when plain (else None: GJSON)."""
    prefix, sep, suffix = path.partition(".#.")
    if not sep or _SPECIAL.intersection(prefix) or "#" in suffix:
        return "", None, "", None
    prefix_keys = tuple(prefix.split(".")) if _SIMPLE_KEYS.match(prefix) else None
    suffix_keys = tuple(suffix.split(".")) if _SIMPLE_KEYS.match(suffix) else None
    return prefix, prefix_keys, suffix, suffix_keys


def _aligned(body: str | bytes, path: str) -> list[str] | None:
    """`prefix.#.suffix` evaluated element by element, so an element lacking the field gives
    "" in its place (GJSON's `#.` result skips it, which would shift later contacts)."""
    prefix, prefix_keys, suffix, suffix_keys = _aligned_plan(path)
    if not prefix:
        return None
    document = _document(body) if prefix_keys is not None else _INVALID
    if document is not _INVALID:
        elements = _walk(document, prefix_keys or ())
    else:
        array = gjson.get(body, prefix)
        elements = array.value if array.exists else None
    if not isinstance(elements, list):
        return None
    if suffix_keys is not None:
        return [_text(_walk(element, suffix_keys)) for element in elements]
    values: list[str] = []
    for element in elements:
        found = gjson.get(json.dumps(element), suffix)
        values.append(_text(found.value) if found.exists else "")
    return values


def _path_values(body: str | bytes, path: str) -> list[str] | str | None:
    """One path's result: a list (one per contact) for `#` paths, a scalar text, or None."""
    try:
        aligned = _aligned(body, path)
        if aligned is not None:
            return aligned
        result = gjson.get(body, path)
        if not result.exists:
            return None
        value = result.value  # decoded lazily: deep data exceeds its budget only here
    except ExpressionError as exc:
        log.warning("contact mapping path %s: %s", path, exc)
        return None
    if isinstance(value, list) and "#" in path:
        return [_text(v) for v in value]
    return result.text if isinstance(value, str) else _text(value)


@functools.lru_cache(maxsize=1024)  # the same mapping paths for every response
def _split(path_text: str) -> tuple[str, ...]:
    return tuple(split_paths(path_text))


def render_path(path_text: str, phone: str) -> str:
    """Render `{{.Phone}}` (and any other action) into a GJSON path (C4).

    The renderer escapes each value for where it lands: GJSON-escaped outside quotes, so it
    stays one path component, JSON-escaped inside a quoted query value
    (`#(phone=="{{.Phone}}")`), with or without control actions around it.
    """
    if "{{" not in path_text:
        return path_text
    return gotemplate.render(path_text, {"Phone": phone}, escape="gjson")


def field_values(body: str | bytes, path_text: str, phone: str, count: int) -> list[str]:
    """Values of one mapped field for `count` contacts (C4).

    `path_text` may hold several comma-separated paths and `{{.Phone}}` (rendered with GJSON
    escaping). For each contact the first path with a non-empty value wins; a path giving a
    scalar applies to every contact.
    """
    if not path_text:
        return [""] * count
    rendered = render_path(path_text, phone)
    results = [_path_values(body, p) for p in _split(rendered)]
    values: list[str] = []
    for index in range(count):
        chosen = ""
        for result in results:
            if isinstance(result, list):
                candidate = result[index] if index < len(result) else ""
            else:
                candidate = result or ""
            if candidate:
                chosen = candidate
                break
        values.append(chosen)
    return values


def count_matches(body: str | bytes, path_text: str, phone: str) -> int:
    """How many contacts the response holds: the longest result of the ContactId paths."""
    if not path_text:
        return 0
    rendered = render_path(path_text, phone)
    best = 0
    for path in _split(rendered):
        result = _path_values(body, path)
        if isinstance(result, list):
            best = max(best, len(result))
        elif result:
            best = max(best, 1)
    return best


def popup_url(
    contact_type: ContactType,
    fields: Mapping[str, str],
    *,
    variables: Mapping[str, str],
    phone: str,
    custom_value: str = "",
    field_value: str = "",
) -> str:
    """C3: mode "url" renders the popup template with the connect variables, `Phone`, the
    contact fields and `CustomValue` (C6, only here), URL-escaped; mode "field" uses the value
    mapped from the popup's GJSON path (`field_value`)."""
    popup = contact_type.popup
    if popup.mode == "field":
        return field_value
    if not popup.value:
        return ""
    data = {**variables, **fields, "Phone": phone, _CUSTOM: custom_value}
    return render_url(popup.value, data).strip()


def map_contacts(
    contact_type: ContactType,
    body: str | bytes,
    *,
    variables: Mapping[str, str],
    phone: str,
) -> list[Contact]:
    """Turn a search response into contacts by the type's mapping (C4–C6). Contacts without
    an ID are dropped."""
    mapping = {f.name: f.path for f in contact_type.mapping.fields}
    if not body or "ContactId" not in mapping:
        return []
    count = count_matches(body, mapping["ContactId"], phone)
    if count == 0:
        return []
    columns = {name: field_values(body, path, phone, count) for name, path in mapping.items()}
    popup_fields = (
        field_values(body, contact_type.popup.value, phone, count)
        if contact_type.popup.mode == "field"
        else [""] * count
    )
    contacts: list[Contact] = []
    for index in range(count):
        fields = {
            name: values[index]
            for name, values in columns.items()
            if name != _CUSTOM and values[index]
        }
        contact_id = fields.get("ContactId", "")
        if not contact_id.strip():
            continue  # a blank id names no contact: nothing to pop, link or log against
        custom = columns.get(_CUSTOM, [""] * count)[index]
        url = popup_url(
            contact_type,
            fields,
            variables=variables,
            phone=phone,
            custom_value=custom,
            field_value=popup_fields[index],
        )
        contacts.append(
            Contact(contact_type=contact_type.name, id=contact_id, fields=fields, popup_url=url)
        )
    return contacts


def _selected_types(template: Template, names: Sequence[str] | None) -> list[ContactType]:
    types = list(template.contact_search.contact_types)
    if names:
        types = [t for t in types if t.name in names]
    return types


async def search_contacts(
    services: Services,
    ctx: IntegrationContext,
    phone: str,
    *,
    contact_types: Sequence[str] | None = None,
    capture: list[Exchange] | None = None,
) -> list[Contact]:
    """Live search (C1–C7) of every contact type of `ctx.template` for `phone`.

    A type with `match="query"` asks the helpdesk, trying the number's forms in order until
    one finds contacts; one with `match="phone"` lists its contacts (paged, within the
    100-request cap) and keeps those whose mapped numbers equal the caller's after
    normalisation. A type whose requests fail is skipped; if every type failed and nothing
    was found the first `HelpdeskError` is raised.
    """
    found: list[Contact] = []
    errors: list[HelpdeskError] = []
    for contact_type in _selected_types(ctx.template, contact_types):
        if not contact_type.request.url:
            continue
        try:
            extra = await run_extra_requests(
                services,
                ctx,
                contact_type.extra_requests,
                {**ctx.variables, "Phone": phone},
                scenario="contact_search",
                capture=capture,
            )
            if contact_type.match == "phone":
                found.extend(await _match_type(services, ctx, contact_type, phone, extra, capture))
            else:
                forms = phone_forms(ctx, phone, contact_type)
                found.extend(await _search_type(services, ctx, contact_type, forms, extra, capture))
        except HelpdeskError as exc:
            log.warning("contact search %s failed: %s", contact_type.name, exc)
            errors.append(exc)
    if not found and errors:
        raise errors[0]
    return found


async def _search_type(
    services: Services,
    ctx: IntegrationContext,
    contact_type: ContactType,
    forms: Sequence[str],
    extra: Mapping[str, str],
    capture: list[Exchange] | None,
) -> list[Contact]:
    for form in forms:
        request = search_request(ctx, contact_type, form, extra)
        try:
            response = await services.send(ctx, request, scenario="contact_search", capture=capture)
        except HelpdeskError as exc:
            if exc.status == 404:  # many helpdesks answer "no such contact" with 404
                continue
            raise
        contacts = map_contacts(
            contact_type, response.content, variables={**ctx.variables, **extra}, phone=form
        )
        if contacts:
            return contacts
    return []


async def list_contacts(
    services: Services,
    ctx: IntegrationContext,
    contact_type: ContactType,
    pagination: Pagination,
    *,
    variables: Mapping[str, str] | None = None,
    max_requests: int = MAX_REQUESTS,
    scenario: str = "contact_sync",
    capture: list[Exchange] | None = None,
) -> tuple[list[Contact], int, bool]:
    """Every contact of `contact_type` (`{{.Phone}}` empty), paged by `pagination` within
    `max_requests`: (contacts by id in order, requests made, whether the cap stopped it)."""
    first = search_request(ctx, contact_type, "", variables)
    pager = Paginator(pagination, first.url, max_requests=max_requests)
    next_url: str | None = pager.first()
    contacts: dict[str, Contact] = {}
    while next_url is not None:
        response = await services.send(
            ctx, replace(first, url=next_url), scenario=scenario, capture=capture
        )
        page = map_contacts(
            contact_type,
            response.content,
            variables={**ctx.variables, **(variables or {})},
            phone="",
        )
        for contact in page:
            contacts.setdefault(contact.id, contact)
        next_url = pager.advance(
            count=len(page), body=response.content, headers=dict(response.headers)
        )
    return list(contacts.values()), pager.requests, pager.capped


async def _match_type(
    services: Services,
    ctx: IntegrationContext,
    contact_type: ContactType,
    phone: str,
    extra: Mapping[str, str],
    capture: list[Exchange] | None,
) -> list[Contact]:
    listed, _, capped = await list_contacts(
        services,
        ctx,
        contact_type,
        contact_type.pagination,
        variables=extra,
        scenario="contact_search",
        capture=capture,
    )
    if capped:
        log.warning(
            "contact search %s listed %d contacts and stopped at the request cap; callers "
            "beyond them are not found (sync the phonebook instead)",
            contact_type.name,
            len(listed),
        )
    return matching(listed, phone, region=ctx.options.region)
