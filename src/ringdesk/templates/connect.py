"""Checks of the values an admin enters for a template's connect fields (A2), pure.

A `url` field (`<Field type="url" …/>`) holds the helpdesk's base URL: it must be an absolute
http(s) URL with a host, and nothing a path could not be appended to (no query, no fragment,
no `user:password@`, no whitespace). Only such values are trusted as the start of a request
URL (`{{.base_url}}/REST/2.0/…`); every other value is escaped as data.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import idna
from pydantic import BaseModel

from ringdesk.templates.model import ConnectField, Popup, Template
from ringdesk.templates.vocabulary import VARIABLE_ACTION

__all__ = [
    "field_value_error",
    "host_error",
    "host_fields",
    "host_part_error",
    "normalise_url_value",
    "url_value_error",
]

# A last label of digits (or 0x…) is an address, never a top-level domain: `127.1`,
# `0177.0.0.1` and `2130706433` are loopback to some resolvers and garbage to others.
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.I)
_ASCII_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")


def host_error(host: str) -> str | None:
    """Why `host` (from a URL, brackets stripped) is not a host every layer reads alike:
    a dotted-quad IPv4 or an IPv6 address as `ipaddress` reads it, or a name `idna`
    encodes."""
    if not host:
        return "must name a host (https://host…)"
    if ":" in host:
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return f"host {host!r} is not an IPv6 address"
        return None
    labels = host.rstrip(".").split(".")
    if _NUMERIC_LABEL.match(labels[-1]):
        try:
            ipaddress.IPv4Address(host.rstrip("."))
        except ValueError:
            return f"host {host!r} is not an IPv4 address (four decimal numbers, no leading zeros)"
        return None
    name = host.rstrip(".")
    if name.isascii():
        # Letters, digits, `-` and `_` (container and intranet names use it) per label.
        if len(name) > 253 or not all(_ASCII_LABEL.match(label) for label in labels):
            return f"host {host!r} is not a valid host name"
        return None
    try:
        idna.encode(name, uts46=True)
    except (idna.IDNAError, UnicodeError, ValueError):
        return f"host {host!r} is not a valid host name"
    return None


def url_value_error(value: str) -> str | None:
    """Why `value` is not a usable base URL, or None when it is."""
    text = value.strip()
    if not text:
        return "a URL is required (e.g. https://helpdesk.example.com)"
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        return "must not contain spaces or control characters"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:  # a bad port or an unbalanced [IPv6] host
        return f"is not a valid URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return "must start with http:// or https://"
    if "@" in parts.netloc:
        return "must not contain a user name or password (use a password field)"
    if not parts.hostname:
        return "must name a host (https://host…)"
    bad_host = host_error(parts.hostname)
    if bad_host:
        return bad_host
    if port == 0:
        return "port 0 is not a usable port"
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        return "must not have a query (?…) or fragment (#…): paths are appended to it"
    return None


def normalise_url_value(value: str) -> str:
    """A valid base URL without surrounding whitespace and trailing slashes, so that
    `{{.base_url}}/api` never produces `//api`."""
    return value.strip().rstrip("/")


def field_value_error(field: ConnectField, value: str) -> str | None:
    """Why `value` does not fit `field` (a select outside its options, a bad URL), or None.
    An empty value is not checked here: whether a field may stay empty is the caller's
    call."""
    if not value:
        return None
    if field.type == "select" and value not in field.option_list:
        return f"must be one of {', '.join(field.option_list)}"
    if field.is_url:
        return url_value_error(value)
    return None


# `scheme://authority` at the start of a URL template (the fields its actions name are
# part of the host).
_AUTHORITY = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)")


def _url_templates(node: BaseModel) -> Iterator[str]:
    """Every URL template in `node`: request, OAuth2 and screen-pop URLs, at any depth."""
    if isinstance(node, Popup) and node.mode == "url":
        yield node.value
    for name, value in node:
        if isinstance(value, str) and (name == "url" or name.endswith("_url")):
            yield value
        elif isinstance(value, BaseModel):
            yield from _url_templates(value)
        elif isinstance(value, tuple | list):
            for item in value:
                if isinstance(item, BaseModel):
                    yield from _url_templates(item)


def host_fields(template: Template) -> dict[str, str]:
    """The connect fields whose value becomes part of a host name, each with the start of
    a URL it lands in (`https://{{.subdomain}}.zendesk.com`)."""
    found: dict[str, str] = {}
    for url in _url_templates(template):
        match = _AUTHORITY.match(url)
        if match:
            for name in VARIABLE_ACTION.findall(match.group(1)):
                found.setdefault(name, match.group(1))
    return found


def host_part_error(value: str, where: str) -> str | None:
    """Why `value` cannot stand in the host (or port) at `where` (e.g. a whole URL pasted
    into a subdomain field), or None. Found before connecting, so the admin reads which
    field is wrong instead of a connection error. The value is judged as it is rendered
    (unstripped) and where it lands: `1234567` is a fine first label, `acme.` makes
    `acme..zendesk.com`, `8443` after a `:` is a port."""
    if not value:
        return None
    if any(c.isspace() for c in value):
        return f"remove the spaces and line breaks: it goes into {where}"
    if any(c in value for c in "/:?#@"):
        return f"enter only the host name part, not a URL or path: it goes into {where}"
    if not value.isascii():
        # The URL renderer percent-encodes it, and no host name holds `%`.
        return f"{value!r}: enter an international name in its xn-- form: it goes into {where}"
    sample = VARIABLE_ACTION.sub(lambda _match: value, where)
    try:
        parts = urlsplit(sample)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        return f"{value!r} does not fit {where}"
    if host_error(parts.hostname or "") is not None:
        return f"{value!r} cannot be part of a host name: it goes into {where}"
    return None
