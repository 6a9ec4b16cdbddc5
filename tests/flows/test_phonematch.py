"""Phone matching in ringdesk (C2 `match="phone"`, C7): every stored format of the caller's
number matches, different numbers never do (table and property tests)."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ringdesk.flows.contacts import Contact
from ringdesk.flows.phonematch import matching, same_number

CALLER = "+49301234567"


@pytest.mark.parametrize(
    ("stored", "region", "expected"),
    [
        ("+49301234567", "DE", True),
        ("+49 30 1234567", "DE", True),
        ("030 1234567", "DE", True),
        ("(030) 123-4567", "DE", True),
        ("030/1234567", "DE", True),
        ("0049 30 1234567", "DE", True),
        ("0049 30 1234567", "US", True),  # 00 read as international outside 00 regions
        ("+49 (0)30 1234567", "DE", True),
        ("+49 30 1234567 ext. 12", "DE", True),
        ("+49 30 1234567 x12", "DE", True),
        ("  +49 30 12 34 567  ", "DE", True),
        ("tel:+49-30-1234567", "DE", True),
        ("030 1234567", "US", True),  # stored without country code, region set wrong
        ("+49 30 1234568", "DE", False),
        ("+49 40 1234567", "DE", False),
        ("+1 301 234 567", "DE", False),
        ("030 1234567-12", "DE", False),  # a direct-dial extension is another number
        ("1234567", "DE", False),
        ("", "DE", False),
        ("n/a", "DE", False),
    ],
    ids=[
        "e164",
        "international",
        "national",
        "national-parens",
        "national-slash",
        "double-zero",
        "double-zero-us",
        "trunk-in-parens",
        "ext-dot",
        "ext-x",
        "spaces",
        "rfc3966",
        "national-wrong-region",
        "other-subscriber",
        "other-area",
        "other-country",
        "direct-dial",
        "local-part",
        "empty",
        "text",
    ],
)
def test_stored_formats_of_the_caller_number(stored, region, expected):
    # covers C2, C7
    assert same_number(CALLER, stored, region=region) is expected


@pytest.mark.parametrize(
    ("caller", "stored", "region", "expected"),
    [
        ("030 1234567", "+49 30 1234567", "DE", True),  # the PBX sends national numbers
        ("1001", "1001", "DE", True),  # internal extensions compare by digits
        ("1001", "1002", "DE", False),
        ("+15551234567", "555-123-4567", "US", True),  # fictional 555: digits of the national form
        ("+5491112345678", "011 15-1234-5678", "AR", True),  # national form inserts `15`
        ("+39 06 1234 5678", "06 1234 5678", "IT", True),  # Italian leading zero
    ],
    ids=["national-caller", "extension", "other-extension", "fictional-555", "argentina", "italy"],
)
def test_caller_formats(caller, stored, region, expected):
    assert same_number(caller, stored, region=region) is expected


def _contact(contact_id, **fields):
    return Contact(contact_type="Users", id=contact_id, fields={"ContactId": contact_id, **fields})


def test_matching_keeps_contacts_in_order_by_any_phone_field():
    contacts = [
        _contact("1", BusinessNumber="+49 30 7654321"),
        _contact("2", MobileNumber="(030) 123-4567"),
        _contact("3", HomeNumber="0049301234567", BusinessNumber="+49 30 1111111"),
        _contact("4", Email="a@b.example"),
        _contact("5", OtherNumber="030 1234567"),
        _contact("6", BusinessFax="030 1234567"),
    ]
    found = matching(contacts, CALLER, region="DE")
    assert [c.id for c in found] == ["2", "3", "5", "6"]
    assert matching(contacts, "", region="DE") == []
    assert matching([], CALLER, region="DE") == []


# ---- properties ------------------------------------------------------------------------
_REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
_TYPES = [
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
]


@st.composite
def valid_numbers(draw):
    """A valid number of some region: an example number with its last digits changed."""
    region = draw(st.sampled_from(_REGIONS))
    example = phonenumbers.example_number_for_type(region, draw(st.sampled_from(_TYPES)))
    assume(example is not None)
    nsn = phonenumbers.national_significant_number(example)
    tail = draw(st.integers(min_value=0, max_value=999))
    digits = nsn[:-3] + f"{tail:03d}" if len(nsn) > 4 else nsn
    number = phonenumbers.parse(f"+{example.country_code}{digits}")
    assume(phonenumbers.is_valid_number(number))
    return region, number


_FORMATS = {
    "e164": lambda n: phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164),
    "international": lambda n: phonenumbers.format_number(
        n, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    ),
    "national": lambda n: phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.NATIONAL),
    "rfc3966": lambda n: phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.RFC3966),
    "double-zero": lambda n: (
        "00" + phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.INTERNATIONAL)[1:]
    ),
    "with-extension": lambda n: (
        phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.INTERNATIONAL) + " ext. 42"
    ),
}


@settings(max_examples=300, deadline=None)
@given(valid_numbers(), st.sampled_from(sorted(_FORMATS)))
def test_a_number_matches_itself_in_any_standard_format(drawn, form):
    """Whatever standard format the helpdesk stored, the caller's E.164 number finds it
    (national formats read in the number's own region)."""
    region, number = drawn
    caller = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    stored = _FORMATS[form](number)
    contact = _contact("1", MobileNumber=stored)
    assert matching([contact], caller, region=region) == [contact], (caller, stored)


@settings(max_examples=300, deadline=None)
@given(valid_numbers(), valid_numbers(), st.sampled_from(sorted(_FORMATS)))
def test_two_different_valid_numbers_never_match(first, second, form):
    region, a = first
    _, b = second
    assume(a != b)
    caller = phonenumbers.format_number(a, phonenumbers.PhoneNumberFormat.E164)
    stored = _FORMATS[form](b)
    # b's national form read in a's region could spell a itself: then it is a, not b
    assume(_reread(stored, region) != _reread(caller, region))
    assert matching([_contact("1", BusinessNumber=stored)], caller, region=region) == []


def _reread(text, region):
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number.country_code, number.national_number
