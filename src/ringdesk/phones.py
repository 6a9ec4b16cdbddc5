"""Phone-number normalisation for contact lookup (C7): one number, the forms helpdesks store.

A number is parsed with `phonenumbers` in the integration's default region; the lookup then
tries its forms in a chosen order (E.164 first by default) until one finds a contact. Numbers
the library cannot parse (extensions, service codes, garbage) keep a cleaned raw form only.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers

__all__ = [
    "DEFAULT_FORMS",
    "DEFAULT_REGION",
    "FORMS",
    "PhoneNumber",
    "candidates",
    "digits_only",
    "normalise",
]

DEFAULT_REGION = "US"
# Every form a helpdesk may store a number in; `raw` is the number as the PBX sent it.
FORMS = ("e164", "national", "national_digits", "digits", "raw")
DEFAULT_FORMS = ("e164", "national", "national_digits", "digits")
_NON_DIGITS = re.compile(r"\D+")
_MAX_LENGTH = 64


def digits_only(text: str) -> str:
    """`'+49 (30) 123-456'` → `'4930123456'`."""
    return _NON_DIGITS.sub("", text)


@dataclass(frozen=True)
class PhoneNumber:
    """The forms of one number; `e164` is "" when the number did not parse as valid."""

    raw: str
    e164: str = ""
    national: str = ""
    national_digits: str = ""
    digits: str = ""

    @property
    def valid(self) -> bool:
        return bool(self.e164)

    @property
    def key(self) -> str:
        """The canonical form used for storing and matching: E.164, else the digits."""
        return self.e164 or self.digits

    def form(self, name: str) -> str:
        return str(getattr(self, name, "")) if name in FORMS else ""


def normalise(raw: str, region: str | None = None) -> PhoneNumber:
    """Parse `raw` in `region` (ISO 3166 alpha-2, default US); never raises."""
    return _normalise(raw, (region or DEFAULT_REGION).upper())


@functools.lru_cache(maxsize=4096)  # a caller's number is looked up again and again
def _normalise(raw: str, region: str) -> PhoneNumber:
    text = raw.strip()[:_MAX_LENGTH]
    cleaned_digits = digits_only(text)
    if not cleaned_digits:
        return PhoneNumber(raw=text)
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return PhoneNumber(raw=text, digits=cleaned_digits, national_digits=cleaned_digits)
    # Short codes like extension "1001" are "possible" numbers; only accept a number that is
    # valid, or possible and written in international form (fictional +1555 numbers).
    international = text.startswith(("+", "00"))
    ok = phonenumbers.is_valid_number(parsed) or (
        international and phonenumbers.is_possible_number(parsed)
    )
    if not ok:
        return PhoneNumber(raw=text, digits=cleaned_digits, national_digits=cleaned_digits)
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return PhoneNumber(
        raw=text,
        e164=e164,
        national=national,
        national_digits=digits_only(national),
        digits=digits_only(e164),
    )


def candidates(
    raw: str, region: str | None = None, forms: Iterable[str] = DEFAULT_FORMS
) -> list[str]:
    """The distinct, non-empty forms of `raw` in `forms` order (C7); at least the raw text
    when nothing parses, so a lookup always has something to try."""
    number = normalise(raw, region)
    seen: list[str] = []
    for name in forms:
        value = number.form(name)
        if value and value not in seen:
            seen.append(value)
    if not seen and number.raw:
        seen.append(number.raw)
    return seen
