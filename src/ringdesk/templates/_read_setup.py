"""Builders of the setup sections: General (G), Authentication (A), Headers (H) and
follow-up requests (F). Each takes the element, the `Reader` and its dotted path."""

from __future__ import annotations

import base64
import binascii

from ringdesk.templates import model as m
from ringdesk.templates._reader import Reader
from ringdesk.templates._xmlread import Node

__all__ = [
    "build_authentication",
    "build_follow_ups",
    "build_general",
    "build_headers",
]


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
    r.enter(node, path, attrs=("type", "name", "title", "options", "secret"))
    secret = None
    if "secret" in node.attrib:
        secret = r.bool_attr(node, "secret", path, False)
        if f"{path}@secret" in r.invalid:
            secret = None
    return m.ConnectField(
        type=r.attr(node, "type", "text"),
        name=r.attr(node, "name"),
        title=r.attr(node, "title"),
        options=r.attr(node, "options"),
        secret_flag=secret,
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
        attrs=("scheme", "pkce"),
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
        scheme=r.attr(node, "scheme", m.DEFAULT_AUTH_SCHEME),
        authorize_url=r.text(node, "AuthorizeUrl", path),
        token_url=r.text(node, "TokenUrl", path),
        token_content_type=r.text(
            node, "TokenContentType", path, m.OAuth2.model_fields["token_content_type"].default
        ),
        scopes=r.text(node, "Scopes", path),
        extra_query=r.text(node, "ExtraQuery", path),
        refresh=None if refresh is None else build_refresh(refresh, r, f"{path}.Refresh"),
        pkce=r.bool_attr(node, "pkce", path, False),
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
    r.enter(node, path, attrs=("scheme",), children=("Token",))
    return m.Bearer(
        scheme=r.attr(node, "scheme", m.DEFAULT_AUTH_SCHEME), token=r.text(node, "Token", path)
    )


# ---- Headers and follow-up requests ----------------------------------------------------
def build_headers(node: Node, r: Reader, path: str) -> tuple[m.Header, ...]:
    r.enter(node, path, repeated=("Header",))
    headers = []
    for i, h in enumerate(r.children(node, "Header")):
        r.enter(h, f"{path}.Header[{i}]", attrs=("name", "description", "appliesTo"), text=True)
        headers.append(
            m.Header(
                name=r.attr(h, "name"),
                value=h.text,
                description=r.attr(h, "description"),
                applies_to=r.attr(h, "appliesTo", "scenarios"),
            )
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
