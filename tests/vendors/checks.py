"""Helpers the vendor self-tests (and later the contract tests) share: a served fixture with
an httpx client, and walkers for each paging style (Link header, next link in the body,
page numbers), each bounded so a broken fixture cannot loop forever."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from tests.vendors.fixture import VendorFixture, dig

__all__ = ["MAX_PAGES", "served", "walk", "walk_body_link", "walk_link_header", "walk_pages"]

MAX_PAGES = 50


@contextmanager
def served(fixture: VendorFixture, headers: dict[str, str] | None = None) -> Iterator[httpx.Client]:
    """The fixture on a real loopback port and a client pointed at it."""
    with (
        fixture.serve() as base_url,
        httpx.Client(base_url=base_url, headers=headers or {}, timeout=10) as client,
    ):
        yield client


def walk(
    client: httpx.Client,
    first: httpx.Request,
    next_request: Callable[[httpx.Response], httpx.Request | None],
    records: Callable[[Any], list[Any]],
) -> list[Any]:
    """Follow pages from `first` until `next_request` returns None; all records in order."""
    found: list[Any] = []
    request: httpx.Request | None = first
    for _ in range(MAX_PAGES):
        if request is None:
            return found
        response = client.send(request)
        assert response.status_code == 200, response.text
        found += records(response.json())
        request = next_request(response)
    raise AssertionError(f"paging did not stop within {MAX_PAGES} pages")


def walk_link_header(
    client: httpx.Client, path: str, params: dict[str, Any], records: Callable[[Any], list[Any]]
) -> list[Any]:
    def next_request(response: httpx.Response) -> httpx.Request | None:
        match = re.search(r'<([^>]+)>;\s*rel="next"', response.headers.get("link", ""))
        return client.build_request("GET", match.group(1)) if match else None

    return walk(client, client.build_request("GET", path, params=params), next_request, records)


def walk_body_link(
    client: httpx.Client,
    path: str,
    params: dict[str, Any],
    link_path: str,
    records: Callable[[Any], list[Any]],
) -> list[Any]:
    def next_request(response: httpx.Response) -> httpx.Request | None:
        link = dig(response.json(), link_path, None)
        return client.build_request("GET", link) if link else None

    return walk(client, client.build_request("GET", path, params=params), next_request, records)


def walk_pages(
    client: httpx.Client,
    path: str,
    params: dict[str, Any],
    records: Callable[[Any], list[Any]],
    *,
    param: str = "page",
    start: int = 1,
    step: int = 1,
) -> list[Any]:
    """Number paging: stop on an empty page or a 204."""
    found: list[Any] = []
    for i in range(MAX_PAGES):
        response = client.get(path, params={**params, param: start + i * step})
        if response.status_code == 204:
            return found
        assert response.status_code == 200, response.text
        chunk = records(response.json())
        if not chunk:
            return found
        found += chunk
    raise AssertionError(f"paging did not stop within {MAX_PAGES} pages")
