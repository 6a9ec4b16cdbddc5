"""Template model → canonical XML text (the exact layout `dump_xml` promises to keep stable).

Layout: two-space indentation, sections and children in the order of template-format.md,
elements/attributes whose value equals the default (absent == default when reading) left out,
except the few every reader expects to see. Text holding `<`, `&`, `>` or `{{` goes in CDATA
(unless it contains `]]>` or a carriage return, then it is escaped); attributes are escaped.
Values kept raw in `Template.invalid_values` are written back verbatim.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from ringdesk.templates import model as m

__all__ = ["SECTION_WRITERS", "write_template"]

_ATTR_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\n": "&#10;",
        "\r": "&#13;",
        "\t": "&#9;",
    }
)
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def escape_attr(value: str) -> str:
    return value.translate(_ATTR_ESCAPES)


def escape_text(value: str) -> str:
    if (
        ("{{" in value or any(c in value for c in "<&>"))
        and "]]>" not in value
        and "\r" not in value
    ):
        return f"<![CDATA[{value}]]>"
    return value.translate(_TEXT_ESCAPES)


class Writer:
    """Accumulates lines; knows the raw invalid values so they round-trip."""

    def __init__(self, template: m.Template):
        self.lines: list[str] = []
        self.depth = 0
        self.invalid = template.invalid_values

    def _attrs(self, path: str, attrs: dict[str, Any]) -> str:
        out = []
        for name, value in attrs.items():
            raw = self.invalid.get(f"{path}@{name}")
            if raw is None:
                if value is None:
                    continue
                if isinstance(value, bool):
                    value = "true" if value else "false"
                raw = str(value)
            out.append(f' {name}="{escape_attr(raw)}"')
        return "".join(out)

    def leaf(self, tag: str, path: str, text: Any = "", /, **attrs: Any) -> None:
        """`<tag attrs>text</tag>`, or `<tag attrs/>` when there is no text."""
        raw = self.invalid.get(path)
        value = raw if raw is not None else ("" if text is None else str(text))
        pad = "  " * self.depth
        attr_text = self._attrs(path, attrs)
        if value == "":
            self.lines.append(f"{pad}<{tag}{attr_text}/>")
        else:
            self.lines.append(f"{pad}<{tag}{attr_text}>{escape_text(value)}</{tag}>")

    def optional_leaf(self, tag: str, path: str, text: Any, default: Any = "") -> None:
        if text != default or path in self.invalid:
            self.leaf(tag, path, text)

    def open(self, tag: str, path: str, /, **attrs: Any) -> None:
        self.lines.append(f"{'  ' * self.depth}<{tag}{self._attrs(path, attrs)}>")
        self.depth += 1

    def close(self, tag: str) -> None:
        self.depth -= 1
        self.lines.append(f"{'  ' * self.depth}</{tag}>")


SectionWriter = Callable[[Writer, Any, str], None]


def write_general(w: Writer, g: m.General, path: str) -> None:
    w.open("General", path)
    w.leaf("Name", f"{path}.Name", g.name)
    if g.logo is not None:
        data = base64.b64encode(g.logo.data).decode("ascii")
        w.leaf("Logo", f"{path}.Logo", data, contentType=g.logo.content_type)
    w.optional_leaf(
        "MaxConcurrentRequests", f"{path}.MaxConcurrentRequests", g.max_concurrent_requests, None
    )
    w.optional_leaf("Notes", f"{path}.Notes", g.notes)
    w.close("General")


def write_authentication(w: Writer, a: m.Authentication, path: str) -> None:
    w.open("Authentication", path, method=a.method)
    if a.fields:
        w.open("Fields", f"{path}.Fields")
        for i, f in enumerate(a.fields):
            w.leaf(
                "Field",
                f"{path}.Fields.Field[{i}]",
                type=f.type,
                name=f.name,
                title=f.title,
                options=f.options or None,
                secret=None if f.secret_flag is None else str(f.secret_flag).lower(),
            )
        w.close("Fields")
    if a.basic is not None:
        p = f"{path}.Basic"
        w.open("Basic", p, credentialType=a.basic.credential_type)
        w.leaf("Format", f"{p}.Format", a.basic.format)
        w.close("Basic")
    if a.oauth2 is not None:
        write_oauth2(w, a.oauth2, f"{path}.OAuth2")
    if a.bearer is not None:
        w.open("Bearer", f"{path}.Bearer", scheme=_scheme(a.bearer.scheme))
        w.leaf("Token", f"{path}.Bearer.Token", a.bearer.token)
        w.close("Bearer")
    w.close("Authentication")


def _scheme(scheme: str) -> str | None:
    return None if scheme == m.DEFAULT_AUTH_SCHEME else scheme


def write_oauth2(w: Writer, o: m.OAuth2, p: str) -> None:
    w.open("OAuth2", p, scheme=_scheme(o.scheme), pkce="true" if o.pkce else None)
    w.leaf("AuthorizeUrl", f"{p}.AuthorizeUrl", o.authorize_url)
    w.leaf("TokenUrl", f"{p}.TokenUrl", o.token_url)
    w.leaf("TokenContentType", f"{p}.TokenContentType", o.token_content_type)
    w.optional_leaf("Scopes", f"{p}.Scopes", o.scopes)
    w.optional_leaf("ExtraQuery", f"{p}.ExtraQuery", o.extra_query)
    if o.refresh is not None:
        r, rp = o.refresh, f"{p}.Refresh"
        interval = "" if r.interval_minutes is None else r.interval_minutes
        w.open("Refresh", rp, method=r.method, intervalMinutes=interval)
        w.leaf("Url", f"{rp}.Url", r.url)
        w.leaf("ContentType", f"{rp}.ContentType", r.content_type)
        w.optional_leaf("Body", f"{rp}.Body", r.body)
        w.close("Refresh")
    w.close("OAuth2")


def write_headers(w: Writer, headers: tuple[m.Header, ...], path: str) -> None:
    if not headers:
        return
    w.open("Headers", path)
    for i, h in enumerate(headers):
        w.leaf(
            "Header",
            f"{path}.Header[{i}]",
            h.value,
            name=h.name,
            description=h.description or None,
            appliesTo=None if h.applies_to == "scenarios" else h.applies_to,
        )
    w.close("Headers")


def write_follow_ups(w: Writer, requests: tuple[m.FollowUpRequest, ...], path: str) -> None:
    if not requests:
        return
    w.open("FollowUpRequests", path)
    for i, q in enumerate(requests):
        p = f"{path}.Request[{i}]"
        w.open("Request", p, trigger=q.trigger, method=q.method)
        w.leaf("Url", f"{p}.Url", q.url)
        w.optional_leaf("Headers", f"{p}.Headers", q.headers)
        w.optional_leaf("Body", f"{p}.Body", q.body)
        w.optional_leaf("ResponsePaths", f"{p}.ResponsePaths", q.response_paths)
        w.optional_leaf("TargetVariables", f"{p}.TargetVariables", q.target_variables)
        w.close("Request")
    w.close("FollowUpRequests")


def write_request(w: Writer, q: m.RequestSpec, path: str) -> None:
    p = f"{path}.Request"
    w.open("Request", p, method=q.method)
    w.leaf("Url", f"{p}.Url", q.url)
    w.optional_leaf("Body", f"{p}.Body", q.body)
    w.close("Request")


def write_extra_requests(w: Writer, requests: tuple[m.ExtraRequest, ...], path: str) -> None:
    if not requests:
        return
    path = f"{path}.ExtraRequests"
    w.open("ExtraRequests", path)
    for i, q in enumerate(requests):
        p = f"{path}.Request[{i}]"
        w.open("Request", p, name=q.name, method=q.method)
        w.leaf("Url", f"{p}.Url", q.url)
        w.optional_leaf("Body", f"{p}.Body", q.body)
        w.optional_leaf("Headers", f"{p}.Headers", q.headers)
        if q.outputs:
            w.open("Outputs", f"{p}.Outputs")
            for j, o in enumerate(q.outputs):
                w.leaf(
                    "Output",
                    f"{p}.Outputs.Output[{j}]",
                    name=o.name,
                    path=o.path or None,
                    jsonpath=o.jsonpath or None,
                    header=o.header or None,
                )
            w.close("Outputs")
        w.close("Request")
    w.close("ExtraRequests")


def write_duplicate_check(w: Writer, check: m.DuplicateCheck | None, path: str) -> None:
    if check is None:
        return
    p = f"{path}.DuplicateCheck"
    w.open("DuplicateCheck", p, method=check.method, idPath=check.id_path)
    w.leaf("Url", f"{p}.Url", check.url)
    w.optional_leaf("Body", f"{p}.Body", check.body)
    w.close("DuplicateCheck")


def write_pagination(w: Writer, pagination: m.Pagination, path: str, *, always: bool) -> None:
    """`<Pagination type=… …/>` with the attributes that differ from the defaults (or are
    kept raw); left out entirely when `always` is false and it is all defaults."""
    defaults = m.Pagination()
    p = f"{path}.Pagination"
    attrs: dict[str, Any] = {"type": pagination.type}
    for attr, field in _PAGINATION_ATTRS.items():
        value = getattr(pagination, field)
        if value != getattr(defaults, field) or f"{p}@{attr}" in w.invalid:
            attrs[attr] = value
    if always or len(attrs) > 1 or pagination.type != defaults.type:
        w.leaf("Pagination", p, **attrs)


def write_user_association(w: Writer, u: m.UserAssociation | None, path: str) -> None:
    if u is None:
        return
    w.open("UserAssociation", path, enabled=u.enabled)
    write_request(w, u.request, path)
    write_pagination(w, u.pagination, path, always=True)
    mp = u.mapping
    w.leaf(
        "Mapping",
        f"{path}.Mapping",
        id=mp.id,
        firstName=mp.first_name,
        lastName=mp.last_name,
        email=mp.email,
    )
    w.close("UserAssociation")


_PAGINATION_ATTRS = {
    "pageParam": "page_param",
    "pageStart": "page_start",
    "pageSizeParam": "page_size_param",
    "pageSize": "page_size",
    "offsetParam": "offset_param",
    "offsetStart": "offset_start",
    "limitParam": "limit_param",
    "limit": "limit",
    "nextLinkPath": "next_link_path",
    "cursorPath": "cursor_path",
    "cursorParam": "cursor_param",
    "hasMorePath": "has_more_path",
}


def write_contact_search(w: Writer, cs: m.ContactSearch, path: str) -> None:
    if not cs.contact_types:
        return
    w.open("ContactSearch", path)
    for i, c in enumerate(cs.contact_types):
        p = f"{path}.ContactType[{i}]"
        w.open(
            "ContactType",
            p,
            name=c.name,
            match=None if c.match == "query" else c.match,
            phoneForms=c.phone_forms or None,
        )
        write_extra_requests(w, c.extra_requests, p)
        write_request(w, c.request, p)
        write_pagination(w, c.pagination, p, always=False)
        w.leaf("Popup", f"{p}.Popup", c.popup.value, mode=c.popup.mode)
        w.open("Mapping", f"{p}.Mapping")
        for j, f in enumerate(c.mapping.fields):
            w.leaf(
                "Field",
                f"{p}.Mapping.Field[{j}]",
                name=f.name,
                path=f.path,
                required=True
                if f.required or f"{p}.Mapping.Field[{j}]@required" in w.invalid
                else None,
            )
        w.close("Mapping")
        w.close("ContactType")
    w.close("ContactSearch")


def write_create_contact(w: Writer, cc: m.CreateContact | None, path: str) -> None:
    if cc is None:
        return
    w.open("CreateContact", path, enabled=cc.enabled)
    for i, c in enumerate(cc.contact_types):
        p = f"{path}.ContactType[{i}]"
        w.open("ContactType", p, name=c.name)
        write_extra_requests(w, c.extra_requests, p)
        write_duplicate_check(w, c.duplicate_check, p)
        write_request(w, c.request, p)
        if c.extra_variables:
            w.open("ExtraVariables", f"{p}.ExtraVariables")
            for j, v in enumerate(c.extra_variables):
                w.leaf(
                    "Variable",
                    f"{p}.ExtraVariables.Variable[{j}]",
                    name=v.name,
                    **{"from": v.source},
                    path=v.path or None,
                    value=v.value or None,
                )
            w.close("ExtraVariables")
        w.close("ContactType")
    w.close("CreateContact")


def write_option_text(w: Writer, tag: str, o: m.OptionText, path: str) -> None:
    w.leaf(tag, f"{path}.{tag}", o.default, enabled=o.enabled)


def write_option_flag(w: Writer, tag: str, o: m.OptionFlag, path: str) -> None:
    w.leaf(tag, f"{path}.{tag}", enabled=o.enabled, default=o.default)


def write_call_log(w: Writer, c: m.CallLog | None, path: str) -> None:
    if c is None:
        return
    w.open("CallLog", path, enabled=c.enabled)
    write_extra_requests(w, c.extra_requests, path)
    write_duplicate_check(w, c.duplicate_check, path)
    write_request(w, c.request, path)
    p = f"{path}.Options"
    w.open("Options", p)
    write_option_text(w, "Subject", c.options.subject, p)
    write_option_text(w, "Description", c.options.description, p)
    write_option_flag(w, "PlayRecording", c.options.play_recording, p)
    write_option_flag(
        w, "SkipMissedForUnansweredAgents", c.options.skip_missed_for_unanswered_agents, p
    )
    w.close("Options")
    w.close("CallLog")


def write_ticket(w: Writer, t: m.Ticket | None, path: str) -> None:
    if t is None:
        return
    w.open("Ticket", path, enabled=t.enabled)
    write_extra_requests(w, t.extra_requests, path)
    write_duplicate_check(w, t.duplicate_check, path)
    write_request(w, t.request, path)
    p = f"{path}.Options"
    w.open("Options", p)
    write_option_text(w, "Subject", t.options.subject, p)
    write_option_text(w, "Description", t.options.description, p)
    w.close("Options")
    w.close("Ticket")


# Top-level element → (model field, writer), in document order.
SECTION_WRITERS: dict[str, tuple[str, SectionWriter]] = {
    "General": ("general", write_general),
    "Authentication": ("authentication", write_authentication),
    "Headers": ("headers", write_headers),
    "FollowUpRequests": ("follow_up_requests", write_follow_ups),
    "UserAssociation": ("user_association", write_user_association),
    "ContactSearch": ("contact_search", write_contact_search),
    "CreateContact": ("create_contact", write_create_contact),
    "CallLog": ("call_log", write_call_log),
    "Ticket": ("ticket", write_ticket),
}


def write_template(t: m.Template) -> str:
    w = Writer(t)
    w.lines.append('<?xml version="1.0" encoding="UTF-8"?>')
    w.open("HelpdeskTemplate", "", formatVersion=t.format_version)
    for tag, (field, writer) in SECTION_WRITERS.items():
        writer(w, getattr(t, field), tag)
    w.close("HelpdeskTemplate")
    return "\n".join(w.lines) + "\n"
