"""ServiceNow Table API fixture: Basic or OAuth bearer (`/oauth_token.do`, form-encoded only,
refresh tokens not rotated); `sys_user` listing and search with encoded queries
(`phoneLIKE…^ORmobile_phoneLIKE…`, sysparm_limit/offset, next page in a `Link` header plus
`X-Total-Count`), create user, and `incident` records (ticket and call log)."""

from __future__ import annotations

import secrets
from typing import Any

from tests.vendors.fixture import (
    AnyAuth,
    BasicAuth,
    Call,
    Endpoint,
    Problem,
    Reply,
    TokenAuth,
    TokenStore,
    VendorFixture,
    link_header,
)
from tests.vendors.people import CALLER, Person, agents, customers, national_us

__all__ = ["PASSWORD", "USER", "ServiceNowFixture"]

DOCS = "https://www.servicenow.com/docs/bundle/zurich-api-reference/page/integrate/inbound-rest/concept/c_TableAPI.html"
OAUTH_DOCS = "https://www.servicenow.com/docs/bundle/zurich-platform-security/page/administer/security/reference/r_OAuthAPIRequestParameters.html"
USER, PASSWORD = "ringdesk.integration", "s3cret"
STAMP = "2026-01-02 10:00:00"
TABLE_QUERY = dict.fromkeys(
    [
        "sysparm_query",
        "sysparm_limit",
        "sysparm_offset",
        "sysparm_fields",
        "sysparm_display_value",
        "sysparm_exclude_reference_link",
    ],
    False,
)


class ServiceNowFixture(VendorFixture):
    name = "servicenow"

    def __init__(self, *, agent_count: int = 130) -> None:
        super().__init__()
        self.tokens = TokenStore(rotate=False, access_ttl=1800)
        self.auth = AnyAuth([BasicAuth({(USER, PASSWORD)}), TokenAuth("Bearer", self.tokens)])
        self.users = [self._user(p, "", itil=True) for p in agents(agent_count)]
        self.users.append(self._user(CALLER, national_us(CALLER.e164), itil=False))
        self.users += [self._user(p, p.e164, itil=False) for p in customers(8)]
        self.incidents: list[dict[str, Any]] = []

    @staticmethod
    def _user(p: Person, phone: str, *, itil: bool) -> dict[str, Any]:
        return {
            "sys_id": secrets.token_hex(16),
            "user_name": p.email.split("@")[0],
            "first_name": p.first,
            "last_name": p.last,
            "name": p.name,
            "email": p.email,
            "phone": phone,
            "mobile_phone": "",
            "active": "true",
            "roles": "itil" if itil else "",
            "sys_created_on": STAMP,
            "sys_updated_on": STAMP,
        }

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint(
                "POST",
                "/oauth_token.do",
                self.token,
                OAUTH_DOCS,
                auth=False,
                form=True,
                body=("grant_type", "client_id", "client_secret"),
            ),
            Endpoint(
                "GET",
                "/api/now/table/sys_user",
                self.list_users,
                DOCS + "#title_table-GET",
                query=TABLE_QUERY,
            ),
            Endpoint(
                "POST",
                "/api/now/table/sys_user",
                self.create_user,
                DOCS + "#title_table-POST",
                query=TABLE_QUERY,
                body_any=(("user_name", "last_name", "email"),),
            ),
            Endpoint(
                "GET",
                "/api/now/table/incident",
                self.list_incidents,
                DOCS + "#title_table-GET",
                query=TABLE_QUERY,
            ),
            Endpoint(
                "POST",
                "/api/now/table/incident",
                self.create_incident,
                DOCS + "#title_table-POST",
                query=TABLE_QUERY,
                body=("short_description",),
            ),
        ]

    def _error(self, status: int, message: str, detail: str) -> Reply:
        return Reply(status, {"error": {"message": message, "detail": detail}, "status": "failure"})

    def unauthorized(self, call: Call) -> Reply:
        return self._error(401, "User Not Authenticated", "Required to provide Auth information")

    def expired(self, call: Call) -> Reply:
        return self._error(401, "User Not Authenticated", "Required to provide Auth information")

    def rate_limited(self, retry_after: int) -> Reply:
        # Only when an admin defines REST rate-limit rules (docs: "Rate limiting").
        return Reply(
            429,
            {
                "error": {
                    "message": "Rate limit exceeded",
                    "detail": "Too many requests from this user",
                },
                "status": "failure",
            },
            {
                "Retry-After": str(retry_after),
                "X-RateLimit-Limit": "1000",
                "X-RateLimit-Reset": "1767348060",
            },
        )

    def not_found(self, call: Call) -> Reply:
        return self._error(
            400, "Requested URI does not represent any resource", f"{call.request.path}"
        )

    def method_not_allowed(self, call: Call, allowed: list[str]) -> Reply:
        return self._error(
            405, "Method not Supported", f"{call.request.method} method not supported for API"
        )

    def invalid(self, call: Call, problems: list[Problem]) -> Reply:
        return self._error(
            400, "Invalid request", "; ".join(f"{p.field}: {p.kind}" for p in problems)
        )

    def token(self, call: Call) -> Reply:
        form = call.request.form or {}
        if form.get("grant_type") == "password" and (
            form.get("username"),
            form.get("password"),
        ) == (USER, PASSWORD):
            access, refresh = self.tokens.issue()
        elif form.get("grant_type") == "refresh_token" and (
            traded := self.tokens.use_refresh(form.get("refresh_token", ""))
        ):
            access, refresh = traded[0], form["refresh_token"]
        else:
            return Reply(401, {"error_description": "access_denied", "error": "server_error"})
        return Reply(
            200,
            {
                "access_token": access,
                "refresh_token": refresh,
                "scope": "useraccount",
                "token_type": "Bearer",
                "expires_in": self.tokens.access_ttl,
            },
        )

    def list_users(self, call: Call) -> Reply:
        return self._table(call, self.users)

    def list_incidents(self, call: Call) -> Reply:
        return self._table(call, self.incidents)

    def _table(self, call: Call, records: list[dict[str, Any]]) -> Reply:
        query = call.request.param("sysparm_query") or ""
        found = [u for u in records if _encoded_query(u, query)]
        limit = int(call.request.param("sysparm_limit") or 10000)
        offset = int(call.request.param("sysparm_offset") or 0)
        chunk = found[offset : offset + limit]
        fields = call.request.param("sysparm_fields")
        if fields:
            chunk = [{k: u[k] for k in fields.split(",") if k in u} for u in chunk]
        base = dict(call.request.query)
        links = {"first": call.url(call.request.path, **(base | {"sysparm_offset": 0}))}
        if offset + limit < len(found):
            links["next"] = call.url(
                call.request.path, **(base | {"sysparm_offset": offset + limit})
            )
        last = max(0, (len(found) - 1) // limit * limit)
        links["last"] = call.url(call.request.path, **(base | {"sysparm_offset": last}))
        return Reply(
            200, {"result": chunk}, {"Link": link_header(links), "X-Total-Count": str(len(found))}
        )

    def create_user(self, call: Call) -> Reply:
        data = call.json
        user = self._user(
            Person(
                data.get("first_name", ""), data.get("last_name", ""), data.get("email", ""), ""
            ),
            data.get("phone", ""),
            itil=False,
        )
        user.update({k: v for k, v in data.items() if isinstance(v, str)})
        self.users.append(user)
        return Reply(201, {"result": user})

    def create_incident(self, call: Call) -> Reply:
        data = call.json
        if str(data.get("state")) in {"6", "7"} and not (
            data.get("close_code") and data.get("close_notes")
        ):
            # The out-of-box data policy: resolving needs a resolution code and notes.
            return self._error(
                403,
                "Operation Failed",
                "Data Policy Exception: Resolution code and Resolution notes are mandatory",
            )
        record = {
            "sys_id": secrets.token_hex(16),
            "number": f"INC{10001 + len(self.incidents):07d}",
            "state": "1",
            "contact_type": "",
            "sys_created_on": STAMP,
            **{k: v for k, v in data.items() if isinstance(v, str | int)},
        }
        self.incidents.append(record)
        return Reply(
            201,
            {"result": record},
            {"Location": f"https://acme.service-now.com/api/now/table/incident/{record['sys_id']}"},
        )


def _encoded_query(user: dict[str, Any], query: str) -> bool:
    """Encoded-query subset: `^` ANDs, `^OR` ORs with the term before it, `=` / `!=`
    compare, `LIKE` contains (on the stored text, so `phoneLIKE5135557611` misses
    `(513) 555-7611`); `ORDERBY…` only sorts and is ignored here."""
    groups: list[list[str]] = []
    for token in query.split("^"):
        if not token or token.startswith("ORDERBY"):
            continue
        if token.startswith("OR") and groups:
            groups[-1].append(token[2:])
        else:
            groups.append([token])
    return all(any(_term(user, term) for term in group) for group in groups)


def _term(user: dict[str, Any], term: str) -> bool:
    for op in ("LIKE", "!=", "="):
        field, found, value = term.partition(op)
        if found:
            stored = str(user.get(field, ""))
            if op == "LIKE":
                return value in stored
            return (stored == value) == (op == "=")
    return False
