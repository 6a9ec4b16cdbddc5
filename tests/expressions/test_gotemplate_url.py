"""URL escaping by position: a value cannot leave the part of the URL it was written into (E2)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringdesk.expressions import ExpressionError
from ringdesk.expressions.gotemplate import SafeURL, render

BASE = SafeURL("https://helpdesk.test/api")


def url(template: str, **data: object) -> str:
    return render(template, data, escape="url")


# covers E2: (id, template, data, rendered URL)
CASES = [
    # the reported attacks: a caller number climbing out of its segment
    (
        "caller number in the path",
        "{{.base_url}}/calls/{{.Call_From}}/{{.Call_From_Name}}",
        {"base_url": BASE, "Call_From": "../../../admin/delete-everything", "Call_From_Name": ".."},
        "https://helpdesk.test/api/calls/..%2F..%2F..%2Fadmin%2Fdelete-everything/%2E%2E",
    ),
    (
        "path value with slashes",
        "https://h/api/v2/people/{{.X}}/notes",
        {"X": "../../admin"},
        "https://h/api/v2/people/..%2F..%2Fadmin/notes",
    ),
    # a value in a path is one segment
    ("dot segment", "https://h/p/{{.x}}/n", {"x": "."}, "https://h/p/%2E/n"),
    ("dot dot segment", "https://h/p/{{.x}}/n", {"x": ".."}, "https://h/p/%2E%2E/n"),
    ("dot dot at the end", "https://h/p/{{.x}}", {"x": ".."}, "https://h/p/%2E%2E"),
    ("three dots are a name", "https://h/p/{{.x}}/n", {"x": "..."}, "https://h/p/.../n"),
    ("dots in a name", "https://h/p/{{.x}}/n", {"x": "a..b"}, "https://h/p/a..b/n"),
    (
        "dots from two values",
        "https://h/p/{{.a}}{{.b}}/n",
        {"a": ".", "b": "."},
        "https://h/p/%2E%2E/n",
    ),
    ("dot after text", "https://h/p/v{{.x}}/n", {"x": ".."}, "https://h/p/v../n"),
    ("encoded slash", "https://h/p/{{.x}}", {"x": "a%2fb"}, "https://h/p/a%252fb"),
    ("query and fragment signs", "https://h/p/{{.x}}", {"x": "a?b#c"}, "https://h/p/a%3Fb%23c"),
    ("backslash and semicolon", "https://h/p/{{.x}}", {"x": "a\\b;c"}, "https://h/p/a%5Cb%3Bc"),
    ("pchar kept", "https://h/p/{{.x}}", {"x": "a:b@c+d=e"}, "https://h/p/a:b@c+d=e"),
    ("unicode", "https://h/p/{{.x}}", {"x": "Müller ☎"}, "https://h/p/M%C3%BCller%20%E2%98%8E"),
    ("empty value", "https://h/p/{{.x}}/n", {"x": ""}, "https://h/p//n"),
    ("relative path", "/api/{{.x}}", {"x": "../a"}, "/api/..%2Fa"),
    (
        "after a trusted base",
        "{{.b}}/people/{{.x}}",
        {"b": BASE, "x": "1/2"},
        "https://helpdesk.test/api/people/1%2F2",
    ),
    ("mailto", "mailto:{{.e}}", {"e": "a@b.test"}, "mailto:a@b.test"),
    # a plain value at the start cannot pick the scheme, host or path
    ("plain base", "{{.u}}/x", {"u": "https://evil.test"}, "https%3A%2F%2Fevil.test/x"),
    ("plain scheme", "{{.u}}", {"u": "javascript:alert(1)"}, "javascript%3Aalert(1)"),
    ("plain network path", "{{.u}}/x", {"u": "//evil.test"}, "%2F%2Fevil.test/x"),
    ("plain user info", "{{.u}}", {"u": "user@evil.test"}, "user%40evil.test"),
    ("plain scheme word", "{{.s}}://h.test/", {"s": "https"}, "https://h.test/"),
    ("plain dots at the start", "{{.u}}/x", {"u": ".."}, "%2E%2E/x"),
    (
        "printf makes it plain",
        '{{printf "%s" .b}}/x',
        {"b": BASE},
        "https%3A%2F%2Fhelpdesk.test%2Fapi/x",
    ),
    # hosts
    ("host", "https://{{.sub}}.zendesk.test/api", {"sub": "acme"}, "https://acme.zendesk.test/api"),
    (
        "host with a port",
        "https://{{.h}}/api",
        {"h": "pbx.local:8443"},
        "https://pbx.local:8443/api",
    ),
    (
        "host cannot add a path",
        "https://{{.sub}}.x.test/",
        {"sub": "evil.test/x?"},
        "https://evil.test%2Fx%3F.x.test/",
    ),
    (
        "host cannot add user info",
        "https://{{.h}}/",
        {"h": "good.test@evil.test"},
        "https://good.test%40evil.test/",
    ),
    # queries and fragments
    (
        "query value",
        "https://h/p?q={{.v}}&r=1",
        {"v": "a&b=c+d/e"},
        "https://h/p?q=a%26b%3Dc%2Bd%2Fe&r=1",
    ),
    ("fragment value", "https://h/p#{{.v}}", {"v": "a b#c"}, "https://h/p#a%20b%23c"),
    (
        "trusted URL as a query value",
        "https://h/cb?next={{.b}}",
        {"b": BASE},
        "https://h/cb?next=https%3A%2F%2Fhelpdesk.test%2Fapi",
    ),
    (
        "query opened by a trusted base",
        "{{.b}}&q={{.v}}",
        {"b": SafeURL("https://x.test/?t=1"), "v": "a/b"},
        "https://x.test/?t=1&q=a%2Fb",
    ),
    ("query only", "?a={{.a}}&b={{.b}}", {"a": "1 2", "b": "x/y"}, "?a=1%202&b=x%2Fy"),
    # UrlEncode output is inserted once, not twice; it still cannot be a dot segment
    (
        "UrlEncode in a query",
        "https://h/?q={{UrlEncode .v}}",
        {"v": "a b!"},
        "https://h/?q=a%20b%21",
    ),
    ("UrlEncode in a path", "https://h/p/{{UrlEncode .v}}", {"v": "a/b"}, "https://h/p/a%2Fb"),
    ("UrlEncode dot dot", "https://h/p/{{UrlEncode .v}}/n", {"v": ".."}, "https://h/p/%2E%2E/n"),
    # RawPath keeps the slashes of a path the author means as a path
    (
        "RawPath",
        "{{.b}}/files/{{RawPath .p}}",
        {"b": BASE, "p": "a/b c/%41"},
        "https://helpdesk.test/api/files/a/b%20c/%41",
    ),
    (
        "RawPath dot segments",
        "https://h/files/{{RawPath .p}}",
        {"p": "../../etc/./x"},
        "https://h/files/%2E%2E/%2E%2E/etc/%2E/x",
    ),
    (
        "RawPath query and fragment",
        "https://h/f/{{RawPath .p}}",
        {"p": "a?b#c"},
        "https://h/f/a%3Fb%23c",
    ),
    (
        "RawPath stray percent",
        "https://h/f/{{RawPath .p}}",
        {"p": "100%/5%zz"},
        "https://h/f/100%25/5%25zz",
    ),
    (
        "RawPath backslash",
        "https://h/f/{{RawPath .p}}",
        {"p": "a\\..\\b"},
        "https://h/f/a%5C..%5Cb",
    ),
    ("RawPath at the start", "{{RawPath .p}}", {"p": "//evil.test/x"}, "/%2Fevil.test/x"),
    ("RawPath after a slash", "/{{RawPath .p}}", {"p": "/evil.test/x"}, "/%2Fevil.test/x"),
    ("RawPath scheme", "{{RawPath .p}}", {"p": "javascript:x/y"}, "javascript%3Ax/y"),
    ("RawPath completing a scheme", "java{{RawPath .p}}", {"p": "script:x/y"}, "javascript%3Ax/y"),
    ("RawPath in a query", "https://h/?p={{RawPath .p}}", {"p": "a/b c"}, "https://h/?p=a%2Fb%20c"),
    ("RawPath in a host", "https://{{RawPath .p}}/x", {"p": "evil.test"}, "https://evil.test/x"),
    (
        "RawPath starting a path",
        "https://h.test{{RawPath .p}}",
        {"p": "/a/b"},
        "https://h.test/a/b",
    ),
]


@pytest.mark.parametrize(
    ("template", "data", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_values_are_escaped_for_where_they_land(template, data, expected):
    assert render(template, data, escape="url") == expected


@pytest.mark.parametrize(
    ("template", "value", "rendered"),
    [
        ("/{{.x}}/notes", "", None),
        ("/{{.x}}{{.y}}/notes", "", None),
        ("/{{.x}}", "", "/"),
        ("/{{.x}}?q=1", "", "/?q=1"),
        ("/{{.x}}x/notes", "", "/x/notes"),
        ("https://h/{{.x}}/notes", "", "https://h//notes"),
        ("/{{.x}}/notes", "n", "/n/notes"),
    ],
)
def test_an_empty_value_cannot_make_a_relative_url_start_with_two_slashes(
    template, value, rendered
):
    """`//notes` would be a host named notes: refused, with the line and column."""
    if rendered is None:
        with pytest.raises(ExpressionError, match=r"line 1, column \d+: .*start with //"):
            url(template, x=value, y="")
    else:
        assert url(template, x=value, y="") == rendered


def test_httpx_sends_the_path_the_template_wrote():
    """httpx removes dot segments; after escaping there are none left for it to remove."""
    rendered = url(
        "{{.base_url}}/calls/{{.a}}/{{.b}}",
        base_url=BASE,
        a="../../../admin/delete-everything",
        b="..",
    )
    request = httpx.Request("POST", rendered)
    assert request.url.raw_path == b"/api/calls/..%2F..%2F..%2Fadmin%2Fdelete-everything/%2E%2E"


def test_other_modes_are_unchanged_by_trust_markers():
    assert render("{{.b}}/{{RawPath .p}}", {"b": BASE, "p": "a b/.."}) == (
        "https://helpdesk.test/api/a%20b/%2E%2E"
    )
    assert (
        render('{"u":"{{.b}}"}', {"b": BASE}, escape="json") == '{"u":"https://helpdesk.test/api"}'
    )


# -- properties ----------------------------------------------------------------------------------
# arbitrary text, with the characters that matter for paths over-represented
VALUES = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(list("/.%?#\\;@:")),
    max_size=12,
) | st.sampled_from([".", "..", "...", "%2f", "%2e%2e", "../..", "/", "", "a/../b"])


def _segments(rendered: str) -> list[str]:
    return urlsplit(rendered).path.split("/")


@given(a=VALUES, b=VALUES)
def test_the_path_keeps_the_templates_segments(a, b):
    """Whatever the values, the path has exactly the template's segments, and decoding each
    gives the value back; the query and fragment stay empty."""
    rendered = url("https://h.test/api/{{.a}}/x/{{.b}}", a=a, b=b)
    parts = urlsplit(rendered)
    assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("https", "h.test", "", "")
    segments = _segments(rendered)
    assert len(segments) == 5
    assert segments[:2] == ["", "api"]
    assert segments[3] == "x"
    assert unquote(segments[2], errors="strict") == a
    assert unquote(segments[4], errors="strict") == b
    assert "." not in (segments[2], segments[4])
    assert ".." not in (segments[2], segments[4])


@given(a=VALUES, b=VALUES)
def test_segments_survive_a_trusted_base_and_httpx(a, b):
    rendered = url("{{.base}}/people/{{.a}}{{.b}}/notes", base=BASE, a=a, b=b)
    raw = httpx.URL(rendered).raw_path.decode("ascii")
    assert raw == urlsplit(rendered).path  # httpx normalised nothing away
    segments = raw.split("/")
    assert segments[:3] == ["", "api", "people"]
    assert segments[4:] == ["notes"]
    assert unquote(segments[3], errors="strict") == a + b


@given(value=VALUES, raw=st.booleans(), lead=st.sampled_from(["", "a", "/"]))
def test_a_value_at_the_start_cannot_pick_scheme_or_host(value, raw, lead):
    """Neither a plain value nor a RawPath one at the start makes a scheme or a host."""
    action = "{{RawPath .u}}" if raw else "{{.u}}"
    if (lead == "/" and not value) or (raw and not lead and value == "/"):
        with pytest.raises(ExpressionError, match="start with //"):
            url(lead + action + "/x?y=1", u=value)
        return
    parts = urlsplit(url(lead + action + "/x?y=1", u=value))
    assert (parts.scheme, parts.netloc, parts.query) == ("", "", "y=1")
    assert parts.path.endswith("/x")


@given(value=VALUES)
def test_a_host_value_cannot_leave_the_host(value):
    parts = urlsplit(url("https://{{.h}}.x.test/p?q=1#f", h=value))
    assert (parts.path, parts.query, parts.fragment) == ("/p", "q=1", "f")
    assert parts.netloc.endswith(".x.test")
    assert "@" not in parts.netloc


@given(value=VALUES)
def test_raw_path_keeps_segments_but_never_a_query_or_a_dot_segment(value):
    rendered = url("https://h.test/files/{{RawPath .p}}", p=value)
    parts = urlsplit(rendered)
    assert (parts.netloc, parts.query, parts.fragment) == ("h.test", "", "")
    segments = parts.path.split("/")[2:]
    assert len(segments) == value.count("/") + 1
    assert "." not in segments
    assert ".." not in segments
    for segment, original in zip(segments, value.split("/"), strict=True):
        if "%" not in original:  # valid escapes the author wrote stay as written
            assert unquote(segment, errors="strict") == original
