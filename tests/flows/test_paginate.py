"""Pagination planner (U2, U3): all four modes, each stop rule, and the request cap."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from ringdesk.flows.paginate import MAX_REQUESTS, Paginator, set_query_param
from ringdesk.templates.model import Pagination


def _params(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _run(spec, pages, *, url="https://h.example/users?type=active", max_requests=MAX_REQUESTS):
    """Drive the planner over `pages` (list of (count, body)); returns (urls, paginator)."""
    pager = Paginator(spec, url, max_requests=max_requests)
    urls = [pager.first()]
    index = 0
    while True:
        count, body = pages[min(index, len(pages) - 1)]
        nxt = pager.advance(count=count, body=body)
        if nxt is None:
            return urls, pager
        urls.append(nxt)
        index += 1


def test_none_is_a_single_request():
    urls, pager = _run(Pagination(type="none"), [(100, "")])
    assert urls == ["https://h.example/users?type=active"]
    assert (pager.requests, pager.capped, pager.stop_reason) == (1, False, "single")


PAGE = Pagination(type="page", page_param="p", page_start=1, page_size_param="n", page_size=2)
OFFSET = Pagination(type="offset", offset_param="o", offset_start=0, limit_param="l", limit=2)


@pytest.mark.parametrize(
    ("spec", "pages", "positions", "reason"),
    [
        (PAGE, [(2, ""), (2, ""), (0, "")], ["1", "2", "3"], "empty"),  # covers U2 empty page
        (PAGE, [(2, ""), (1, "")], ["1", "2"], "short"),  # covers U2 shorter than page size
        (OFFSET, [(2, ""), (2, ""), (0, "")], ["0", "2", "4"], "empty"),
        (OFFSET, [(2, ""), (1, "")], ["0", "2"], "short"),
    ],
    ids=["page-empty", "page-short", "offset-empty", "offset-short"],
)
def test_numbered_modes_stop_on_empty_or_short_page(spec, pages, positions, reason):
    urls, pager = _run(spec, pages)
    param = "p" if spec.type == "page" else "o"
    assert [_params(u)[param] for u in urls] == positions
    size_param = "n" if spec.type == "page" else "l"
    assert all(_params(u)[size_param] == "2" for u in urls)
    assert all(_params(u)["type"] == "active" for u in urls)  # the template's query stays
    assert pager.stop_reason == reason
    assert pager.requests == len(urls)
    assert not pager.capped


def test_page_start_and_offset_start_are_honoured():
    spec = Pagination(type="page", page_start=0, page_size=5)
    urls, _ = _run(spec, [(5, ""), (0, "")])
    assert [_params(u)["page"] for u in urls] == ["0", "1"]
    spec = Pagination(type="offset", offset_start=10, limit=5)
    urls, _ = _run(spec, [(5, ""), (0, "")])
    assert [_params(u)["offset"] for u in urls] == ["10", "15"]


def _link_body(next_link):
    return json.dumps({"users": [{"id": 1}], "links": {"next": next_link}})


@pytest.mark.parametrize(
    ("pages", "expected", "reason"),
    [
        (
            [(1, _link_body("https://h.example/users?cursor=b")), (1, _link_body(None))],
            ["https://h.example/users?type=active", "https://h.example/users?cursor=b"],
            "no_next",
        ),
        (
            [(1, _link_body("/users?cursor=b")), (1, json.dumps({"users": [{"id": 2}]}))],
            ["https://h.example/users?type=active", "https://h.example/users?cursor=b"],
            "no_next",
        ),
        (
            [(1, _link_body("https://h.example/users?cursor=b")), (0, _link_body("x"))],
            ["https://h.example/users?type=active", "https://h.example/users?cursor=b"],
            "empty",
        ),
        (
            [(1, _link_body("https://h.example/users?type=active"))],
            ["https://h.example/users?type=active"],
            "repeated",
        ),
    ],
    ids=["absolute-then-null", "relative-then-missing", "empty-page", "self-link"],
)
def test_link_mode_follows_next_until_missing(pages, expected, reason):
    spec = Pagination(type="link", next_link_path="links.next")
    urls, pager = _run(spec, pages)
    assert urls == expected
    assert pager.stop_reason == reason


@pytest.mark.parametrize("kind", ["page", "offset", "link"])
def test_cap_stops_at_100_requests_and_says_so(kind):
    """covers U3: a peer that never runs out is cut at 100 requests, reported as capped."""
    spec = Pagination(type=kind, page_size=1, limit=1, next_link_path="next")
    pager = Paginator(spec, "https://h.example/u")
    url = pager.first()
    seen = 1
    while url is not None:
        url = pager.advance(count=1, body=json.dumps({"next": f"https://h.example/u?c={seen}"}))
        seen += url is not None
    assert seen == MAX_REQUESTS == pager.requests
    assert pager.capped
    assert pager.stop_reason == "capped"


def test_exactly_at_the_cap_without_more_pages_is_not_capped():
    spec = Pagination(type="page", page_size=1)
    pager = Paginator(spec, "https://h.example/u", max_requests=3)
    pager.first()
    assert pager.advance(count=1) is not None
    assert pager.advance(count=1) is not None
    assert pager.advance(count=0) is None
    assert (pager.requests, pager.capped, pager.stop_reason) == (3, False, "empty")


def test_set_query_param_replaces_existing():
    assert set_query_param("https://h/x?a=1&page=3", "page", 4) == "https://h/x?a=1&page=4"
    assert set_query_param("https://h/x", "q", "a b") == "https://h/x?q=a+b"


# ---- cursor and link-header (C8) -------------------------------------------------------
HUBSPOT = Pagination(type="cursor", cursor_path="paging.next.after", cursor_param="after")
HUBSPOT_SIZED = HUBSPOT.model_copy(update={"page_size_param": "limit", "page_size": 100})
ZENDESK = Pagination(
    type="cursor",
    cursor_path="meta.after_cursor",
    cursor_param="page[after]",
    has_more_path="meta.has_more",
    page_size_param="page[size]",
    page_size=2,
)


def _hubspot(after):
    paging = {"next": {"after": after, "link": "ignored"}} if after is not None else {}
    return json.dumps({"results": [{"id": 1}], "paging": paging})


def _zendesk(after, has_more):
    return json.dumps({"users": [{"id": 1}], "meta": {"after_cursor": after, "has_more": has_more}})


@pytest.mark.parametrize(
    ("spec", "pages", "cursors", "reason"),
    [
        (
            HUBSPOT,
            [(1, _hubspot("MTAw")), (1, _hubspot("MjAw")), (1, _hubspot(None))],
            [None, "MTAw", "MjAw"],
            "no_next",
        ),
        (HUBSPOT, [(1, _hubspot("MTAw")), (1, _hubspot(""))], [None, "MTAw"], "no_next"),
        (
            HUBSPOT,
            [(1, _hubspot("a")), (1, _hubspot("b")), (1, _hubspot("a"))],
            [None, "a", "b"],
            "repeated",
        ),
        (HUBSPOT, [(1, _hubspot("a")), (0, _hubspot("b"))], [None, "a"], "empty"),
        (
            HUBSPOT,
            [(1, json.dumps({"paging": {"next": {"after": 200}}})), (1, "{}")],
            [None, "200"],
            "no_next",
        ),
        (ZENDESK, [(2, _zendesk("x", True)), (2, _zendesk("y", False))], [None, "x"], "no_more"),
        (ZENDESK, [(2, _zendesk("x", True)), (2, _zendesk("y", None))], [None, "x"], "no_more"),
        (
            ZENDESK,
            [(2, _zendesk("x", True)), (1, _zendesk("y", True)), (1, _zendesk(None, True))],
            [None, "x", "y"],
            "no_next",
        ),
    ],
    ids=[
        "hubspot",
        "empty-cursor",
        "repeated-cursor",
        "empty-page",
        "numeric-cursor",
        "has-more-false",
        "has-more-missing",
        "short-page-continues",
    ],
)
def test_cursor_mode_sends_the_next_cursor(spec, pages, cursors, reason):
    """covers C8: the cursor at cursorPath goes out as cursorParam until a stop signal."""
    urls, pager = _run(spec, pages)
    assert [_params(u).get(spec.cursor_param) for u in urls] == cursors
    assert pager.stop_reason == reason
    assert all(_params(u)["type"] == "active" for u in urls)


def test_cursor_mode_sends_the_page_size():
    urls, _ = _run(ZENDESK, [(2, _zendesk(None, True))])
    assert _params(urls[0])["page[size]"] == "2"
    urls, _ = _run(HUBSPOT_SIZED, [(1, _hubspot("a")), (1, _hubspot(None))])
    assert [_params(u)["limit"] for u in urls] == ["100", "100"]


def _link(url, rel="next"):
    return {"Link": f'<{url}>; rel="{rel}"'}


def _run_headers(spec, pages, *, url="https://h.example/agents?per_page=2"):
    pager = Paginator(spec, url)
    urls = [pager.first()]
    for count, headers in pages:
        nxt = pager.advance(count=count, body=b"[]", headers=headers)
        if nxt is None:
            return urls, pager
        urls.append(nxt)
    raise AssertionError("did not stop")


LINK_HEADER = Pagination(type="link-header")


@pytest.mark.parametrize(
    ("pages", "expected", "reason"),
    [
        (
            [(2, _link("https://h.example/agents?page=2")), (2, {"X-Other": "1"})],
            ["https://h.example/agents?per_page=2", "https://h.example/agents?page=2"],
            "no_next",
        ),
        (
            [
                (2, {"link": '</agents?page=2>; rel="next", </agents?page=9>; rel="last"'}),
                (1, _link("/agents?page=1", "prev")),
            ],
            ["https://h.example/agents?per_page=2", "https://h.example/agents?page=2"],
            "no_next",
        ),
        (
            [
                (2, _link("https://h.example/agents?page=2")),
                (2, _link("https://h.example/agents?per_page=2")),
            ],
            ["https://h.example/agents?per_page=2", "https://h.example/agents?page=2"],
            "repeated",
        ),
        (
            [(0, _link("https://h.example/agents?page=2"))],
            ["https://h.example/agents?per_page=2"],
            "empty",
        ),
        ([(2, None)], ["https://h.example/agents?per_page=2"], "no_next"),
    ],
    ids=["absolute", "relative-several-links", "cycle", "empty-page", "no-headers"],
)
def test_link_header_mode_follows_rel_next(pages, expected, reason):
    """covers C8: RFC 8288 `Link: <…>; rel="next"` in the response headers (Freshdesk)."""
    urls, pager = _run_headers(LINK_HEADER, pages)
    assert urls == expected
    assert pager.stop_reason == reason


@pytest.mark.parametrize("kind", ["cursor", "link-header"])
def test_new_modes_are_capped_too(kind):
    """covers U3: the 100-request cap holds for cursor and link-header paging."""
    spec = Pagination(type=kind, cursor_path="next", cursor_param="c")
    pager = Paginator(spec, "https://h.example/u")
    url = pager.first()
    seen = 1
    while url is not None:
        url = pager.advance(
            count=1,
            body=json.dumps({"next": f"c{seen}"}),
            headers={"Link": f'<https://h.example/u?p={seen}>; rel="next"'},
        )
        seen += url is not None
    assert seen == MAX_REQUESTS == pager.requests
    assert pager.stop_reason == "capped"


def test_advance_keeps_its_old_keyword_call():
    """Callers that pass only count and body (users.py, phonebook.py) keep working."""
    pager = Paginator(Pagination(type="link", next_link_path="n"), "https://h/x")
    pager.first()
    assert pager.advance(count=1, body='{"n": "https://h/y"}') == "https://h/y"
    assert pager.advance(count=1) is None
