"""What each template variable means, for the generated variables reference (docs only).

The variables themselves are defined by `model.EVERYWHERE_VARIABLES` and
`model.SCENARIO_VARIABLES` (what validation knows) and filled by the flows; this module
holds only their descriptions and example values, and the description of each scenario.
`tests/docs/test_reference.py` fails when a variable exists in one place and not the other.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DYNAMIC_VARIABLES", "SCENARIOS", "VARIABLES", "ScenarioDoc", "VariableDoc"]


@dataclass(frozen=True)
class VariableDoc:
    """One variable: what it holds, and an example value ("" when none helps)."""

    description: str
    example: str = ""


@dataclass(frozen=True)
class ScenarioDoc:
    """One scenario of `model.SCENARIO_VARIABLES`: a title and the template fields it covers."""

    title: str
    where: str


SCENARIOS: dict[str, ScenarioDoc] = {
    "auth": ScenarioDoc(
        "Authentication",
        "`<Basic><Format>`, the `<OAuth2>` URLs, `<ExtraQuery>` and `<Refresh>`, `<Bearer><Token>`",
    ),
    "users": ScenarioDoc(
        "User association and headers",
        "`<UserAssociation><Request>`, the values of `<Headers><Header>`",
    ),
    "contact_search": ScenarioDoc(
        "Contact search",
        "`<ContactType><Request>`, its `<ExtraRequests>`, and the GJSON paths of "
        "`<ContactType><Mapping>`",
    ),
    "popup": ScenarioDoc("Screen-pop URL", '`<Popup mode="url">`'),
    "create_contact": ScenarioDoc(
        "Create contact",
        "`<CreateContact><ContactType>`: its `<ExtraRequests>`, `<DuplicateCheck>` and "
        '`<Request>`, and `<Variable from="value">`',
    ),
    "call_log": ScenarioDoc(
        "Call log",
        "`<CallLog>`: its `<ExtraRequests>`, `<DuplicateCheck>` and `<Request>`, and the "
        "`<Subject>` / `<Description>` options",
    ),
    "ticket": ScenarioDoc(
        "Ticket",
        "`<Ticket>`: its `<ExtraRequests>`, `<DuplicateCheck>` and `<Request>`, and the "
        "`<Subject>` / `<Description>` options",
    ),
    "follow_up": ScenarioDoc(
        "Follow-up requests",
        "`<FollowUpRequests><Request>`: URL, headers and body. Which values are set depends "
        "on the trigger: a call's variables exist only for the call triggers",
    ),
}

# Variables whose names the template itself chooses.
DYNAMIC_VARIABLES: dict[str, VariableDoc] = {
    "connect fields": VariableDoc(
        "Each `<Authentication><Fields><Field name=…>`: the value typed on the connect page, "
        "e.g. `{{.subdomain}}`. Known in every scenario.",
        "acme",
    ),
    "follow-up targets": VariableDoc(
        "Each name of a follow-up request's `<TargetVariables>`, set from its response. "
        "Known in every scenario; targets of `connected` and `token_refreshed` persist with "
        "the integration, the others live for the call.",
    ),
    "extra variables": VariableDoc(
        "Each `<CreateContact><ContactType><ExtraVariables><Variable name=…>`. Known in the "
        "create contact, call log and ticket scenarios.",
    ),
    "extra request outputs": VariableDoc(
        "Each `<Output name=…>` of a scenario's `<ExtraRequests>`, read from that request's "
        "answer. Known in the later extra requests of the same scenario and in the rest of "
        "it: its duplicate check, its request, its options and (contact search) its popup "
        "URL. Unset (empty) when the request was skipped or the output found nothing; an "
        "output named like a variable replaces it.",
        "42",
    ),
}

_NUMBER = "a phone number of the matched contact, as the helpdesk stores it"

VARIABLES: dict[str, VariableDoc] = {
    # everywhere
    "redirect_uri": VariableDoc(
        "ringdesk's OAuth2 callback URL for this integration (`RINGDESK_PUBLIC_URL` + "
        "`/api/v1/oauth/callback`).",
        "https://ringdesk.example.com/api/v1/oauth/callback",
    ),
    "basic_string": VariableDoc(
        "Base64 of the rendered `<Basic><Format>`; every request of a Basic integration "
        "carries `Authorization: Basic {{.basic_string}}`.",
        "YWRhQGV4YW1wbGUuY29tL3Rva2VuOnNlY3JldA==",
    ),
    "AccessToken": VariableDoc(
        "The current access token (OAuth2), or the rendered `<Bearer><Token>` (Bearer).",
    ),
    "RefreshToken": VariableDoc(
        "The current OAuth2 refresh token (use it in the `<Refresh><Body>`).",
    ),
    # contact search and pop
    "Phone": VariableDoc(
        "The number searched: the caller's (or callee's) number in one of the forms the "
        "integration tries (option `phone_forms`), or the number an agent typed.",
        "+4930123456",
    ),
    "ContactId": VariableDoc(
        "The contact's ID in the helpdesk: the mapped `ContactId` in the popup URL; the "
        "matched or created contact in call logs and tickets (empty when none).",
        "381",
    ),
    "FirstName": VariableDoc(
        "The contact's first name (popup). Create contact: the PBX caller name up to its "
        "last space (`Ada King` of `Ada King Lovelace`); empty for a one-word name or none.",
        "Ada",
    ),
    "LastName": VariableDoc(
        "The contact's last name (popup). Create contact: the caller name's last word, the "
        "whole one-word name, or the number when the PBX sent no name.",
        "Lovelace",
    ),
    "Company": VariableDoc("The contact's company (popup).", "Analytical Engines Ltd"),
    "Email": VariableDoc("The contact's email address (popup).", "ada@example.com"),
    "BusinessNumber": VariableDoc(
        f"The business number: {_NUMBER} (popup); the caller's number (create contact).",
        "+4930123456",
    ),
    "BusinessNumber2": VariableDoc(f"A second business number: {_NUMBER}."),
    "MobileNumber": VariableDoc(f"The mobile number: {_NUMBER}."),
    "MobileNumber2": VariableDoc(f"A second mobile number: {_NUMBER}."),
    "HomeNumber": VariableDoc(f"The home number: {_NUMBER}."),
    "HomeNumber2": VariableDoc(f"A second home number: {_NUMBER}."),
    "BusinessFax": VariableDoc("The business fax number (does not count as a phone field)."),
    "HomeFax": VariableDoc("The home fax number (does not count as a phone field)."),
    "OtherNumber": VariableDoc(f"Another number: {_NUMBER}."),
    "CustomValue": VariableDoc(
        "The value mapped to the `CustomValue` field; only in the popup URL, never shown "
        "as a contact detail.",
        "ada-lovelace",
    ),
    # create contact
    "CallId": VariableDoc("The PBX's ID of the call.", "1732521600.42"),
    # call log and ticket
    "Call_From": VariableDoc("The calling number, as the PBX sent it.", "+4930123456"),
    "Call_To": VariableDoc("The called number or extension.", "1001"),
    "Call_From_Name": VariableDoc("The caller's name, when the PBX sends one.", "Ada Lovelace"),
    "Call_To_Name": VariableDoc("The callee's name, when the PBX sends one.", "Front desk"),
    "Communication_Type": VariableDoc(
        "The direction: `Inbound`, `Outbound` or `Internal`.", "Inbound"
    ),
    "Call_Status": VariableDoc(
        "The outcome: `Answered`, `Missed` (inbound, nobody answered), `No Answer`, `Busy`, "
        "`Failed` or `Voicemail`.",
        "Missed",
    ),
    "Call_Log_Status": VariableDoc("The same outcome as `Call_Status`.", "Answered"),
    "StartTimeUnix": VariableDoc(
        "When the call started, in Unix seconds (format it with `TimeFormat`).", "1732521600"
    ),
    "Time": VariableDoc(
        "When the call started, `YYYY-MM-DD HH:MM:SS` in the integration's time zone.",
        "2024-11-25 08:00:00",
    ),
    "Talk_Duration": VariableDoc("The talk time as `HH:MM:SS`.", "00:03:25"),
    "Talk_Duration_Sec": VariableDoc("The talk time in seconds.", "205"),
    "Ring_Duration_Sec": VariableDoc("How long it rang, in seconds.", "12"),
    "RecordPath": VariableDoc(
        "The recording's URL; empty when there is none or the integration's "
        "`play_recording` option is off.",
        "https://pbx.example.com/rec/42.wav",
    ),
    "Subject": VariableDoc(
        "The subject option (call log or ticket), rendered with the other variables.",
        "Inbound call +4930123456",
    ),
    "Description": VariableDoc(
        "The description option, rendered with the other variables (it may use `{{.Subject}}`).",
    ),
    "Owner": VariableDoc(
        "The helpdesk user ID tied to the handling extension (user association); empty "
        "when the extension has no user.",
        "7",
    ),
    "WhoModule": VariableDoc("The contact type of the matched contact.", "Contacts"),
    "ContactNumber": VariableDoc(
        "The matched contact's number, else the other party's number.", "+4930123456"
    ),
    "ContactName": VariableDoc("The matched or created contact's name.", "Ada Lovelace"),
    "Extension": VariableDoc("The handling extension.", "1001"),
    "ExtensionName": VariableDoc("The handling extension's name.", "Alice Archer"),
    "Queue": VariableDoc("The queue or ring group the call came through, if any.", "support"),
}
