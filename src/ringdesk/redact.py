"""Redaction of secrets (A9) from everything we log, store or show: by value (every secret of
the integration, also in its URL-, JSON- and Base64-encoded forms), by header name, by query
parameter name, and by JSON/form key name (token responses carry new secrets).

Memory: the HTTP loggers' filter remembers each integration's newest two sets of secret
values (older access tokens are dropped as they rotate) and at most 256 values given without
an owner; a `Redactor` holds only what it was built with.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

__all__ = [
    "MASK",
    "SECRET_HEADERS",
    "SECRET_KEYS",
    "Redactor",
    "forget_http_log_secrets",
    "is_secret_name",
    "protect_http_logs",
]

MASK = "***"
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "apikey",
        "x-auth-token",
        "x-access-token",
        "x-csrf-token",
        "private-token",
    }
)
SECRET_KEYS = frozenset(
    {
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "api_key",
        "apikey",
        "key",
        "password",
        "secret",
        "client_secret",
        "code",
        "code_verifier",
        "session_token",
        "accesstoken",
        "refreshtoken",
    }
)
_KEYS = "|".join(sorted((re.escape(k) for k in SECRET_KEYS), key=len, reverse=True))
# "access_token": "value"  (JSON) — the value is masked, the key kept.
_JSON_KEY = re.compile(rf'("(?:{_KEYS})"\s*:\s*)"(?:[^"\\]|\\.)*"', re.IGNORECASE)
# access_token=value  (form bodies and query strings)
_FORM_KEY = re.compile(rf"(?<![A-Za-z0-9_])((?:{_KEYS})=)[^&\s\"']*", re.IGNORECASE)
# The one rule for "this name holds a secret" (connect fields, follow-up variables, query
# parameters): a strong fragment anywhere in the name, or a weak word as a whole word of it
# (`sid`, `session_id`, `apiKey`, `x-auth`, but not `inside`, `monkey` or `author`).
_STRONG_FRAGMENTS = (
    "secret",
    "token",
    "passw",
    "passphrase",
    "credential",
    "cookie",
    "session",
    "apikey",
    "privatekey",
)
_WEAK_WORDS = frozenset(
    {
        "key",
        "sid",
        "auth",
        "oauth",
        "authorization",
        "bearer",
        "pwd",
        "pin",
        "otp",
        "jwt",
        "signature",
    }
)
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def is_secret_name(name: str) -> bool:
    """Whether a variable, field or parameter name looks like it holds a secret (such values
    are encrypted at rest, shown only as set/unset, and masked in logs)."""
    compact = re.sub(r"[^a-z0-9]", "", name.lower())
    if any(fragment in compact for fragment in _STRONG_FRAGMENTS):
        return True
    return any(word.lower() in _WEAK_WORDS for word in _WORDS.findall(name))


# Minimum length for a value to be masked wherever it appears; shorter strings would
# mask ordinary text ("1", "on") and are no real secret anyway.
_MIN_SECRET = 4


def _forms(value: str) -> set[str]:
    forms = {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}
    forms.add(base64.b64encode(value.encode()).decode())
    return {f for f in forms if len(f) >= _MIN_SECRET}


class Redactor:
    """Masks the given secret values (and their encodings) and secret-named fields."""

    def __init__(self, secrets: Iterable[str] = ()):
        forms: set[str] = set()
        for value in secrets:
            if value and len(value) >= _MIN_SECRET:
                forms |= _forms(value)
        self._pattern = (
            re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))
            if forms
            else None
        )

    def text(self, text: str) -> str:
        """Mask secret values and secret-named JSON/form fields in free text."""
        if not text:
            return text
        if self._pattern is not None:
            text = self._pattern.sub(MASK, text)
        # The key patterns need a quote or an equals sign; most header values and many
        # bodies have none, and this runs on every request's log row.
        if '"' in text:
            text = _JSON_KEY.sub(rf'\1"{MASK}"', text)
        if "=" in text:
            text = _FORM_KEY.sub(rf"\1{MASK}", text)
        return text

    def url(self, url: str) -> str:
        """Mask secret query parameters by name, and secret values anywhere in the URL."""
        parts = urlsplit(url)
        query = _FORM_KEY.sub(rf"\1{MASK}", parts.query)
        netloc = parts.netloc
        if "@" in netloc:  # user:password@host
            netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
        rebuilt = urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
        return self._pattern.sub(MASK, rebuilt) if self._pattern is not None else rebuilt

    def headers(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
        """Headers with secret-named ones masked and secret values masked in the rest."""
        items = headers.items() if isinstance(headers, Mapping) else headers
        out: dict[str, str] = {}
        for name, value in items:
            out[name] = MASK if name.lower() in SECRET_HEADERS else self.text(value)
        return out


# What the HTTP loggers' filter remembers: per owner (an integration) its newest two sets of
# secret values (the previous set covers log lines of requests still in flight with the old
# token), and at most this many values given without an owner, newest kept.
_UNOWNED_LIMIT = 256


class _LogFilter(logging.Filter):
    """Masks secrets in records of third-party HTTP loggers (httpx logs every request URL at
    INFO, which would leak `?api_key=…`).

    Bounded (issue 12, flat memory): an integration's values replace its older ones, so a
    token refreshed every few seconds never piles up; values without an owner are an LRU of
    `_UNOWNED_LIMIT`."""

    def __init__(self) -> None:
        super().__init__()
        self._owned: dict[object, tuple[frozenset[str], frozenset[str]]] = {}
        self._unowned: OrderedDict[str, None] = OrderedDict()
        self._redactor = Redactor()

    def _values(self) -> set[str]:
        values = set(self._unowned)
        for current, previous in self._owned.values():
            values |= current | previous
        return values

    def remember(self, values: Iterable[str], *, owner: object = None) -> None:
        """Mask `values` from now on; with an `owner`, they replace that owner's older
        values (whose last set stays masked too)."""
        ordered = [v for v in values if v and len(v) >= _MIN_SECRET]
        fresh = frozenset(ordered)
        before = self._values()
        if owner is not None:
            current, _ = self._owned.get(owner, (frozenset(), frozenset()))
            if fresh != current:
                self._owned[owner] = (fresh, current)
        else:
            for value in ordered:  # in the caller's order: the last ones are the newest
                self._unowned[value] = None
                self._unowned.move_to_end(value)
            while len(self._unowned) > _UNOWNED_LIMIT:
                self._unowned.popitem(last=False)
        after = self._values()
        if after != before:
            self._redactor = Redactor(after)

    def forget(self, owner: object) -> None:
        """Stop masking an owner's values (the integration was deleted)."""
        if self._owned.pop(owner, None) is not None:
            self._redactor = Redactor(self._values())

    def remembered(self) -> int:
        """How many values are masked now (for tests and the operations docs)."""
        return len(self._values())

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self._redactor.text(self._redactor.url(message) if "://" in message else message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = _LogFilter()
# Logger filters do not apply to child loggers, so each httpcore module is named.
_PROTECTED_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
)


def protect_http_logs(values: Iterable[str] = (), *, owner: object = None) -> None:
    """Install the masking filter on the HTTP libraries' loggers (idempotent) and teach it
    more secret values; an `owner`'s values replace its older ones (see `_LogFilter`)."""
    _FILTER.remember(values, owner=owner)
    for name in _PROTECTED_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def forget_http_log_secrets(owner: object) -> None:
    """Stop masking `owner`'s values in the HTTP loggers (its integration is gone)."""
    _FILTER.forget(owner)
