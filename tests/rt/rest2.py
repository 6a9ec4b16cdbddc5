"""A small REST2 client for seeding and inspecting a test Request Tracker over httpx.

Only what the RT lane needs: create users, tickets and comments, read them back, list
users page by page and search tickets with TicketSQL. Every call checks the status RT is
known to answer with and raises `RtError` (status and RT's `message`) otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any

import httpx

__all__ = ["RtClient", "RtError"]


class RtError(Exception):
    """RT answered with an unexpected status; `message` is RT's own `{"message": ...}`."""

    def __init__(self, method: str, path: str, status: int, message: str) -> None:
        super().__init__(f"{method} {path}: HTTP {status}: {message}")
        self.status = status
        self.message = message


class RtClient:
    """REST2 calls authorised with `Authorization: token <token>`; `api` ends in `/REST/2.0`."""

    def __init__(self, api: str, token: str, *, timeout: float = 30.0) -> None:
        self.http = httpx.Client(
            base_url=api, headers={"Authorization": f"token {token}"}, timeout=timeout
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> RtClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _call(self, method: str, path: str, expect: int, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, path, **kwargs)
        if response.status_code != expect:
            try:
                message = str(response.json().get("message", response.text))
            except ValueError:
                message = response.text
            raise RtError(method, path, response.status_code, message)
        return response

    def create_user(self, name: str, **fields: Any) -> str:
        """Create a user (`Privileged=1` for an agent); returns its REST2 id, i.e. its Name."""
        body = {"Name": name, **fields}
        return str(self._call("POST", "/user", 201, json=body).json()["id"])

    def user(self, name: str) -> dict[str, Any]:
        """The full user record (`id` here is the numeric id, unlike in listings)."""
        return dict(self._call("GET", f"/user/{name}", 200).json())

    def users_page(
        self, page: int = 1, per_page: int = 100, fields: Iterable[str] = ()
    ) -> dict[str, Any]:
        """One page of `GET /users` (RT caps per_page at 100), with `fields=` if given."""
        # per_page before page: RT builds next_page by deleting `page` from the query string
        # and leaves a stray `=&` behind when `page` came first.
        params: dict[str, Any] = {"per_page": per_page, "page": page}
        if fields:
            params["fields"] = ",".join(fields)
        return dict(self._call("GET", "/users", 200, params=params).json())

    def all_users(self, fields: Iterable[str] = ()) -> list[dict[str, Any]]:
        """Every user, following `next_page` until RT stops sending it."""
        wanted = tuple(fields)
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.users_page(page, 100, wanted)
            items.extend(body["items"])
            if "next_page" not in body:
                return items
            page += 1

    def create_ticket(
        self,
        subject: str,
        *,
        queue: str = "General",
        requestor: str | None = None,
        owner: str | None = None,
        status: str | None = None,
        content: str | None = None,
        custom_fields: Mapping[str, str] | None = None,
    ) -> int:
        """Create a ticket; returns its numeric id."""
        body: dict[str, Any] = {"Queue": queue, "Subject": subject}
        optional = {"Requestor": requestor, "Owner": owner, "Status": status}
        body.update({key: value for key, value in optional.items() if value is not None})
        if content is not None:
            body.update(Content=content, ContentType="text/plain")
        if custom_fields:
            body["CustomFields"] = dict(custom_fields)
        return int(self._call("POST", "/ticket", 201, json=body).json()["id"])

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        return dict(self._call("GET", f"/ticket/{ticket_id}", 200).json())

    def comment(self, ticket_id: int, content: str) -> list[str]:
        """Add a private comment; returns RT's result messages (`["Comments added"]`)."""
        body = {"Content": content, "ContentType": "text/plain"}
        return list(self._call("POST", f"/ticket/{ticket_id}/comment", 201, json=body).json())

    def search_tickets(
        self, query: str, *, fields: Iterable[str] = (), newest_first: bool = False
    ) -> list[dict[str, Any]]:
        """The first 100 tickets matching a TicketSQL query."""
        params: dict[str, Any] = {"query": query, "per_page": 100}
        if fields:
            params["fields"] = ",".join(fields)
        if newest_first:
            params.update(orderby="id", order="DESC")
        return list(self._call("GET", "/tickets", 200, params=params).json()["items"])
