"""RFC 8288 `Link` header parsing (C8 link-header paging): the RFC's examples, GitHub's and
Freshdesk's shapes, and malformed input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringdesk.flows.linkheader import Link, find_link, parse_link_header

GITHUB = (
    '<https://api.github.com/repositories/1300192/issues?page=2>; rel="prev", '
    '<https://api.github.com/repositories/1300192/issues?page=4>; rel="next", '
    '<https://api.github.com/repositories/1300192/issues?page=515>; rel="last", '
    '<https://api.github.com/repositories/1300192/issues?page=1>; rel="first"'
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # RFC 8288 §3.5 examples
        (
            '<http://example.com/TheBook/chapter2>; rel="previous"; title="previous chapter"',
            [Link("http://example.com/TheBook/chapter2", ("previous",))],
        ),
        ('</>; rel="http://example.net/foo"', [Link("/", ("http://example.net/foo",))]),
        ('</terms>; rel="copyright"; anchor="#foo"', [Link("/terms", ("copyright",))]),
        (
            "</TheBook/chapter2>; rel=\"previous\"; title*=UTF-8'de'letztes%20Kapitel, "
            "</TheBook/chapter4>; rel=\"next\"; title*=UTF-8'de'n%c3%a4chstes%20Kapitel",
            [Link("/TheBook/chapter2", ("previous",)), Link("/TheBook/chapter4", ("next",))],
        ),
        (
            '<http://example.org/>; rel="start http://example.net/relation/other"',
            [Link("http://example.org/", ("start", "http://example.net/relation/other"))],
        ),
        # the shapes helpdesks send
        (
            '<https://acme.freshdesk.com/api/v2/agents?page=2&per_page=100>;rel="next"',
            [Link("https://acme.freshdesk.com/api/v2/agents?page=2&per_page=100", ("next",))],
        ),
        ("<https://h/x?a=1,2>; rel=next", [Link("https://h/x?a=1,2", ("next",))]),
        ('<https://h/x>; rel="NEXT Last"', [Link("https://h/x", ("next", "last"))]),
        ('<https://h/x>; title="a, b; c"; rel=next', [Link("https://h/x", ("next",))]),
        ('<https://h/x>; rel="next"; rel="prev"', [Link("https://h/x", ("next",))]),
        ("<https://h/x>", [Link("https://h/x", ())]),
        # malformed: skipped, never an exception
        ("garbage, <https://h/y>; rel=next", [Link("https://h/y", ("next",))]),
        ("<https://h/unclosed; rel=next", []),
        ("", []),
    ],
    ids=[
        "rfc-title",
        "rfc-extension-rel",
        "rfc-anchor",
        "rfc-two-links-ext-values",
        "rfc-several-rels",
        "freshdesk-no-space",
        "comma-inside-target",
        "case-and-several",
        "comma-in-quoted-param",
        "first-rel-wins",
        "no-params",
        "junk-before",
        "unclosed-target",
        "empty",
    ],
)
def test_parse_link_header(header, expected):
    links = parse_link_header(header)
    assert [(link.target, link.rels) for link in links] == [(e.target, e.rels) for e in expected]


def test_github_header_gives_every_relation():
    links = parse_link_header(GITHUB)
    assert [link.rels for link in links] == [("prev",), ("next",), ("last",), ("first",)]
    assert links[0].params["rel"] == "prev"


@pytest.mark.parametrize(
    ("headers", "base", "expected"),
    [
        (
            {"Link": GITHUB},
            "https://x/",
            "https://api.github.com/repositories/1300192/issues?page=4",
        ),
        (
            {"link": '</api/v2/agents?page=3>; rel="next"'},
            "https://a.freshdesk.com/api/v2/agents?page=2",
            "https://a.freshdesk.com/api/v2/agents?page=3",
        ),
        ({"LINK": '<?page=3>; rel="next"'}, "https://h/list?page=2", "https://h/list?page=3"),
        ({"Link": '<https://h/p1>; rel="prev"'}, "https://h/", ""),
        ({}, "https://h/", ""),
        (None, "https://h/", ""),
    ],
    ids=["github", "relative-path", "relative-query", "no-next", "no-header", "none"],
)
def test_find_link_resolves_against_the_current_url(headers, base, expected):
    assert find_link(headers, "next", base) == expected


@given(st.text(max_size=200))
def test_parser_never_raises(text):
    """Any header value parses to a list (a peer's junk never stops a sync with a traceback)."""
    assert isinstance(parse_link_header(text), list)


_TARGET = st.from_regex(r"https://h\.example/[a-z0-9/?=&,;%]{0,20}", fullmatch=True)
_REL = st.from_regex(r"[a-z][a-z0-9.-]{0,8}", fullmatch=True)


@given(st.lists(st.tuples(_TARGET, st.lists(_REL, min_size=1, max_size=3), st.booleans())))
def test_formatted_links_parse_back(links):
    """Links written the ways peers write them (quoted or bare rel, commas and semicolons in
    targets) come back with their targets and relation types."""
    parts = []
    for target, rels, quoted in links:
        rel = f'"{" ".join(rels)}"' if quoted or len(rels) > 1 else rels[0]
        parts.append(f"<{target}>; rel={rel}")
    parsed = parse_link_header(", ".join(parts))
    assert [(link.target, link.rels) for link in parsed] == [(t, tuple(r)) for t, r, _ in links]
