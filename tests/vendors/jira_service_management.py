"""Jira Service Management Cloud fixture: Basic `email:api_token` at the site, or OAuth 2.0
(3LO) bearer under `/ex/jira/{cloudId}` with rotating refresh tokens; agents as members of
the JSM group (startAt/maxResults, `nextPage`, `isLast`), customers per service desk (name or
email only: JSM customers have no phone field), create customer, requests and comments."""

from __future__ import annotations

import re
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
)
from tests.vendors.openapi import VendorSpec
from tests.vendors.people import CALLER, Person, agents, customers

__all__ = ["API_TOKEN", "CLOUD_ID", "EMAIL", "JiraServiceManagementFixture"]

DOCS = "https://developer.atlassian.com/cloud/jira/service-desk/rest"
PLATFORM = "https://developer.atlassian.com/cloud/jira/platform/rest/v3"
EMAIL, API_TOKEN = "agent@acme.example", "atl-api-token-xyz"
CLOUD_ID = "11223344-a1b2-3b33-c444-def123456789"
AGENT_GROUP = "jira-servicemanagement-users-acme"
AGENT_GROUP_ID = "276f955c-63d7-42c8-9520-92d01dca0625"
# The custom text field a JSM admin adds so callers can be found by phone (JSM customers
# have none); its id differs per site.
CALLER_PHONE_FIELD = "customfield_10050"


class JiraServiceManagementFixture(VendorFixture):
    name = "jira_service_management"
    # The same API is served at the site (Basic) and, for OAuth apps, through the gateway.
    path_prefixes = ("", f"/ex/jira/{CLOUD_ID}")

    def __init__(self, *, agent_count: int = 120, openapi: bool = True) -> None:
        super().__init__()
        # https://developer.atlassian.com/cloud/oauth/getting-started/refresh-tokens/: rotating.
        self.tokens = TokenStore(rotate=True, access_ttl=3600)
        self.auth = AnyAuth([BasicAuth({(EMAIL, API_TOKEN)}), TokenAuth("Bearer", self.tokens)])
        self.agents = [
            self._account(f"5b10a2844c20165700ede{i:03d}", p, "atlassian")
            for i, p in enumerate(agents(agent_count))
        ]
        self.customers = [self._account("qm:1a2b3c:caller", CALLER, "customer")]
        self.customers += [
            self._account(f"qm:1a2b3c:{i:04d}", p, "customer") for i, p in enumerate(customers(8))
        ]
        self.requests_created: list[dict[str, Any]] = []
        self.spec = VendorSpec.load("jira_service_management") if openapi else None
        self.issues = [self._issue("SD-1", self.customers[0], "+15135557611")]
        self.comments: list[dict[str, Any]] = []

    @staticmethod
    def _account(account_id: str, p: Person, kind: str) -> dict[str, Any]:
        return {
            "accountId": account_id,
            "accountType": kind,
            "emailAddress": p.email,
            "displayName": p.name,
            "active": True,
            "timeZone": "America/New_York",
            "_links": {
                "self": f"https://acme.atlassian.net/rest/api/3/user?accountId={account_id}"
            },
        }

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint(
                "POST",
                "/oauth/token",
                self.token,
                "https://developer.atlassian.com/cloud/oauth/getting-started/refresh-tokens/",
                auth=False,
                raw_body=True,
                described=False,  # auth.atlassian.com, outside the REST description
            ),
            Endpoint(
                "GET",
                "/oauth/token/accessible-resources",
                self.resources,
                "https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/#3-1-get-the-cloudid-for-your-site",
                described=False,  # api.atlassian.com, outside the REST description
            ),
            Endpoint(
                "GET",
                "/rest/api/3/groups/picker",
                self.group_picker,
                f"{PLATFORM}/api-group-groups/#api-rest-api-3-groups-picker-get",
                query={"query": False, "maxResults": False, "exclude": False},
            ),
            Endpoint(
                "POST",
                "/rest/api/3/search/jql",
                self.search_jql,
                f"{PLATFORM}/api-group-issue-search/#api-rest-api-3-search-jql-post",
                body=("jql",),
            ),
            Endpoint(
                "GET",
                "/rest/api/3/search/jql",
                self.search_jql_get,
                f"{PLATFORM}/api-group-issue-search/#api-rest-api-3-search-jql-get",
                query={
                    "jql": True,
                    "fields": False,
                    "maxResults": False,
                    "nextPageToken": False,
                    "expand": False,
                },
            ),
            Endpoint(
                "GET",
                "/rest/api/3/field",
                self.list_fields,
                f"{PLATFORM}/api-group-issue-fields/#api-rest-api-3-field-get",
            ),
            Endpoint(
                "GET",
                "/rest/api/3/group/member",
                self.group_members,
                f"{PLATFORM}/api-group-groups/#api-rest-api-3-group-member-get",
                query={
                    "groupname": False,
                    "groupId": False,
                    "startAt": False,
                    "maxResults": False,
                    "includeInactiveUsers": False,
                },
            ),
            Endpoint(
                "GET",
                "/rest/servicedeskapi/servicedesk/{id}/customer",
                self.list_customers,
                f"{DOCS}/api-group-servicedesk/#api-rest-servicedeskapi-servicedesk-servicedeskid-customer-get",
                query={"query": False, "start": False, "limit": False, "accountId": False},
                headers=("x-experimentalapi",),
            ),
            Endpoint(
                "POST",
                "/rest/servicedeskapi/customer",
                self.create_customer,
                f"{DOCS}/api-group-customer/#api-rest-servicedeskapi-customer-post",
                body=("email", "displayName"),
            ),
            Endpoint(
                "POST",
                "/rest/servicedeskapi/request",
                self.create_request,
                f"{DOCS}/api-group-request/#api-rest-servicedeskapi-request-post",
                body=("serviceDeskId", "requestTypeId", "requestFieldValues.summary"),
            ),
            Endpoint(
                "POST",
                "/rest/servicedeskapi/request/{key}/comment",
                self.add_comment,
                f"{DOCS}/api-group-request/#api-rest-servicedeskapi-request-issueidorkey-comment-post",
                body=("body",),
            ),
        ]

    def check_headers(self, call: Call, endpoint: Endpoint) -> Reply | None:
        through_gateway = call.request.path.startswith("/ex/jira/")
        bearer = call.request.headers.get("authorization", "").startswith("Bearer ")
        if endpoint.path.startswith("/rest/") and bearer != through_gateway:
            # OAuth tokens are only honoured through api.atlassian.com/ex/jira/{cloudId}.
            return self.unauthorized(call)
        if (
            "x-experimentalapi" in endpoint.headers
            and call.request.headers.get("x-experimentalapi") != "opt-in"
        ):
            return Reply(
                400,
                {
                    "errorMessage": "This is an experimental API. To use it, set the header 'X-ExperimentalApi: opt-in'.",
                    "i18nErrorMessage": {
                        "i18nKey": "sd.api.experimental.required",
                        "parameters": [],
                    },
                },
            )
        return None

    def unauthorized(self, call: Call) -> Reply:
        return Reply(
            401,
            text="Client must be authenticated to access this resource.",
            content_type="text/plain",
        )

    def expired(self, call: Call) -> Reply:
        return Reply(401, {"code": 401, "message": "Unauthorized"})

    def rate_limited(self, retry_after: int) -> Reply:
        # https://developer.atlassian.com/cloud/jira/platform/rate-limiting/
        return Reply(
            429,
            {"errorMessages": ["Rate limit exceeded."], "errors": {}},
            {
                "Retry-After": str(retry_after),
                "X-RateLimit-Reset": "2026-01-02T10:01Z",
                "RateLimit-Reason": "jira-quota-based",
            },
        )

    def not_found(self, call: Call) -> Reply:
        return Reply(404, {"errorMessages": ["null for uri: " + call.request.path], "errors": {}})

    def method_not_allowed(self, call: Call, allowed: list[str]) -> Reply:
        return Reply(405, None, {"Allow": ", ".join(allowed)})

    def invalid(self, call: Call, problems: list[Problem]) -> Reply:
        if call.request.path.find("/servicedeskapi/") >= 0:
            message = "; ".join(f"{p.field}: {p.kind}" for p in problems)
            return Reply(
                400,
                {
                    "errorMessage": message,
                    "i18nErrorMessage": {"i18nKey": "sd.validation.error", "parameters": []},
                },
            )
        return Reply(
            400, {"errorMessages": [f"{p.field}: {p.kind}" for p in problems], "errors": {}}
        )

    # handlers --------------------------------------------------------------------------------
    def token(self, call: Call) -> Reply:
        data = call.json if isinstance(call.json, dict) else dict(call.request.form or {})
        if data.get("grant_type") == "authorization_code" and data.get("code"):
            access, refresh = self.tokens.issue()
        elif data.get("grant_type") == "refresh_token" and (
            traded := self.tokens.use_refresh(str(data.get("refresh_token")))
        ):
            access, refresh = traded[0], traded[1] or ""
        else:
            # Parallel refreshers with a rotated token get this (403, per the nango write-up ≈).
            return Reply(
                403,
                {
                    "error": "invalid_grant",
                    "error_description": "Unknown or invalid refresh token.",
                },
            )
        return Reply(
            200,
            {
                "access_token": access,
                "refresh_token": refresh,
                "expires_in": self.tokens.access_ttl,
                "scope": "read:jira-user read:servicedesk-request write:servicedesk-request offline_access",
                "token_type": "Bearer",
            },
        )

    @staticmethod
    def _issue(key: str, reporter: dict[str, Any], phone: str) -> dict[str, Any]:
        fields = {
            "summary": "Earlier call",
            "reporter": {k: reporter[k] for k in ("accountId", "displayName", "emailAddress")},
        }
        return {
            "id": str(10000 + int(key.split("-")[1])),
            "key": key,
            "fields": fields | {CALLER_PHONE_FIELD: phone},
        }

    def group_picker(self, call: Call) -> Reply:
        query = (call.request.param("query") or "").lower()
        groups = (
            [{"name": AGENT_GROUP, "groupId": AGENT_GROUP_ID, "html": AGENT_GROUP}]
            if query in AGENT_GROUP
            else []
        )
        return Reply(
            200,
            {
                "header": f"Showing {len(groups)} of {len(groups)} matching groups",
                "total": len(groups),
                "groups": groups,
            },
        )

    def search_jql_get(self, call: Call) -> Reply:
        """The GET form: the same search, `fields` comma-separated in the query."""
        fields = call.request.param("fields")
        data: dict[str, Any] = {"jql": call.request.param("jql") or ""}
        if fields:
            data["fields"] = fields.split(",")
        if call.request.param("maxResults"):
            data["maxResults"] = int(call.request.param("maxResults") or 50)
        return self._search(data)

    def search_jql(self, call: Call) -> Reply:
        return self._search(call.json)

    def _search(self, data: dict[str, Any]) -> Reply:
        """JQL subset: `"Caller phone" ~ "…"` (a text-field contains) and `ORDER BY …`.
        https://support.atlassian.com/jira-service-management-cloud/docs/advanced-search-reference-jql-operators/"""
        match = re.fullmatch(r'\s*"Caller phone"\s*~\s*"([^"]*)"\s*(ORDER BY .*)?', data["jql"])
        if match is None:
            return Reply(
                400, {"errorMessages": [f"Error in the JQL Query: {data['jql']}"], "errors": {}}
            )
        wanted = match.group(1)
        found = [i for i in self.issues if wanted and wanted in i["fields"][CALLER_PHONE_FIELD]]
        if "DESC" in (match.group(2) or ""):
            found.reverse()  # issues are kept oldest first
        keep = set(data.get("fields") or ["summary"])
        issues = [
            dict(i, fields={k: v for k, v in i["fields"].items() if k in keep}) for i in found
        ]
        return Reply(200, {"issues": issues[: int(data.get("maxResults", 50))], "isLast": True})

    def list_fields(self, call: Call) -> Reply:
        """System fields and the site's custom fields; the "Caller phone" text field the
        admin added is one of them (its id is the site's own)."""
        text = "com.atlassian.jira.plugin.system.customfieldtypes:textfield"
        return Reply(
            200,
            [
                {"id": "summary", "key": "summary", "name": "Summary", "custom": False},
                {"id": "reporter", "key": "reporter", "name": "Reporter", "custom": False},
                {
                    "id": "customfield_10010",
                    "key": "customfield_10010",
                    "name": "Request Type",
                    "custom": True,
                },
                {
                    "id": CALLER_PHONE_FIELD,
                    "key": CALLER_PHONE_FIELD,
                    "name": "Caller phone",
                    "custom": True,
                    "schema": {"type": "string", "custom": text, "customId": 10050},
                },
            ],
        )

    def resources(self, call: Call) -> Reply:
        return Reply(
            200,
            [
                {
                    "id": CLOUD_ID,
                    "url": "https://acme.atlassian.net",
                    "name": "acme",
                    "scopes": ["read:jira-user", "write:servicedesk-request"],
                    "avatarUrl": "",
                }
            ],
        )

    def group_members(self, call: Call) -> Reply:
        start, size = call.request.param("startAt"), call.request.param("maxResults")
        if start is None or size is None:
            # JRACLOUD-69614: without startAt/maxResults the endpoint fails with a 500.
            return Reply(500, {"errorMessages": ["Internal server error"], "errors": {}})
        if (
            call.request.param("groupId") != AGENT_GROUP_ID
            and call.request.param("groupname") != AGENT_GROUP
        ):
            return Reply(404, {"errorMessages": ["Specified group does not exist."], "errors": {}})
        s, n = int(start), min(int(size), 50)
        chunk = self.agents[s : s + n]
        last = s + n >= len(self.agents)
        body: dict[str, Any] = {
            "self": call.url(call.request.path, groupname=AGENT_GROUP, startAt=s, maxResults=n),
            "maxResults": n,
            "startAt": s,
            "total": len(self.agents),
            "isLast": last,
            "values": chunk,
        }
        if not last:
            body["nextPage"] = call.url(
                call.request.path, groupname=AGENT_GROUP, startAt=s + n, maxResults=n
            )
        return Reply(200, body)

    def list_customers(self, call: Call) -> Reply:
        query = (call.request.param("query") or "").lower()
        found = [
            c
            for c in self.customers
            if query in c["displayName"].lower() or query in c["emailAddress"].lower()
        ]
        start, limit = (
            int(call.request.param("start") or 0),
            min(int(call.request.param("limit") or 50), 50),
        )
        chunk = found[start : start + limit]
        last = start + limit >= len(found)
        links: dict[str, Any] = {
            "base": "https://acme.atlassian.net",
            "context": "",
            "self": call.url(call.request.path),
        }
        if not last:
            links["next"] = call.url(
                call.request.path, query=query or None, start=start + limit, limit=limit
            )
        return Reply(
            200,
            {
                "size": len(chunk),
                "start": start,
                "limit": limit,
                "isLastPage": last,
                "values": chunk,
                "_links": links,
            },
        )

    def create_customer(self, call: Call) -> Reply:
        data = call.json
        if any(c["emailAddress"] == data["email"] for c in self.customers):
            return Reply(
                400,
                {
                    "errorMessage": "An account already exists for this email",
                    "i18nErrorMessage": {"i18nKey": "sd.customer.exists", "parameters": []},
                },
            )
        customer = self._account(
            f"qm:1a2b3c:new{len(self.customers)}",
            Person(data["displayName"], "", data["email"], ""),
            "customer",
        )
        customer["displayName"] = data["displayName"]
        self.customers.append(customer)
        return Reply(201, customer)

    def create_request(self, call: Call) -> Reply:
        data = call.json
        number = 100 + len(self.requests_created)
        key = f"SD-{number}"
        record = {
            "issueId": str(10000 + number),
            "issueKey": key,
            "requestTypeId": str(data["requestTypeId"]),
            "serviceDeskId": str(data["serviceDeskId"]),
            "reporter": {"accountId": data.get("raiseOnBehalfOf")},
            "requestFieldValues": [
                {"fieldId": k, "value": v} for k, v in data["requestFieldValues"].items()
            ],
            "_links": {
                "self": f"https://acme.atlassian.net/rest/servicedeskapi/request/{10000 + number}",
                "web": f"https://acme.atlassian.net/servicedesk/customer/portal/1/{key}",
                "agent": f"https://acme.atlassian.net/browse/{key}",
            },
        }
        self.requests_created.append(record)
        # The request is an issue too: JQL finds it (by its Caller phone, when filled in).
        reporter = next(
            (c for c in self.customers if c["accountId"] == data.get("raiseOnBehalfOf")),
            {
                "accountId": "5b10a2844c20165700ede000",
                "displayName": "ringdesk",
                "emailAddress": "",
            },
        )
        phone = str(data["requestFieldValues"].get(CALLER_PHONE_FIELD) or "")
        self.issues.append(self._issue(key, reporter, phone))
        return Reply(201, record)

    def add_comment(self, call: Call) -> Reply:
        key = call.path_params["key"]
        if not any(key in {r["issueKey"], r["issueId"]} for r in self.requests_created):
            return Reply(
                404,
                {
                    "errorMessage": "Request does not exist or you do not have permission to see it.",
                    "i18nErrorMessage": {"i18nKey": "sd.request.not.found", "parameters": []},
                },
            )
        comment = {
            "id": str(20000 + len(self.comments)),
            "body": call.json["body"],
            "public": call.json.get("public", True),
        }
        self.comments.append(comment)
        return Reply(201, comment)
