"""TimeFormat and ToMillis over Unix seconds: every token, the UTC flag, DST edges (E1)."""

from __future__ import annotations

import calendar

import pytest

from ringdesk.expressions import ExpressionError
from ringdesk.expressions.gotemplate import render
from ringdesk.expressions.gotemplate.timeformat import format_unix, to_millis

AM = 1704164645  # 2024-01-02T03:04:05Z
PM = calendar.timegm((2024, 11, 9, 16, 7, 8))  # 2024-11-09T16:07:08Z


def unix(*parts: int) -> int:
    return calendar.timegm((*parts, 0, 0, 0)[:6])


# covers E1 — one row per token, in UTC (flag '1').
TOKENS = [
    ("yyyy", AM, "2024"),
    ("yy", AM, "24"),
    ("MM", AM, "01"),
    ("M", PM, "11"),
    ("M", AM, "1"),
    ("dd", AM, "02"),
    ("d", AM, "2"),
    ("d", PM, "9"),
    ("HH", AM, "03"),
    ("HH", PM, "16"),
    ("hh", AM, "03"),
    ("hh", PM, "04"),
    ("h", PM, "4"),
    ("h", unix(2024, 1, 2, 0, 5, 0), "12"),
    ("hh", unix(2024, 1, 2, 12, 5, 0), "12"),
    ("mm", AM, "04"),
    ("ss", AM, "05"),
    ("fff", AM, "000"),
    ("ss.000", AM, "05.000"),
    ("tt", AM, "AM"),
    ("tt", PM, "PM"),
    ("-z", AM, "+00:00"),
    ("Zz", AM, "Z"),
    ("zzz", AM, "+00:00"),
    ("z", AM, "+00:00"),
    ("T/ :-Q", AM, "T/ :-Q"),  # literals (a lone `-` is a literal dash)
    ("yyyy-MM-ddTHH:mm:ss-z", AM, "2024-01-02T03:04:05+00:00"),
    ("yyyy-MM-ddTHH:mm:ss.000Zz", AM, "2024-01-02T03:04:05.000Z"),
    ("dd/MM/yyyy hh:mm tt", PM, "09/11/2024 04:07 PM"),
    ("yyyy-MM-dd HH:mm:ss +0000", AM, "2024-01-02 03:04:05 +0000"),  # seen in PBX templates
]


@pytest.mark.parametrize(
    ("pattern", "value", "expected"), TOKENS, ids=[f"{p}@{v}" for p, v, _ in TOKENS]
)
def test_tokens_in_utc(pattern, value, expected):
    assert format_unix(value, pattern, "1", tz="Asia/Tokyo") == expected


@pytest.mark.parametrize(
    ("tz", "pattern", "expected"),
    [
        ("America/New_York", "HH:mm -z|Zz|zzz|z", "22:04 -05:00|-05:00|-05:00|-05:00"),
        ("Asia/Kolkata", "HH:mm -z|Zz", "08:34 +05:30|+05:30"),
        ("UTC", "HH:mm -z|Zz", "03:04 +00:00|Z"),
        ("America/New_York", "yyyy-MM-dd", "2024-01-01"),
    ],
)
def test_offsets_in_the_integration_time_zone(tz, pattern, expected):
    assert format_unix(AM, pattern, None, tz=tz) == expected


@pytest.mark.parametrize("flag", [None, "0", "", "true", 0])
def test_only_flag_1_means_utc(flag):
    assert format_unix(AM, "HH -z", flag, tz="Asia/Tokyo") == "12 +09:00"


def test_flag_1_as_number_means_utc():
    assert format_unix(AM, "HH -z", 1, tz="Asia/Tokyo") == "03 +00:00"


# DST edges: the instant before and after each switch, and an hour either side.
DST = [
    ("Europe/Berlin", unix(2024, 3, 31, 0, 0, 0), "01:00:00 +01:00"),
    ("Europe/Berlin", unix(2024, 3, 31, 0, 59, 59), "01:59:59 +01:00"),
    ("Europe/Berlin", unix(2024, 3, 31, 1, 0, 0), "03:00:00 +02:00"),
    ("Europe/Berlin", unix(2024, 3, 31, 2, 0, 0), "04:00:00 +02:00"),
    ("Europe/Berlin", unix(2024, 10, 26, 23, 59, 59), "01:59:59 +02:00"),
    ("Europe/Berlin", unix(2024, 10, 27, 0, 59, 59), "02:59:59 +02:00"),
    ("Europe/Berlin", unix(2024, 10, 27, 1, 0, 0), "02:00:00 +01:00"),
    ("Europe/Berlin", unix(2024, 10, 27, 2, 0, 0), "03:00:00 +01:00"),
    ("America/New_York", unix(2024, 3, 10, 6, 0, 0), "01:00:00 -05:00"),
    ("America/New_York", unix(2024, 3, 10, 6, 59, 59), "01:59:59 -05:00"),
    ("America/New_York", unix(2024, 3, 10, 7, 0, 0), "03:00:00 -04:00"),
    ("America/New_York", unix(2024, 3, 10, 8, 0, 0), "04:00:00 -04:00"),
    ("America/New_York", unix(2024, 11, 3, 4, 59, 59), "00:59:59 -04:00"),
    ("America/New_York", unix(2024, 11, 3, 5, 59, 59), "01:59:59 -04:00"),
    ("America/New_York", unix(2024, 11, 3, 6, 0, 0), "01:00:00 -05:00"),
    ("America/New_York", unix(2024, 11, 3, 7, 0, 0), "02:00:00 -05:00"),
]


@pytest.mark.parametrize(("tz", "value", "expected"), DST, ids=[f"{t}@{v}" for t, v, _ in DST])
def test_dst_edges(tz, value, expected):
    assert format_unix(value, "HH:mm:ss -z", None, tz=tz) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (AM, "03:04:05.000"),
        (str(AM), "03:04:05.000"),
        (f" {AM} ", "03:04:05.000"),
        (f"{AM}.25", "03:04:05.250"),
        (-1, "23:59:59.000"),
        (float(AM), "03:04:05.000"),
    ],
)
def test_accepts_int_numeric_string_and_fractions(value, expected):
    assert format_unix(value, "HH:mm:ss.000", "1") == expected


@pytest.mark.parametrize(
    "value", ["abc", "", None, True, "1e999999999", "-1e999999999", "1e-999999999x", "nan", 10**12]
)
def test_non_numbers_are_expression_errors(value):
    with pytest.raises(ExpressionError):
        format_unix(value, "yyyy", "1")


def test_unknown_time_zone_is_an_expression_error():
    with pytest.raises(ExpressionError, match="unknown time zone"):
        format_unix(AM, "yyyy", None, tz="Mars/Olympus")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (AM, "1704164645000"),
        (str(AM), "1704164645000"),
        ("1704164645.5", "1704164645500"),
        (0, "0"),
        (10**10, "10000000000000"),
        (1e10, "10000000000000"),
        ("-1", "-1000"),
    ],
)
def test_to_millis_is_plain_decimal(value, expected):
    assert to_millis(value) == expected


def test_functions_through_templates():
    """The spec's examples, through the template engine (single-quoted arguments)."""
    data = {"StartTimeUnix": str(AM)}
    assert render("{{TimeFormat .StartTimeUnix 'yyyy-MM-ddTHH:mm:ss-z' '1'}}", data) == (
        "2024-01-02T03:04:05+00:00"
    )
    assert render("{{TimeFormat .StartTimeUnix 'yyyy-MM-ddTHH:mm:ss.000Zz' '1'}}", data) == (
        "2024-01-02T03:04:05.000Z"
    )
    assert render('{{TimeFormat .StartTimeUnix "HH:mm"}}', data, tz="Europe/Berlin") == "04:04"
    assert render("{{ToMillis .StartTimeUnix}}", data) == "1704164645000"
