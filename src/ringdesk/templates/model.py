"""The parsed integration template: one pydantic model per section of `template-format.md`.

Names follow the XML: each element is a class, attributes and child elements are snake_case
fields. Text that holds `{{…}}` templates is kept verbatim (never rendered here). Where an
element sits in the source file is kept in `Template.locations` (dotted path → line) and
`Template.positions` (path → line/column spans, see `Template.position_of`), which are not
part of the template's value: two templates that differ only in layout are equal.

The request components (scenario requests, follow-ups, extra requests with their outputs,
duplicate checks, pagination) live in `templates.requests`, the format's names in
`templates.vocabulary`; both are re-exported here. `ExtraRequest` states the runtime rules
of extra-variable requests, `DuplicateCheck` those of duplicate checks.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from ringdesk.redact import is_secret_name
from ringdesk.templates._base import Span, _Node, split_list
from ringdesk.templates.requests import (
    DuplicateCheck,
    ExtraRequest,
    FollowUpRequest,
    Output,
    Pagination,
    RequestSpec,
)
from ringdesk.templates.vocabulary import (
    AUTH_METHODS,
    CONNECT_FIELD_TYPES,
    CONTACT_FIELDS,
    DEFAULT_AUTH_SCHEME,
    EVERYWHERE_VARIABLES,
    HEADER_SCOPES,
    MATCH_MODES,
    NUMBER_FIELDS,
    PAGINATION_TYPES,
    PHONE_FIELDS,
    PHONE_FORMS,
    SCENARIO_VARIABLES,
    TRIGGER_EVENTS,
    URL_BASE,
    VARIABLE_ACTION,
)

__all__ = [
    "AUTH_METHODS",
    "CONNECT_FIELD_TYPES",
    "CONTACT_FIELDS",
    "DEFAULT_AUTH_SCHEME",
    "EVERYWHERE_VARIABLES",
    "HEADER_SCOPES",
    "MATCH_MODES",
    "NUMBER_FIELDS",
    "PAGINATION_TYPES",
    "PHONE_FIELDS",
    "PHONE_FORMS",
    "SCENARIO_VARIABLES",
    "TRIGGER_EVENTS",
    "URL_BASE",
    "VARIABLE_ACTION",
    "Authentication",
    "Basic",
    "Bearer",
    "CallLog",
    "CallLogOptions",
    "ConnectField",
    "ContactMapping",
    "ContactSearch",
    "ContactType",
    "CreateContact",
    "CreateContactType",
    "DuplicateCheck",
    "ExtraRequest",
    "ExtraVariable",
    "FollowUpRequest",
    "General",
    "Header",
    "Logo",
    "MappedField",
    "OAuth2",
    "OptionFlag",
    "OptionText",
    "Output",
    "Pagination",
    "Popup",
    "Refresh",
    "RequestSpec",
    "Span",
    "Template",
    "Ticket",
    "TicketOptions",
    "UserAssociation",
    "UserMapping",
    "split_list",
]


class Logo(_Node):
    """G1: the image itself (already decoded and checked by `templates.logo`)."""

    content_type: str
    data: bytes


class General(_Node):
    name: str = ""  # G2
    logo: Logo | None = None  # G1
    max_concurrent_requests: int | None = None  # G3; None when missing (a validation error)
    notes: str = ""  # G4


class ConnectField(_Node):
    """A2: one input on the connect page; its value becomes `{{.<name>}}`.

    `secret_flag` is the XML `secret` attribute: None (absent) lets the type and the name
    decide (`secret`), True or False says it outright."""

    type: Literal["text", "password", "select", "url"] | str = "text"
    name: str = ""
    title: str = ""
    options: str = ""  # comma-separated, select only
    secret_flag: bool | None = None

    @property
    def option_list(self) -> list[str]:
        return [o.strip() for o in self.options.split(",") if o.strip()]

    @property
    def secret(self) -> bool:
        """Encrypted at rest, shown as set/unset, masked in logs (A9): a `password` field,
        one marked `secret="true"`, and a text or URL field whose name looks secret
        (`client_secret`, `sid`…) unless marked `secret="false"`."""
        if self.type == "password":
            return True
        if self.secret_flag is not None:
            return self.secret_flag
        return self.type != "select" and is_secret_name(self.name)

    @property
    def is_url(self) -> bool:
        """A `url` field: an absolute http(s) URL, the only value trusted as a URL base."""
        return self.type == "url"


class Basic(_Node):
    credential_type: Literal["username_password", "api_key"] | str = "username_password"
    format: str = ""  # Base64 format template → basic_string


class Refresh(_Node):
    """A6: how tokens are refreshed. `interval_minutes` None = blank = every 25 minutes."""

    method: str = "POST"
    interval_minutes: int | None = None
    url: str = ""
    content_type: str = "application/x-www-form-urlencoded"
    body: str = ""

    @property
    def effective_interval_minutes(self) -> int:
        """0 means never refresh on a schedule (A6)."""
        return 25 if self.interval_minutes is None else self.interval_minutes


class OAuth2(_Node):
    """A5/A6. `scheme` is the Authorization scheme of the token (`Bearer` by default)."""

    scheme: str = DEFAULT_AUTH_SCHEME
    authorize_url: str = ""
    token_url: str = ""
    token_content_type: str = "application/x-www-form-urlencoded"  # noqa: S105  (a MIME type)
    scopes: str = ""  # comma-separated
    extra_query: str = ""
    refresh: Refresh | None = None
    # RFC 7636 PKCE with S256: a code challenge on the authorize URL, its verifier on the
    # code exchange.
    pkce: bool = False

    @property
    def scope_list(self) -> list[str]:
        return [s.strip() for s in self.scopes.split(",") if s.strip()]


class Bearer(_Node):
    """A7: a static token. The header is `<scheme> <token>` (`token <T>` for Request Tracker
    with `scheme="token"`), or `<scheme><token>` when the scheme ends with `=` (Zammad's
    `Token token=`)."""

    scheme: str = DEFAULT_AUTH_SCHEME
    token: str = ""  # template; becomes AccessToken


class Authentication(_Node):
    method: Literal["none", "basic", "oauth2", "bearer"] | str = "none"
    fields: tuple[ConnectField, ...] = ()
    basic: Basic | None = None
    oauth2: OAuth2 | None = None
    bearer: Bearer | None = None

    @property
    def scheme(self) -> str:
        """The Authorization scheme of the token methods (`auth.schemes.auth_header`)."""
        block = self.bearer if self.method == "bearer" else self.oauth2
        if self.method in ("bearer", "oauth2") and block is not None:
            return block.scheme
        return DEFAULT_AUTH_SCHEME


class Header(_Node):
    """H1/H2: a custom header. `applies_to` is a comma-separated list of `HEADER_SCOPES`:
    `scenarios` (the scenario requests, the default), `followups` (follow-up requests),
    `extra` (extra-variable requests and duplicate checks), `token` (token requests)."""

    name: str
    value: str = ""
    description: str = ""
    applies_to: str = "scenarios"

    @property
    def scopes(self) -> list[str]:
        return split_list(self.applies_to)

    def applies(self, scope: str) -> bool:
        return scope in self.scopes


class UserMapping(_Node):
    """U4: GJSON paths into the users response."""

    id: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""


class UserAssociation(_Node):
    enabled: bool = False
    request: RequestSpec = RequestSpec()
    pagination: Pagination = Pagination()
    mapping: UserMapping = UserMapping()


class Popup(_Node):
    """C3: `mode="url"` → `value` is a URL template; `mode="field"` → a GJSON path."""

    mode: Literal["url", "field"] | str = "url"
    value: str = ""


class MappedField(_Node):
    """C4: one contact field; `path` may hold several comma-separated GJSON paths."""

    name: str
    path: str = ""
    required: bool = False

    @property
    def path_list(self) -> list[str]:
        from ringdesk.templates.paths import split_paths

        return split_paths(self.path)


class ContactMapping(_Node):
    fields: tuple[MappedField, ...] = ()

    def get(self, name: str) -> MappedField | None:
        return next((f for f in self.fields if f.name == name), None)


class ContactType(_Node):
    """C1: a kind of contact, how to search it, and how to pop it.

    `match` "query" (default): the request filters by `{{.Phone}}`, tried in the number's
    `phone_forms` (comma-separated `PHONE_FORMS`, in try order; "" = the default forms).
    `match` "phone": the request lists contacts, paged by `pagination` (at most 100
    requests), and ringdesk keeps those whose mapped phone fields equal the caller's number
    after normalisation (`flows.phonematch.matching`). `pagination` also pages the contact
    sync (C8)."""

    name: str
    match: Literal["query", "phone"] | str = "query"
    phone_forms: str = ""
    extra_requests: tuple[ExtraRequest, ...] = ()
    request: RequestSpec = RequestSpec()
    pagination: Pagination = Pagination()
    popup: Popup = Popup()
    mapping: ContactMapping = ContactMapping()

    @property
    def phone_form_list(self) -> list[str]:
        """The chosen forms in try order; empty = the integration's or the default forms."""
        return split_list(self.phone_forms)


class ContactSearch(_Node):
    contact_types: tuple[ContactType, ...] = ()


class ExtraVariable(_Node):
    """N2: an extra variable for the create-contact body (`from="value"`, a template), or
    captured from its response: `from="response"` (GJSON `path` on the body) or
    `from="header"` (`path` names a response header, e.g. `Location`)."""

    name: str
    source: str = Field(default="response", alias="from")
    path: str = ""
    value: str = ""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class CreateContactType(_Node):
    name: str
    extra_requests: tuple[ExtraRequest, ...] = ()
    duplicate_check: DuplicateCheck | None = None
    request: RequestSpec = RequestSpec(method="POST")
    extra_variables: tuple[ExtraVariable, ...] = ()


class CreateContact(_Node):
    enabled: bool = False
    contact_types: tuple[CreateContactType, ...] = ()


class OptionText(_Node):
    """An option the integration may expose (`enabled`), with its default text."""

    enabled: bool = False
    default: str = ""


class OptionFlag(_Node):
    enabled: bool = False
    default: bool = False


class CallLogOptions(_Node):
    subject: OptionText = OptionText()
    description: OptionText = OptionText()
    play_recording: OptionFlag = OptionFlag()
    skip_missed_for_unanswered_agents: OptionFlag = OptionFlag()


class CallLog(_Node):
    enabled: bool = False
    extra_requests: tuple[ExtraRequest, ...] = ()
    duplicate_check: DuplicateCheck | None = None
    request: RequestSpec = RequestSpec(method="POST")
    options: CallLogOptions = CallLogOptions()


class TicketOptions(_Node):
    subject: OptionText = OptionText()
    description: OptionText = OptionText()


class Ticket(_Node):
    enabled: bool = False
    extra_requests: tuple[ExtraRequest, ...] = ()
    duplicate_check: DuplicateCheck | None = None
    request: RequestSpec = RequestSpec(method="POST")
    options: TicketOptions = TicketOptions()


class Template(_Node):
    """A whole template. `locations` maps dotted element paths to source lines; `positions`
    maps element paths (`A.B[0]`), their text (`A.B[0]#`) and attribute values
    (`A.B[0]@name`) to spans (see `position_of`)."""

    format_version: str = "1"
    general: General = General()
    authentication: Authentication = Authentication()
    headers: tuple[Header, ...] = ()
    follow_up_requests: tuple[FollowUpRequest, ...] = ()
    user_association: UserAssociation | None = None
    contact_search: ContactSearch = ContactSearch()
    create_contact: CreateContact | None = None
    call_log: CallLog | None = None
    ticket: Ticket | None = None
    locations: dict[str, int] = Field(default_factory=dict, repr=False)
    # Not part of the value and never dumped (the API's JSON view leaves it out).
    positions: dict[str, tuple[Span, ...]] = Field(default_factory=dict, repr=False, exclude=True)
    # Values that did not parse (e.g. `General.MaxConcurrentRequests` = "five", or
    # `UserAssociation.Pagination@pageSize` = "x"): element/attribute path → raw text. The
    # typed field keeps its default; validation reports each one with its line, and the
    # XML writer writes the raw text back so nothing is lost.
    invalid_values: dict[str, str] = Field(default_factory=dict)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Template):
            return NotImplemented
        return self.model_dump(exclude={"locations"}) == other.model_dump(exclude={"locations"})

    def __hash__(self) -> int:  # frozen models are hashable; keep that, ignoring locations
        return hash(repr(self.model_dump(exclude={"locations"})))

    def line_of(self, path: str) -> int | None:
        """The source line of `path` or of its nearest located ancestor."""
        for candidate in _ancestors(path):
            if candidate in self.locations:
                return self.locations[candidate]
        return None

    def position_of(self, path: str, offset: int = 0) -> tuple[int | None, int | None]:
        """(line, column) of character `offset` in the value at `path` (`…#` for an
        element's text, `…@attr` for an attribute), else where `path` or its nearest located
        ancestor starts; (None, None) when nothing is known (a template built in code)."""
        spans = self.positions.get(path)
        if spans:
            return _locate(spans, offset)
        for candidate in _ancestors(path):
            spans = self.positions.get(candidate)
            if spans:
                return _locate(spans, 0)
            if candidate in self.locations:
                return self.locations[candidate], None
        return None, None

    def connect_variables(self) -> list[str]:
        return [f.name for f in self.authentication.fields]

    def url_field_names(self) -> set[str]:
        """Names of the `url` connect fields: the only values trusted as a URL base."""
        return {f.name for f in self.authentication.fields if f.is_url}

    def secret_field_names(self) -> set[str]:
        return {f.name for f in self.authentication.fields if f.secret}


def _ancestors(path: str) -> list[str]:
    """`A.B[0]@x#` → the path itself, then `A.B[0]@x`, `A.B[0]`, `A`."""
    out: list[str] = []
    while path:
        out.append(path)
        if path.endswith("#"):
            path = path[:-1]
        elif "@" in path.rpartition(".")[2]:
            path = path.rpartition("@")[0]
        else:
            path = path.rpartition(".")[0]
    return out


def _locate(spans: tuple[Span, ...], offset: int) -> tuple[int, int]:
    start, line, column = spans[0]
    for span in spans[1:]:
        if span[0] > offset:
            break
        start, line, column = span
    return line, column + max(offset - start, 0)
