"""The names the template format knows: auth methods, field types, header scopes, paging
types, match modes, phone forms, follow-up triggers, contact fields, the variables of each
scenario and how an action names a variable (template-format.md, variables.md).
`templates.model` re-exports all of them."""

from __future__ import annotations

import re

from ringdesk.phones import FORMS

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
]

AUTH_METHODS = ("none", "basic", "oauth2", "bearer")
CONNECT_FIELD_TYPES = ("text", "password", "select", "url")
# A6/A7: `<Bearer scheme="…">` / `<OAuth2 scheme="…">`; the header is `<scheme> <token>`.
DEFAULT_AUTH_SCHEME = "Bearer"
# H2: which requests a custom header goes on (`<Header appliesTo="…">`); default scenarios.
HEADER_SCOPES = ("scenarios", "followups", "extra", "token")
PAGINATION_TYPES = ("none", "page", "offset", "link", "cursor", "link-header")
# C2: "query" = the helpdesk filters by {{.Phone}}; "phone" = ringdesk lists and compares.
MATCH_MODES = ("query", "phone")
# C7: the forms a number is tried in (one list, `ringdesk.phones.FORMS`).
PHONE_FORMS = FORMS
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

# An action naming one variable, `{{.Name}}` (trim markers allowed); group 1 is the name.
VARIABLE_ACTION = re.compile(r"\{\{-?\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}")
# A URL template that starts with such an action takes its scheme and host from it (only a
# `url` connect field is trusted there).
URL_BASE = re.compile(r"\s*" + VARIABLE_ACTION.pattern)
