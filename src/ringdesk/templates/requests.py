"""The request components of a template (pure data): a scenario request, follow-up
requests (F1), extra-variable requests and their outputs, duplicate checks, pagination (U2,
C8). `templates.model` re-exports them."""

from __future__ import annotations

from typing import Literal

from ringdesk.templates._base import _Node

__all__ = [
    "DuplicateCheck",
    "ExtraRequest",
    "FollowUpRequest",
    "Output",
    "Pagination",
    "RequestSpec",
]


class RequestSpec(_Node):
    """A templated HTTP request of a scenario; `url` and `body` hold `{{…}}` text."""

    method: str = "GET"
    url: str = ""
    body: str = ""


class FollowUpRequest(_Node):
    """F1: a request fired on a trigger event, its response copied into variables."""

    trigger: str = "connected"
    method: str = "POST"
    url: str = ""
    headers: str = ""  # JSON object text, templated
    body: str = ""  # JSON text, templated
    response_paths: str = ""  # comma-separated JSONPath
    target_variables: str = ""  # comma-separated names

    @property
    def path_list(self) -> list[str]:
        return [p.strip() for p in self.response_paths.split(",") if p.strip()]

    @property
    def variable_list(self) -> list[str]:
        return [v.strip() for v in self.target_variables.split(",") if v.strip()]


class Output(_Node):
    """One variable captured from an extra request's response: `path` (GJSON on the body),
    `jsonpath` (RFC 9535 on the body) or `header` (a response header, case-insensitive);
    exactly one of the three is set (`flows.outputs.extract_outputs` reads them)."""

    name: str = ""
    path: str = ""
    jsonpath: str = ""
    header: str = ""

    @property
    def sources(self) -> list[str]:
        """The source attributes that are set (validation wants exactly one)."""
        return [k for k in ("path", "jsonpath", "header") if getattr(self, k)]


class ExtraRequest(_Node):
    """A request run before a scenario's own request, for variables it needs (issue 13: a
    Request Tracker ticket id to comment on, a helpdesk user id...).

    Runtime rules (`<ExtraRequests>` in `CallLog`, `Ticket`, `CreateContact/ContactType`,
    `ContactSearch/ContactType`):
    - the requests run in document order, before the duplicate check and the scenario's
      request; each sees the scenario's variables plus the outputs of the requests before it;
      their outputs are variables of the later extra requests and of the scenario (its
      request, duplicate check, options, popup);
    - `url`, `body` and `headers` are templates like the scenario's (`headers` a JSON object
      as in follow-ups); the custom headers with scope `extra` are sent with them;
    - a request whose URL renders empty is skipped, and its outputs stay unset;
    - an unset variable used in the URL's path is an error that fails the scenario clearly:
      the request is never sent to a URL with an empty path segment (`…//…`);
    - an output that finds nothing stays unset (renders ""), as in follow-ups (F3).
    """

    name: str = ""
    method: str = "GET"
    url: str = ""
    body: str = ""
    headers: str = ""  # JSON object text, templated
    outputs: tuple[Output, ...] = ()


class DuplicateCheck(_Node):
    """A lookup run before a create (call log, ticket, contact) for helpdesks that ignore
    `Idempotency-Key`: when the GJSON `id_path` finds a non-empty value in its response the
    create is skipped and that id is used. The template puts a marker such as `{{.CallId}}`
    into the create body so the lookup can find the record. Runs after the extra requests
    (their outputs are known here); custom headers with scope `extra` are sent."""

    method: str = "GET"
    id_path: str = ""
    url: str = ""
    body: str = ""


class Pagination(_Node):
    """U2/C8: how a list is paged. Unused attributes keep their defaults.

    `page`/`offset` count; `link` follows a next URL found at the GJSON `next_link_path`;
    `cursor` sends the value at the GJSON `cursor_path` as the query parameter
    `cursor_param` (continuing only while `has_more_path`, when set, is true; the page size
    goes in `page_size_param`); `link-header` follows the RFC 8288 `Link: <…>; rel="next"`
    response header."""

    type: Literal["none", "page", "offset", "link", "cursor", "link-header"] | str = "none"
    page_param: str = "page"
    page_start: int = 1
    page_size_param: str = "per_page"
    page_size: int = 100
    offset_param: str = "offset"
    offset_start: int = 0
    limit_param: str = "limit"
    limit: int = 100
    next_link_path: str = ""
    cursor_path: str = ""
    cursor_param: str = ""
    has_more_path: str = ""
