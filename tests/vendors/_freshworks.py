"""What Freshdesk and Freshservice (both Freshworks API v2) share: API-key Basic auth with
a dummy password, the `Validation failed` error envelope, page/per_page paging with the next
URL only in a `Link` header, and 429 + `Retry-After`."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.vendors.fixture import Auth, Call, Problem, Reply, VendorFixture, link_header

__all__ = ["ApiKeyAuth", "FreshworksFixture"]


@dataclass
class ApiKeyAuth(Auth):
    """Basic with the API key as user name; the password is ignored ("X" by convention)."""

    keys: set[str]
    revoked: set[str] = field(default_factory=set)

    def check(self, headers: Mapping[str, str]) -> tuple[str, str]:
        value = headers.get("authorization", "")
        if not value.startswith("Basic "):
            return "bad", ""
        try:
            key = base64.b64decode(value[6:], validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            return "bad", ""
        if key in self.revoked:
            return "expired", key
        return ("ok", key) if key in self.keys else ("bad", "")


class FreshworksFixture(VendorFixture):
    """Error shapes and paging common to Freshdesk and Freshservice."""

    rate_header_case = "X-RateLimit"

    def __init__(self, api_key: str) -> None:
        super().__init__()
        self.api_key = api_key
        self.key_auth = ApiKeyAuth({api_key})
        self.auth = self.key_auth

    def expire_tokens(self) -> None:
        # API keys do not expire; the closest documented event is a regenerated key,
        # after which the old one gets the same 401 as a wrong key.
        self.key_auth.revoked.add(self.api_key)
        self.key_auth.keys.discard(self.api_key)

    def unauthorized(self, call: Call) -> Reply:
        return Reply(
            401,
            {
                "code": "invalid_credentials",
                "message": "You have to be logged in to perform this action.",
            },
        )

    def rate_limited(self, retry_after: int) -> Reply:
        h = self.rate_header_case
        return Reply(
            429,
            {"message": "You have exceeded the limit of requests per minute"},
            {
                "Retry-After": str(retry_after),
                f"{h}-Total": "700",
                f"{h}-Remaining": "0",
                f"{h}-Used-CurrentRequest": "1",
            },
        )

    def not_found(self, call: Call) -> Reply:
        return Reply(404, None)

    def method_not_allowed(self, call: Call, allowed: list[str]) -> Reply:
        message = f"{call.request.method} Method is not allowed. It should be one of these method(s): {', '.join(allowed)}"
        return Reply(405, {"message": message}, {"Allow": ", ".join(allowed)})

    def invalid(self, call: Call, problems: list[Problem]) -> Reply:
        codes = {"missing": "missing_field", "unknown": "invalid_field", "invalid": "invalid_value"}
        messages = {
            "missing": "It should be a/an String",
            "unknown": "Unexpected/invalid field in request",
            "invalid": "Invalid value",
        }
        errors = [
            {"field": p.field, "message": p.message or messages[p.kind], "code": codes[p.kind]}
            for p in problems
        ]
        return Reply(400, {"description": "Validation failed", "errors": errors})

    def page(self, call: Call, path: str, items: list[Any], wrap: str | None = None) -> Reply:
        """page/per_page (default 30, max 100); the next page only in a `Link` header."""
        page, per_page = call.request.param("page") or "1", call.request.param("per_page") or "30"
        if not page.isdigit() or not per_page.isdigit() or int(per_page) > 100 or int(page) < 1:
            return self.invalid(
                call,
                [
                    Problem(
                        "query",
                        "per_page",
                        "invalid",
                        "It should be a Positive Integer less than or equal to 100",
                    )
                ],
            )
        p, n = int(page), int(per_page)
        chunk = items[(p - 1) * n : p * n]
        headers = {}
        if p * n < len(items):
            query = [(k, v) for k, v in call.request.query if k != "page"] + [("page", str(p + 1))]
            headers["Link"] = link_header({"next": call.url(path, **dict(query))})
        return Reply(200, {wrap: chunk} if wrap else chunk, headers)
