"""XML tree → template model: one small builder per element family, found by tag.

Every builder takes the element and a `Reader` (which checks for unknown children and
attributes, records source lines under dotted paths, and keeps unparsable values raw) and
returns a model component. Unknown elements and attributes are refused with their line.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from ringdesk.errors import TemplateError
from ringdesk.templates import model as m
from ringdesk.templates._xmlread import Node

__all__ = ["SECTION_BUILDERS", "Reader", "UnknownElementError", "build_template"]

_TRUE = {"true": True, "1": True, "false": False, "0": False}


class UnknownElementError(TemplateError):
    """An element or attribute the format does not define (names it and its path)."""

    def __init__(self, message: str, *, path: str, line: int | None):
        self.path = path
        super().__init__(message, line=line)


class Reader:
    """Walks one document: structural checks, locations and raw invalid values."""

    def __init__(self) -> None:
        self.locations: dict[str, int] = {}
        self.invalid: dict[str, str] = {}

    # ---- structure -------------------------------------------------------------------
    def enter(
        self,
        node: Node,
        path: str,
        *,
        attrs: tuple[str, ...] = (),
        children: tuple[str, ...] = (),
        repeated: tuple[str, ...] = (),
        text: bool = False,
    ) -> None:
        """Record `node` at `path`; refuse attributes/children/text the format does not allow."""
        self.locations[path] = node.line
        if text and node.text and node.text_start_line != node.line:
            # where the text starts, when not on the element's own line (for `{{…}}` errors)
            self.locations[path + "#"] = node.text_start_line
        for name in node.attrib:
            if name not in attrs:
                allowed = ", ".join(attrs) or "none"
                raise UnknownElementError(
                    f"unknown attribute {name!r} on <{node.tag}> (allowed: {allowed})",
                    path=f"{path}@{name}",
                    line=node.line,
                )
        seen: set[str] = set()
        for child in node.children:
            if child.tag not in children and child.tag not in repeated:
                allowed = ", ".join((*children, *repeated)) or "none"
                raise UnknownElementError(
                    f"unknown element <{child.tag}> in <{node.tag}> (allowed: {allowed})",
                    path=f"{path}.{child.tag}".lstrip("."),
                    line=child.line,
                )
            if child.tag in children and child.tag in seen:
                raise UnknownElementError(
                    f"<{child.tag}> appears twice in <{node.tag}>",
                    path=f"{path}.{child.tag}",
                    line=child.line,
                )
            seen.add(child.tag)
        if not text and node.children and node.text:
            raise UnknownElementError(
                f"unexpected text {node.text[:30]!r} in <{node.tag}>",
                path=path,
                line=node.text_start_line,
            )
        if not text and not node.children and node.text:
            raise UnknownElementError(
                f"<{node.tag}> takes no text", path=path, line=node.text_start_line
            )

    @staticmethod
    def child(node: Node, tag: str) -> Node | None:
        return next((c for c in node.children if c.tag == tag), None)

    @staticmethod
    def children(node: Node, tag: str) -> list[Node]:
        return [c for c in node.children if c.tag == tag]

    # ---- values ----------------------------------------------------------------------
    def text(self, node: Node, tag: str, path: str, default: str = "") -> str:
        """The text of child `tag` (which must hold no elements), or `default` if absent."""
        child = self.child(node, tag)
        if child is None:
            return default
        self.enter(child, f"{path}.{tag}", text=True)
        return child.text

    def int_text(self, node: Node, tag: str, path: str) -> int | None:
        raw = self.text(node, tag, path, default="")
        if self.child(node, tag) is None or raw == "":
            return None
        return self._int(raw, f"{path}.{tag}")

    def attr(self, node: Node, name: str, default: str = "") -> str:
        return node.attrib.get(name, default)

    def int_attr(self, node: Node, name: str, path: str, default: int) -> int:
        raw = node.attrib.get(name)
        if raw is None:
            return default
        value = self._int(raw, f"{path}@{name}")
        return default if value is None else value

    def bool_attr(self, node: Node, name: str, path: str, default: bool) -> bool:
        raw = node.attrib.get(name)
        if raw is None:
            return default
        value = _TRUE.get(raw.strip().lower())
        if value is None:
            self.invalid[f"{path}@{name}"] = raw
            return default
        return value

    def _int(self, raw: str, path: str) -> int | None:
        try:
            return int(raw.strip())
        except ValueError:
            self.invalid[path] = raw
            return None


Builder = Callable[[Node, Reader, str], Any]


# ---- General ---------------------------------------------------------------------------
def build_general(node: Node, r: Reader, path: str) -> m.General:
    r.enter(node, path, children=("Name", "Logo", "MaxConcurrentRequests", "Notes"))
    return m.General(
        name=r.text(node, "Name", path),
        logo=build_logo(node, r, path),
        max_concurrent_requests=r.int_text(node, "MaxConcurrentRequests", path),
        notes=r.text(node, "Notes", path),
    )


def build_logo(parent: Node, r: Reader, path: str) -> m.Logo | None:
    node = r.child(parent, "Logo")
    if node is None:
        return None
    path = f"{path}.Logo"
    r.enter(node, path, attrs=("contentType",), text=True)
    encoded = "".join(node.text.split())
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        r.invalid[path] = node.text
        data = b""
    return m.Logo(content_type=r.attr(node, "contentType"), data=data)


# ---- Authentication --------------------------------------------------------------------
def build_authentication(node: Node, r: Reader, path: str) -> m.Authentication:
    r.enter(node, path, attrs=("method",), children=("Fields", "Basic", "OAuth2", "Bearer"))
    fields: tuple[m.ConnectField, ...] = ()
    fields_node = r.child(node, "Fields")
    if fields_node is not None:
        r.enter(fields_node, f"{path}.Fields", repeated=("Field",))
        fields = tuple(
            build_connect_field(f, r, f"{path}.Fields.Field[{i}]")
            for i, f in enumerate(r.children(fields_node, "Field"))
        )
    basic = r.child(node, "Basic")
    oauth2 = r.child(node, "OAuth2")
    bearer = r.child(node, "Bearer")
    return m.Authentication(
        method=r.attr(node, "method", "none"),
        fields=fields,
        basic=None if basic is None else build_basic(basic, r, f"{path}.Basic"),
        oauth2=None if oauth2 is None else build_oauth2(oauth2, r, f"{path}.OAuth2"),
        bearer=None if bearer is None else build_bearer(bearer, r, f"{path}.Bearer"),
    )


def build_connect_field(node: Node, r: Reader, path: str) -> m.ConnectField:
    r.enter(node, path, attrs=("type", "name", "title", "options"))
    return m.ConnectField(
        type=r.attr(node, "type", "text"),
        name=r.attr(node, "name"),
        title=r.attr(node, "title"),
        options=r.attr(node, "options"),
    )


def build_basic(node: Node, r: Reader, path: str) -> m.Basic:
    r.enter(node, path, attrs=("credentialType",), children=("Format",))
    return m.Basic(
        credential_type=r.attr(node, "credentialType", "username_password"),
        format=r.text(node, "Format", path),
    )


def build_oauth2(node: Node, r: Reader, path: str) -> m.OAuth2:
    r.enter(
        node,
        path,
        children=(
            "AuthorizeUrl",
            "TokenUrl",
            "TokenContentType",
            "Scopes",
            "ExtraQuery",
            "Refresh",
        ),
    )
    refresh = r.child(node, "Refresh")
    return m.OAuth2(
        authorize_url=r.text(node, "AuthorizeUrl", path),
        token_url=r.text(node, "TokenUrl", path),
        token_content_type=r.text(
            node, "TokenContentType", path, m.OAuth2.model_fields["token_content_type"].default
        ),
        scopes=r.text(node, "Scopes", path),
        extra_query=r.text(node, "ExtraQuery", path),
        refresh=None if refresh is None else build_refresh(refresh, r, f"{path}.Refresh"),
    )


def build_refresh(node: Node, r: Reader, path: str) -> m.Refresh:
    r.enter(
        node, path, attrs=("method", "intervalMinutes"), children=("Url", "ContentType", "Body")
    )
    raw_interval = r.attr(node, "intervalMinutes").strip()
    interval = None if raw_interval == "" else r._int(raw_interval, f"{path}@intervalMinutes")
    return m.Refresh(
        method=r.attr(node, "method", "POST"),
        interval_minutes=interval,
        url=r.text(node, "Url", path),
        content_type=r.text(
            node, "ContentType", path, m.Refresh.model_fields["content_type"].default
        ),
        body=r.text(node, "Body", path),
    )


def build_bearer(node: Node, r: Reader, path: str) -> m.Bearer:
    r.enter(node, path, children=("Token",))
    return m.Bearer(token=r.text(node, "Token", path))


# ---- Headers and follow-up requests ----------------------------------------------------
def build_headers(node: Node, r: Reader, path: str) -> tuple[m.Header, ...]:
    r.enter(node, path, repeated=("Header",))
    headers = []
    for i, h in enumerate(r.children(node, "Header")):
        r.enter(h, f"{path}.Header[{i}]", attrs=("name", "description"), text=True)
        headers.append(
            m.Header(name=r.attr(h, "name"), value=h.text, description=r.attr(h, "description"))
        )
    return tuple(headers)


def build_follow_ups(node: Node, r: Reader, path: str) -> tuple[m.FollowUpRequest, ...]:
    r.enter(node, path, repeated=("Request",))
    requests = []
    for i, q in enumerate(r.children(node, "Request")):
        p = f"{path}.Request[{i}]"
        r.enter(
            q,
            p,
            attrs=("trigger", "method"),
            children=("Url", "Headers", "Body", "ResponsePaths", "TargetVariables"),
        )
        requests.append(
            m.FollowUpRequest(
                trigger=r.attr(q, "trigger", "connected"),
                method=r.attr(q, "method", "POST"),
                url=r.text(q, "Url", p),
                headers=r.text(q, "Headers", p),
                body=r.text(q, "Body", p),
                response_paths=r.text(q, "ResponsePaths", p),
                target_variables=r.text(q, "TargetVariables", p),
            )
        )
    return tuple(requests)


def build_request(parent: Node, r: Reader, path: str, default_method: str) -> m.RequestSpec:
    node = r.child(parent, "Request")
    if node is None:
        return m.RequestSpec(method=default_method)
    path = f"{path}.Request"
    r.enter(node, path, attrs=("method",), children=("Url", "Body"))
    return m.RequestSpec(
        method=r.attr(node, "method", default_method),
        url=r.text(node, "Url", path),
        body=r.text(node, "Body", path),
    )


# ---- User association ------------------------------------------------------------------
_PAGINATION_INTS = {
    "pageStart": "page_start",
    "pageSize": "page_size",
    "offsetStart": "offset_start",
    "limit": "limit",
}
_PAGINATION_STRS = {
    "type": "type",
    "pageParam": "page_param",
    "pageSizeParam": "page_size_param",
    "offsetParam": "offset_param",
    "limitParam": "limit_param",
    "nextLinkPath": "next_link_path",
}
_USER_MAPPING = {"id": "id", "firstName": "first_name", "lastName": "last_name", "email": "email"}


def build_user_association(node: Node, r: Reader, path: str) -> m.UserAssociation:
    r.enter(node, path, attrs=("enabled",), children=("Request", "Pagination", "Mapping"))
    pagination = m.Pagination()
    p_node = r.child(node, "Pagination")
    if p_node is not None:
        p = f"{path}.Pagination"
        r.enter(p_node, p, attrs=(*_PAGINATION_STRS, *_PAGINATION_INTS))
        values: dict[str, Any] = {
            field: p_node.attrib[a] for a, field in _PAGINATION_STRS.items() if a in p_node.attrib
        }
        defaults = m.Pagination()
        for a, field in _PAGINATION_INTS.items():
            values[field] = r.int_attr(p_node, a, p, getattr(defaults, field))
        pagination = m.Pagination(**values)
    mapping = m.UserMapping()
    map_node = r.child(node, "Mapping")
    if map_node is not None:
        r.enter(map_node, f"{path}.Mapping", attrs=tuple(_USER_MAPPING))
        mapping = m.UserMapping(
            **{f: map_node.attrib[a] for a, f in _USER_MAPPING.items() if a in map_node.attrib}
        )
    return m.UserAssociation(
        enabled=r.bool_attr(node, "enabled", path, False),
        request=build_request(node, r, path, "GET"),
        pagination=pagination,
        mapping=mapping,
    )


# ---- Contact search and create contact -------------------------------------------------
def build_contact_search(node: Node, r: Reader, path: str) -> m.ContactSearch:
    r.enter(node, path, repeated=("ContactType",))
    return m.ContactSearch(
        contact_types=tuple(
            build_contact_type(c, r, f"{path}.ContactType[{i}]")
            for i, c in enumerate(r.children(node, "ContactType"))
        )
    )


def build_contact_type(node: Node, r: Reader, path: str) -> m.ContactType:
    r.enter(node, path, attrs=("name",), children=("Request", "Popup", "Mapping"))
    popup = m.Popup()
    popup_node = r.child(node, "Popup")
    if popup_node is not None:
        r.enter(popup_node, f"{path}.Popup", attrs=("mode",), text=True)
        popup = m.Popup(mode=r.attr(popup_node, "mode", "url"), value=popup_node.text)
    fields: list[m.MappedField] = []
    map_node = r.child(node, "Mapping")
    if map_node is not None:
        r.enter(map_node, f"{path}.Mapping", repeated=("Field",))
        for i, f in enumerate(r.children(map_node, "Field")):
            p = f"{path}.Mapping.Field[{i}]"
            r.enter(f, p, attrs=("name", "path", "required"))
            fields.append(
                m.MappedField(
                    name=r.attr(f, "name"),
                    path=r.attr(f, "path"),
                    required=r.bool_attr(f, "required", p, False),
                )
            )
    return m.ContactType(
        name=r.attr(node, "name"),
        request=build_request(node, r, path, "GET"),
        popup=popup,
        mapping=m.ContactMapping(fields=tuple(fields)),
    )


def build_create_contact(node: Node, r: Reader, path: str) -> m.CreateContact:
    r.enter(node, path, attrs=("enabled",), repeated=("ContactType",))
    types = []
    for i, c in enumerate(r.children(node, "ContactType")):
        p = f"{path}.ContactType[{i}]"
        r.enter(c, p, attrs=("name",), children=("Request", "ExtraVariables"))
        extras: list[m.ExtraVariable] = []
        ev_node = r.child(c, "ExtraVariables")
        if ev_node is not None:
            r.enter(ev_node, f"{p}.ExtraVariables", repeated=("Variable",))
            for j, v in enumerate(r.children(ev_node, "Variable")):
                r.enter(
                    v, f"{p}.ExtraVariables.Variable[{j}]", attrs=("name", "from", "path", "value")
                )
                extras.append(
                    m.ExtraVariable(
                        name=r.attr(v, "name"),
                        source=r.attr(v, "from", "response"),
                        path=r.attr(v, "path"),
                        value=r.attr(v, "value"),
                    )
                )
        types.append(
            m.CreateContactType(
                name=r.attr(c, "name"),
                request=build_request(c, r, p, "POST"),
                extra_variables=tuple(extras),
            )
        )
    return m.CreateContact(
        enabled=r.bool_attr(node, "enabled", path, False), contact_types=tuple(types)
    )


# ---- Call log and ticket ---------------------------------------------------------------
def build_option_text(parent: Node, tag: str, r: Reader, path: str) -> m.OptionText:
    node = r.child(parent, tag)
    if node is None:
        return m.OptionText()
    p = f"{path}.{tag}"
    r.enter(node, p, attrs=("enabled",), text=True)
    return m.OptionText(enabled=r.bool_attr(node, "enabled", p, False), default=node.text)


def build_option_flag(parent: Node, tag: str, r: Reader, path: str) -> m.OptionFlag:
    node = r.child(parent, tag)
    if node is None:
        return m.OptionFlag()
    p = f"{path}.{tag}"
    r.enter(node, p, attrs=("enabled", "default"))
    return m.OptionFlag(
        enabled=r.bool_attr(node, "enabled", p, False),
        default=r.bool_attr(node, "default", p, False),
    )


_CALL_LOG_OPTIONS = ("Subject", "Description", "PlayRecording", "SkipMissedForUnansweredAgents")


def build_call_log(node: Node, r: Reader, path: str) -> m.CallLog:
    r.enter(node, path, attrs=("enabled",), children=("Request", "Options"))
    options = m.CallLogOptions()
    opt = r.child(node, "Options")
    if opt is not None:
        p = f"{path}.Options"
        r.enter(opt, p, children=_CALL_LOG_OPTIONS)
        options = m.CallLogOptions(
            subject=build_option_text(opt, "Subject", r, p),
            description=build_option_text(opt, "Description", r, p),
            play_recording=build_option_flag(opt, "PlayRecording", r, p),
            skip_missed_for_unanswered_agents=build_option_flag(
                opt, "SkipMissedForUnansweredAgents", r, p
            ),
        )
    return m.CallLog(
        enabled=r.bool_attr(node, "enabled", path, False),
        request=build_request(node, r, path, "POST"),
        options=options,
    )


def build_ticket(node: Node, r: Reader, path: str) -> m.Ticket:
    r.enter(node, path, attrs=("enabled",), children=("Request", "Options"))
    options = m.TicketOptions()
    opt = r.child(node, "Options")
    if opt is not None:
        p = f"{path}.Options"
        r.enter(opt, p, children=("Subject", "Description"))
        options = m.TicketOptions(
            subject=build_option_text(opt, "Subject", r, p),
            description=build_option_text(opt, "Description", r, p),
        )
    return m.Ticket(
        enabled=r.bool_attr(node, "enabled", path, False),
        request=build_request(node, r, path, "POST"),
        options=options,
    )


# Top-level element → (model field, builder). The dispatch table of the codec.
SECTION_BUILDERS: dict[str, tuple[str, Builder]] = {
    "General": ("general", build_general),
    "Authentication": ("authentication", build_authentication),
    "Headers": ("headers", build_headers),
    "FollowUpRequests": ("follow_up_requests", build_follow_ups),
    "UserAssociation": ("user_association", build_user_association),
    "ContactSearch": ("contact_search", build_contact_search),
    "CreateContact": ("create_contact", build_create_contact),
    "CallLog": ("call_log", build_call_log),
    "Ticket": ("ticket", build_ticket),
}

ROOT_TAG = "HelpdeskTemplate"


def build_template(root: Node) -> m.Template:
    """Build the model from a parsed document; raises `TemplateError` for structure errors."""
    if root.tag != ROOT_TAG:
        raise UnknownElementError(
            f"the root element must be <{ROOT_TAG}>, not <{root.tag}>",
            path=root.tag,
            line=root.line,
        )
    r = Reader()
    r.enter(root, "", attrs=("formatVersion",), children=tuple(SECTION_BUILDERS))
    r.locations[ROOT_TAG] = r.locations.pop("")
    values: dict[str, Any] = {"format_version": r.attr(root, "formatVersion", "1")}
    for child in root.children:
        field, builder = SECTION_BUILDERS[child.tag]
        values[field] = builder(child, r, child.tag)
    return m.Template(**values, locations=r.locations, invalid_values=r.invalid)
