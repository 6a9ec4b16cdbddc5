"""Match contacts by phone number in ringdesk (C2 `match="phone"`), for helpdesks that cannot
filter by phone (Request Tracker's user search ignores its phone fields): the contact type
lists contacts and this module keeps the ones whose mapped phone fields hold the caller's
number, whatever format the helpdesk stored it in (pure).

Numbers are compared after `phones.normalise` in the integration's region: two valid
numbers match when their E.164 forms are equal (`+49 30 1234567`, `030 1234567`,
`(030) 123-4567`, `0049 30 1234567`, `+49 30 1234567 ext. 12` are one number in region DE);
a number written with the `00` international prefix is read as international whenever that
gives a valid number, also in regions that dial another prefix (US 011, Australia 0011).
A number that does not parse as valid (an extension, a short code) matches when its digits
equal the other number's digits in international or national form.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar

import phonenumbers

from ringdesk.phones import PhoneNumber, digits_only, normalise
from ringdesk.templates.model import NUMBER_FIELDS

__all__ = ["matching", "same_number"]


def _number(raw: str, region: str) -> PhoneNumber:
    text = raw.strip()
    if text.startswith("00"):
        # `0049 …` is international in most of the world, also where the prefix is not 00
        # (US: 011, Australia: 0011), which `normalise` would read as a national number
        international = normalise("+" + text[2:], region)
        if international.valid and _strictly_valid(international.e164):
            return international
    return normalise(raw, region)


@functools.lru_cache(maxsize=4096)  # the same stored numbers come back on every listing
def _strictly_valid(e164: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(e164))


def _digit_forms(number: PhoneNumber) -> set[str]:
    return {d for d in (number.digits, number.national_digits) if d}


def _same(caller: PhoneNumber, stored: PhoneNumber) -> bool:
    if caller.valid and stored.valid:
        return caller.e164 == stored.e164
    if caller.valid:
        return bool(stored.digits) and stored.digits in _digit_forms(caller)
    if stored.valid:
        return bool(caller.digits) and caller.digits in _digit_forms(stored)
    return bool(caller.digits) and caller.digits == stored.digits


def same_number(a: str, b: str, *, region: str) -> bool:
    """Whether `a` and `b` are the same phone number (see the module docstring)."""
    return _same(_number(a, region), _number(b, region))


def _tail(number: PhoneNumber) -> str:
    """The last digits, which every spelling of the number contains (national formats may
    add or drop digits in front and in the middle, e.g. Argentina's mobile `15`): a stored
    number without them cannot match, and is not parsed at all."""
    return number.digits[-_TAIL:]


_TAIL = 4


class _HasFields(Protocol):
    @property
    def fields(self) -> Mapping[str, str]: ...


C = TypeVar("C", bound=_HasFields)


def matching(contacts: Sequence[C], number: str, *, region: str) -> list[C]:
    """The contacts (in their order) with a mapped phone field (`templates.model.NUMBER_FIELDS`)
    that is the same number as `number`, the caller's, in `region` (ISO 3166 alpha-2)."""
    caller = _number(number, region)
    if not caller.digits:
        return []
    tail = _tail(caller)
    found: list[C] = []
    for contact in contacts:
        for name in NUMBER_FIELDS:
            stored = contact.fields.get(name, "")
            if tail not in digits_only(stored):
                continue
            if _same(caller, _number(stored, region)):
                found.append(contact)
                break
    return found
