"""The names of the PBX's template format that the import and export know: the root's
attributes, the scenario ids, the parameter families (`Father`), the contact and user output
names, the custom-field editors, and the PBX variables whose ringdesk name differs.

Sources: the PBX vendor's help pages on custom helpdesk templates and the one public template
in this format (the facts and their confidence are in docs/template-reference/pbx-import.md).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AUTH",
    "AUTH_PARAMETERS",
    "COMMON",
    "CONTACT_OUTPUTS",
    "CREATE",
    "EDITORS",
    "EXPORT_RENAMES",
    "FATHER_AUTH_OPTION",
    "FATHER_FIELDS",
    "FATHER_HEADERS",
    "FATHER_SCENARIO_PARAMETER",
    "FATHER_TOKEN_ERRORS",
    "FIELD_FOR_URI",
    "JOURNAL",
    "NO_REFRESH",
    "OUTPUT_ATTRS",
    "PARAMETER_ATTRS",
    "PBX_FUNCTIONS",
    "RENAMES",
    "REQUEST_ATTRS",
    "ROOT",
    "ROOT_ATTRS",
    "SCENARIO_IDS",
    "SCENARIO_TYPES",
    "SEARCH",
    "SECTION_FLAGS",
    "SYNC",
    "TICKET",
    "URL_FORMAT_MODE",
    "USERS",
    "USER_OUTPUTS",
    "Rename",
]

ROOT = "Information"
ROOT_ATTRS = (
    "Provider",
    "Name",
    "Key",
    "Logo",
    "Remark",
    "Version",
    "AuthType",
    "MaxConcurrentRequest",
    "UserAssociation",
    "CallJournal",
    "CreateNewContact",
    "CreateNewTicket",
)
PARAMETER_ATTRS = ("Name", "Value", "Father", "Type", "Editor", "Title", "Key")
REQUEST_ATTRS = ("Name", "Method", "ResponseType", "URLFormat")
OUTPUT_ATTRS = ("Name", "Path")

AUTH = "AuthMethod"
SYNC = "SyncContactAuto"
SEARCH = "SearchContact"
USERS = "UserAssociation"
CREATE = "CreateNewContact"
TICKET = "CreateNewTicket"
JOURNAL = "CallJournal"
COMMON = "Common"
SCENARIO_IDS = (AUTH, SYNC, SEARCH, USERS, CREATE, TICKET, JOURNAL, COMMON)
SCENARIO_TYPES = {sid: ("AUTH" if sid == AUTH else "REST") for sid in SCENARIO_IDS}
# Root flag → the ringdesk section it turns on.
SECTION_FLAGS = {
    "UserAssociation": "user_association",
    "CreateNewContact": "create_contact",
    "CallJournal": "call_log",
    "CreateNewTicket": "ticket",
}

# The AuthMethod scenario's plain parameters (without a Father).
AUTH_PARAMETERS = (
    "AuthMethod",
    "TokenType",
    "AuthEndPoint",
    "TokenEndPoint",
    "AdditionalQueryString",
    "Scope",
    "CredentialType",
    "Base64EncodedCredential",
    "AccessToken",  # ringdesk's name for a fixed Bearer token: the PBX's is not published
)
FATHER_FIELDS = "CustomFieldList"
FATHER_HEADERS = "PopulateTemplateString"
FATHER_AUTH_OPTION = "AuthOption"
FATHER_TOKEN_ERRORS = "TokenErrorMap"  # noqa: S105  (a parameter family, not a secret)
FATHER_SCENARIO_PARAMETER = "CustomScenarioParameter"
NO_REFRESH = "NoNeedRefreshAccessToken"

# SyncContactAuto: how the screen-pop URL is made.
URL_FORMAT_MODE = "specify_url_format"
FIELD_FOR_URI = "contact_field"  # ringdesk's name for the other mode (not published)

# PBX contact output (and `<Name>Enable` flag) → ringdesk contact field.
CONTACT_OUTPUTS = {
    "ContactsId": "ContactId",
    "FirstName": "FirstName",
    "LastName": "LastName",
    "Email": "Email",
    "BusinessNumber": "BusinessNumber",
    "BusinessNumber2": "BusinessNumber2",
    "BusinessFaxNumber": "BusinessFax",
    "MobileNumber": "MobileNumber",
    "MobileNumber2": "MobileNumber2",
    "HomeNumber": "HomeNumber",
    "HomeNumber2": "HomeNumber2",
    "HomeFaxNumber": "HomeFax",
    "OtherNumber": "OtherNumber",
    "CustomValue": "CustomValue",
}
# PBX user output → ringdesk `<UserAssociation><Mapping>` attribute (model field).
USER_OUTPUTS = {
    "UserUniqueId": "id",
    "FirstName": "first_name",
    "LastName": "last_name",
    "Email": "email",
}
# Custom field `Editor` → ringdesk connect field type.
EDITORS = {"string": "text", "password": "password", "select": "select"}
# The PBX's own template functions; ringdesk has each under the same name.
PBX_FUNCTIONS = ("TimeFormat", "ToMillis", "Capitalize", "UrlEncode")


@dataclass(frozen=True)
class Rename:
    """A PBX variable in a ringdesk scenario: its ringdesk name (`to`), or a whole
    replacement for a bare `{{.X}}` (`expand`), or neither (no equivalent); `why` says
    what changes for the report."""

    to: str = ""
    expand: str = ""
    why: str = ""


_EVERYWHERE = {
    "ContactsId": Rename("ContactId", why="renamed; the same value"),
    "BusinessFaxNumber": Rename("BusinessFax", why="renamed; the same value"),
    "HomeFaxNumber": Rename("HomeFax", why="renamed; the same value"),
}
_SEARCHED = {
    "CallerNumber": Rename(
        "Phone",
        why="ringdesk's {{.Phone}} is the number searched: the caller's on inbound calls, "
        "the called number on outbound ones",
    ),
    "CalleeNumber": Rename(
        "Phone",
        why="ringdesk's {{.Phone}} is the number searched: the caller's on inbound calls, "
        "the called number on outbound ones",
    ),
    "SearchValue": Rename("Phone", why="ringdesk searches by phone number only, not by free text"),
}
_CALL = {
    "CallerNumber": Rename("Call_From", why="renamed; the same value"),
    "CalleeNumber": Rename("Call_To", why="renamed; the same value"),
    "CallerDisplayName": Rename("Call_From_Name", why="renamed; the same value"),
    "CalleeDisplayName": Rename("Call_To_Name", why="renamed; the same value"),
}
_NAME = "{{.FirstName}} {{.LastName}}"
RENAMES: dict[str, dict[str, Rename]] = {
    "auth": dict(_EVERYWHERE),
    "users": dict(_EVERYWHERE),
    "contact_search": {**_EVERYWHERE, **_SEARCHED},
    "popup": {
        **_EVERYWHERE,
        **_SEARCHED,
        "CallerDisplayName": Rename(
            why="ringdesk's popup knows the contact's fields, not the caller's display name"
        ),
    },
    "create_contact": {
        **_EVERYWHERE,
        "CallerNumber": Rename("Phone", why="renamed; the same value"),
        "DisplayName": Rename(expand=_NAME, why="ringdesk has the first and last name apart"),
        "CallerDisplayName": Rename(
            expand=_NAME, why="ringdesk has the caller's first and last name apart"
        ),
    },
    "call_log": {
        **_EVERYWHERE,
        **_CALL,
        "TicketId": Rename(
            why="ringdesk's call log does not know the ticket created for the same call"
        ),
    },
    "ticket": {**_EVERYWHERE, **_CALL},
}

# Export: ringdesk variables the PBX calls otherwise, or does not have.
_OWN = "ringdesk's own variable: the PBX has none (it renders empty there)"
EXPORT_RENAMES: dict[str, Rename] = {
    "Call_From_Name": Rename("CallerDisplayName"),
    "Call_To_Name": Rename("CalleeDisplayName"),
    "BusinessFax": Rename("BusinessFaxNumber"),
    "HomeFax": Rename("HomeFaxNumber"),
    **{
        name: Rename(why=_OWN)
        for name in ("CallId", "Extension", "ExtensionName", "Ring_Duration_Sec", "Queue")
    },
    "ContactName": Rename(why=_OWN),
}
