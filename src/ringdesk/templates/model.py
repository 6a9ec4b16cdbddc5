"""The parsed integration template: one pydantic model per section of `template-format.md`.

Names follow the XML: each element is a class, attributes and child elements are snake_case
fields. Text that holds `{{…}}` templates is kept verbatim (never rendered here). Where an
element sits in the source file is kept in `Template.locations` (dotted path → line), which
is not part of the template's value: two templates that differ only in layout are equal.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AUTH_METHODS",
    "CONTACT_FIELDS",
    "EVERYWHERE_VARIABLES",
    "NUMBER_FIELDS",
    "PAGINATION_TYPES",
    "PHONE_FIELDS",
    "SCENARIO_VARIABLES",
    "TRIGGER_EVENTS",
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
    "ExtraVariable",
    "FollowUpRequest",
    "General",
    "Header",
    "Logo",
    "MappedField",
    "OAuth2",
    "OptionFlag",
    "OptionText",
    "Pagination",
    "Popup",
    "Refresh",
    "RequestSpec",
    "Template",
    "Ticket",
    "TicketOptions",
    "UserAssociation",
    "UserMapping",
]

AUTH_METHODS = ("none", "basic", "oauth2", "bearer")
PAGINATION_TYPES = ("none", "page", "offset", "link")
# F2: events a follow-up request can fire on.
TRIGGER_EVENTS = (
    "connected",
    "token_refreshed",
    "call_ringing",
    "call_answered",
    "call_ended",
    "contact_not_found",
    "contact_created",
    "call_log_created",
    "ticket_created",
)

# C4/C5: the fields a contact mapping may fill; the number fields among them, and the ones
# that count as "a phone number" for C5 (faxes do not).
NUMBER_FIELDS = (
    "BusinessNumber",
    "BusinessNumber2",
    "MobileNumber",
    "MobileNumber2",
    "HomeNumber",
    "HomeNumber2",
    "BusinessFax",
    "HomeFax",
    "OtherNumber",
)
PHONE_FIELDS = tuple(f for f in NUMBER_FIELDS if not f.endswith("Fax"))
CONTACT_FIELDS = ("ContactId", "FirstName", "LastName", "Company", "Email", *NUMBER_FIELDS)

# Variables each scenario provides besides the "everywhere" ones (variables.md).
_CALL_VARIABLES = (
    "Call_From",
    "Call_To",
    "Communication_Type",
    "Call_Status",
    "Call_Log_Status",
    "StartTimeUnix",
    "Time",
    "Talk_Duration",
    "Talk_Duration_Sec",
    "Ring_Duration_Sec",
    "RecordPath",
    "Subject",
    "Description",
    "Owner",
    "WhoModule",
    "ContactId",
    "ContactNumber",
    "ContactName",
    "Extension",
    "ExtensionName",
    "CallId",
    # ours: the PBX's display names and the queue, beside the bare numbers
    "Call_From_Name",
    "Call_To_Name",
    "Queue",
)
EVERYWHERE_VARIABLES = ("redirect_uri", "basic_string", "AccessToken", "RefreshToken")
SCENARIO_VARIABLES: dict[str, tuple[str, ...]] = {
    "auth": (),
    "users": (),
    "contact_search": ("Phone",),
    "popup": ("Phone", *CONTACT_FIELDS, "CustomValue"),
    "create_contact": ("LastName", "FirstName", "BusinessNumber", "Phone", "CallId"),
    "call_log": _CALL_VARIABLES,
    "ticket": _CALL_VARIABLES,
    "follow_up": ("Phone", *CONTACT_FIELDS, *_CALL_VARIABLES),
}


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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
    """A2: one input on the connect page; its value becomes `{{.<name>}}`."""

    type: Literal["text", "password", "select"] | str = "text"
    name: str = ""
    title: str = ""
    options: str = ""  # comma-separated, select only

    @property
    def option_list(self) -> list[str]:
        return [o.strip() for o in self.options.split(",") if o.strip()]

    @property
    def secret(self) -> bool:
        return self.type == "password"


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
    authorize_url: str = ""
    token_url: str = ""
    token_content_type: str = "application/x-www-form-urlencoded"  # noqa: S105  (a MIME type)
    scopes: str = ""  # comma-separated
    extra_query: str = ""
    refresh: Refresh | None = None

    @property
    def scope_list(self) -> list[str]:
        return [s.strip() for s in self.scopes.split(",") if s.strip()]


class Bearer(_Node):
    token: str = ""  # template; becomes AccessToken


class Authentication(_Node):
    method: Literal["none", "basic", "oauth2", "bearer"] | str = "none"
    fields: tuple[ConnectField, ...] = ()
    basic: Basic | None = None
    oauth2: OAuth2 | None = None
    bearer: Bearer | None = None


class Header(_Node):
    name: str
    value: str = ""
    description: str = ""


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


class Pagination(_Node):
    """U2: how the user list is paged. Unused attributes keep their defaults."""

    type: Literal["none", "page", "offset", "link"] | str = "none"
    page_param: str = "page"
    page_start: int = 1
    page_size_param: str = "per_page"
    page_size: int = 100
    offset_param: str = "offset"
    offset_start: int = 0
    limit_param: str = "limit"
    limit: int = 100
    next_link_path: str = ""


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
    """C1: a kind of contact, how to search it, and how to pop it."""

    name: str
    request: RequestSpec = RequestSpec()
    popup: Popup = Popup()
    mapping: ContactMapping = ContactMapping()


class ContactSearch(_Node):
    contact_types: tuple[ContactType, ...] = ()


class ExtraVariable(_Node):
    """N2: an extra variable for the create-contact body (or captured from its response)."""

    name: str
    source: str = Field(default="response", alias="from")
    path: str = ""
    value: str = ""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class CreateContactType(_Node):
    name: str
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
    request: RequestSpec = RequestSpec(method="POST")
    options: CallLogOptions = CallLogOptions()


class TicketOptions(_Node):
    subject: OptionText = OptionText()
    description: OptionText = OptionText()


class Ticket(_Node):
    enabled: bool = False
    request: RequestSpec = RequestSpec(method="POST")
    options: TicketOptions = TicketOptions()


class Template(_Node):
    """A whole template. `locations` maps dotted element paths to source lines."""

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
        while path:
            if path in self.locations:
                return self.locations[path]
            path = path.rpartition(".")[0]
        return None

    def connect_variables(self) -> list[str]:
        return [f.name for f in self.authentication.fields]

    def secret_field_names(self) -> set[str]:
        return {f.name for f in self.authentication.fields if f.secret}
