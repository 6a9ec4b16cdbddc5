"""Phone normalisation and lookup candidate forms (C7)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringdesk.integrations.options import effective_options
from ringdesk.phones import (
    DEFAULT_FORMS,
    candidates,
    digits_only,
    normalise,
)
from ringdesk.templates.model import Template

# covers C7: several countries, each written in international, national and odd forms.
NORMALISE = [
    ("+49 30 123456", "DE", "+4930123456", "030 123456", "030123456", "4930123456"),
    ("030 123456", "DE", "+4930123456", "030 123456", "030123456", "4930123456"),
    ("0049 30 123456", "DE", "+4930123456", "030 123456", "030123456", "4930123456"),
    ("(202) 555-0123", "US", "+12025550123", "(202) 555-0123", "2025550123", "12025550123"),
    ("+1 202 555 0123", "DE", "+12025550123", "(202) 555-0123", "2025550123", "12025550123"),
    ("020 7946 0958", "GB", "+442079460958", "020 7946 0958", "02079460958", "442079460958"),
    ("01 42 68 53 00", "FR", "+33142685300", "01 42 68 53 00", "0142685300", "33142685300"),
    ("+86 138 0013 8000", None, "+8613800138000", "138 0013 8000", "13800138000", "8613800138000"),
]


@pytest.mark.parametrize(
    ("raw", "region", "e164", "national", "national_digits", "digits"),
    NORMALISE,
    ids=[f"{r[1]}:{r[0]}" for r in NORMALISE],
)
def test_normalise_gives_every_form(raw, region, e164, national, national_digits, digits):
    number = normalise(raw, region)
    assert number.valid
    assert (number.e164, number.national, number.national_digits, number.digits) == (
        e164,
        national,
        national_digits,
        digits,
    )
    assert number.key == e164


@pytest.mark.parametrize(
    ("raw", "region", "key"),
    [("1001", "DE", "1001"), ("555-0100", "US", "5550100"), ("*97", "US", "97")],
    ids=["extension", "short-us", "service-code"],
)
def test_short_numbers_keep_their_digits(raw, region, key):
    number = normalise(raw, region)
    assert not number.valid
    assert number.key == key


def test_garbage_and_empty_never_raise():
    assert normalise("").key == ""
    assert normalise("abc").key == ""
    assert candidates("abc") == ["abc"]
    assert candidates("") == []


@pytest.mark.parametrize(
    ("raw", "region", "forms", "expected"),
    [
        (
            "+49 30 123456",
            "DE",
            DEFAULT_FORMS,
            ["+4930123456", "030 123456", "030123456", "4930123456"],
        ),
        ("030123456", "DE", ("digits", "e164"), ["4930123456", "+4930123456"]),
        ("030123456", "DE", ("raw", "national_digits"), ["030123456"]),  # duplicates dropped
        ("1001", "DE", DEFAULT_FORMS, ["1001"]),
    ],
    ids=["default-order", "template-order", "dedupe", "unparsed"],
)
def test_candidates_are_ordered_and_distinct(raw, region, forms, expected):
    assert candidates(raw, region, forms) == expected


@pytest.mark.parametrize(
    ("options", "region", "forms"),
    [
        ({}, "US", DEFAULT_FORMS),
        ({"default_region": "de", "phone_forms": ["digits", "nope"]}, "DE", ("digits",)),
        ({"default_region": "Germany", "phone_forms": "e164"}, "US", DEFAULT_FORMS),
    ],
    ids=["defaults", "chosen", "invalid-ignored"],
)
def test_options_choose_region_and_forms(options, region, forms):
    effective = effective_options(Template(), options)
    assert effective.region == region
    assert (effective.phone_forms or DEFAULT_FORMS) == forms


@given(st.text(max_size=40), st.sampled_from(["US", "DE", "GB", "FR", "XX"]))
def test_normalise_is_total_and_digits_only(raw, region):
    number = normalise(raw, region)
    assert number.digits == digits_only(number.digits)
    assert not number.e164 or number.e164.startswith("+")
