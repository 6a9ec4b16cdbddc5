"""ringdesk template → the PBX's template XML (pure): `export_pbx(t)` writes everything the
import reads, in the layout of the PBX's own files, so PBX → ringdesk → PBX gives back every
element the import mapped. What the PBX format cannot hold (follow-up requests, pagination,
duplicate checks, JSONPath outputs...) is listed in the export's findings and in a comment at
the top of the file.

A scenario's extra requests and its own request are written as one `Next` chain: the first
request in the scenario, the others in the `Common` scenario (where the PBX keeps the
requests that `Next` reaches). A contact search is written twice, as `SyncContactAuto` (calls)
and `SearchContact` (lookups), as the PBX's own editor does.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field, replace

from ringdesk.templates import model as m
from ringdesk.templates._write import escape_attr
from ringdesk.templates.library import slugify
from ringdesk.templates.pbx_expr import convert_text
from ringdesk.templates.pbx_report import Finding
from ringdesk.templates.pbx_vocabulary import (
    AUTH,
    COMMON,
    CONTACT_OUTPUTS,
    CREATE,
    EXPORT_RENAMES,
    FATHER_AUTH_OPTION,
    FATHER_FIELDS,
    FATHER_HEADERS,
    FIELD_FOR_URI,
    JOURNAL,
    NO_REFRESH,
    SCENARIO_TYPES,
    SEARCH,
    SYNC,
    TICKET,
    URL_FORMAT_MODE,
    USER_OUTPUTS,
    USERS,
)

__all__ = ["Export", "export_pbx"]

_PBX_FIELD = {ringdesk: pbx for pbx, ringdesk in CONTACT_OUTPUTS.items()}
_PBX_USER = {ringdesk: pbx for pbx, ringdesk in USER_OUTPUTS.items()}
_EDITOR = {"text": "string", "password": "password", "select": "select", "url": "string"}
_URL_BASE = re.compile(r"\s*\{\{-?\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}")
_HEADER_SCOPES = {"scenarios", "extra"}
_FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Export:
    """The PBX XML and what could not be written (ringdesk elements, with their line)."""

    xml: str
    findings: tuple[Finding, ...]


@dataclass
class _Request:
    name: str
    method: str
    url: str
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    outputs: list[tuple[str, str]] = field(default_factory=list)
    next: _Request | None = None
    scenario: str = ""


def export_pbx(template: m.Template) -> Export:
    """The PBX template XML of `template`; never raises."""
    return _Exporter(template).run()


class _Exporter:
    def __init__(self, template: m.Template):
        self.t = template
        self.findings: list[Finding] = []
        self.roots: dict[str, list[_Request]] = {}
        self.common: list[_Request] = []
        self.lines: list[str] = []

    # ---- findings and text -------------------------------------------------------------
    def lost(self, path: str, message: str) -> None:
        line, column = self.t.position_of(path)
        self.findings.append(Finding("unmapped", path, line, column, message))

    def text(self, value: str, path: str) -> str:
        converted = convert_text(value, "", renames=EXPORT_RENAMES)
        for note in converted.notes:
            if note.kind == "unmapped":
                self.lost(path, note.message)
        return converted.text

    # ---- chains ------------------------------------------------------------------------
    def extra_request(self, e: m.ExtraRequest, path: str) -> _Request:
        headers: dict[str, str] = {}
        if e.headers.strip():
            try:
                parsed = json.loads(e.headers)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict) and all(isinstance(v, str) for v in parsed.values()):
                headers = {str(k): self.text(v, f"{path}.Headers") for k, v in parsed.items()}
            else:
                self.lost(f"{path}.Headers", "only a JSON object of text values becomes headers")
        outputs = []
        for i, o in enumerate(e.outputs):
            if o.path:
                outputs.append((o.name, o.path))
            else:
                self.lost(f"{path}.Outputs.Output[{i}]", "PBX outputs are GJSON paths only")
        return _Request(
            e.name,
            e.method,
            self.text(e.url, f"{path}.Url"),
            self.text(e.body, f"{path}.Body"),
            headers,
            outputs,
        )

    def chain(
        self,
        sid: str,
        path: str,
        extras: tuple[m.ExtraRequest, ...],
        primary: _Request,
    ) -> _Request:
        """Write `extras` then `primary` as one chain rooted in scenario `sid`."""
        requests = [
            self.extra_request(e, f"{path}.ExtraRequests.Request[{i}]")
            for i, e in enumerate(extras)
        ]
        requests.append(primary)
        for before, after in itertools.pairwise(requests):
            before.next = after
        for request in requests:
            request.scenario = sid
        self.roots.setdefault(sid, []).append(requests[0])
        self.common += requests[1:]
        return requests[0]

    def primary(
        self,
        name: str,
        spec: m.RequestSpec,
        path: str,
        outputs: list[tuple[str, str]] | None = None,
    ) -> _Request:
        return _Request(
            name,
            spec.method,
            self.text(spec.url, f"{path}.Url"),
            self.text(spec.body, f"{path}.Body"),
            outputs=outputs or [],
        )

    # ---- sections ----------------------------------------------------------------------
    def run(self) -> Export:
        t = self.t
        self.bases = {match.group(1) for url in _urls(t) if (match := _URL_BASE.match(url))}
        auth = self.authentication()
        sync = self.contact_search()
        users = self.users()
        create = self.create_contact()
        ticket = self.delivery(TICKET, "Ticket", t.ticket)
        journal = self.delivery(JOURNAL, "CallLog", t.call_log)
        for i, _ in enumerate(t.follow_up_requests):
            self.lost(
                f"FollowUpRequests.Request[{i}]",
                "the PBX's follow-up requests are set in its own editor; "
                "their XML is not published",
            )
        if t.general.logo is not None:
            self.lost("General.Logo", "the PBX keeps a logo file name, not the image")
        self.unique_names()
        scenarios: list[tuple[str, list[list[str]]]] = [
            (AUTH, auth),
            (SYNC, sync),
            (SEARCH, []),
            (USERS, users),
            (CREATE, create),
            (TICKET, ticket),
            (JOURNAL, journal),
            (COMMON, []),
        ]
        self.write(scenarios)
        return Export("\n".join(self.lines) + "\n", tuple(self.findings))

    def authentication(self) -> list[list[str]]:
        a, P = self.t.authentication, "Authentication"
        params: list[list[str]] = [["Name", "AuthMethod", "Value", a.method]]
        oauth = a.oauth2 if a.method == "oauth2" else None
        basic = a.basic if a.method == "basic" else None
        bearer = a.bearer if a.method == "bearer" else None
        scheme = oauth.scheme if oauth else bearer.scheme if bearer else ""
        params.append(["Name", "TokenType", "Value", scheme])
        params.append(
            [
                "Name",
                "AuthEndPoint",
                "Value",
                self.text(oauth.authorize_url, f"{P}.OAuth2.AuthorizeUrl") if oauth else "",
            ]
        )
        params.append(
            [
                "Name",
                "TokenEndPoint",
                "Value",
                self.text(oauth.token_url, f"{P}.OAuth2.TokenUrl") if oauth else "",
            ]
        )
        params.append(
            [
                "Name",
                "AdditionalQueryString",
                "Value",
                self.text(oauth.extra_query, f"{P}.OAuth2.ExtraQuery") if oauth else "",
            ]
        )
        params.append(["Name", "Scope", "Value", ",".join(oauth.scope_list) if oauth else ""])
        if oauth is not None:
            params += self.refresh(oauth)
        params.append(["Name", "CredentialType", "Value", basic.credential_type if basic else ""])
        params.append(
            [
                "Name",
                "Base64EncodedCredential",
                "Value",
                self.text(basic.format, f"{P}.Basic.Format") if basic else "",
            ]
        )
        if bearer is not None:
            params.append(
                ["Name", "AccessToken", "Value", self.text(bearer.token, f"{P}.Bearer.Token")]
            )
        for i, f in enumerate(a.fields):
            if f.type == "url" and f.name not in self.bases:
                self.lost(
                    f"{P}.Fields.Field[{i}]",
                    "a url field not starting any URL is a text field in the PBX",
                )
            value = f.options if f.type == "select" else ""
            params.append(
                [
                    "Father",
                    FATHER_FIELDS,
                    "Name",
                    f.name,
                    "Value",
                    value,
                    "Editor",
                    _EDITOR.get(f.type, "string"),
                    "Title",
                    f.title,
                    "Key",
                    f.name,
                ]
            )
        for i, h in enumerate(self.t.headers):
            path = f"Headers.Header[{i}]"
            if not self.same_scopes(set(h.scopes)):
                self.lost(
                    f"{path}@appliesTo", "PBX headers go on every scenario and chained request"
                )
            if h.description:
                self.lost(f"{path}@description", "PBX headers have no description in the XML")
            params.append(
                [
                    "Father",
                    FATHER_HEADERS,
                    "Name",
                    h.name,
                    "Type",
                    "Header",
                    "Value",
                    self.text(h.value, path),
                ]
            )
        if a.method == "oauth2" and oauth is None:
            self.lost(P, "oauth2 without an <OAuth2> section")
        return params

    def same_scopes(self, scopes: set[str]) -> bool:
        """Whether a header with `scopes` goes where a PBX header goes: the scenario requests
        and, when the template has any, the extra requests and duplicate checks."""
        t = self.t
        creates = t.create_contact.contact_types if t.create_contact else ()
        sections: list[m.ContactType | m.CreateContactType | m.CallLog | m.Ticket | None] = [
            t.call_log,
            t.ticket,
            *t.contact_search.contact_types,
            *creates,
        ]
        extras = any(s is not None and s.extra_requests for s in sections) or any(
            getattr(s, "duplicate_check", None) is not None for s in sections
        )
        return scopes == _HEADER_SCOPES or (not extras and scopes == {"scenarios"})

    def refresh(self, oauth: m.OAuth2) -> list[list[str]]:
        path = "Authentication.OAuth2"
        if oauth.token_content_type != _FORM:
            self.lost(
                f"{path}.TokenContentType",
                "the PBX's name for the token content type is not published",
            )
        r = oauth.refresh
        if r is None:
            return [["Father", FATHER_AUTH_OPTION, "Name", NO_REFRESH, "Value", "0"]]
        if r.interval_minutes != 0:
            self.lost(
                f"{path}.Refresh",
                "the PBX's refresh settings are not published: it renews at the token endpoint",
            )
            return [["Father", FATHER_AUTH_OPTION, "Name", NO_REFRESH, "Value", "0"]]
        if r.url != oauth.token_url or r.method != "POST":
            self.lost(
                f"{path}.Refresh",
                "the PBX's refresh settings are not published: "
                "only 'never on a schedule' is written",
            )
        return [["Father", FATHER_AUTH_OPTION, "Name", NO_REFRESH, "Value", "1"]]

    def contact_search(self) -> list[list[str]]:
        types = self.t.contact_search.contact_types
        popup = types[0].popup if types else m.Popup()
        params: list[list[str]] = [
            [
                "Name",
                "ContactUrlType",
                "Value",
                FIELD_FOR_URI if popup.mode == "field" else URL_FORMAT_MODE,
            ],
            [
                "Name",
                "URLFormat",
                "Value",
                self.text(popup.value, "ContactSearch.ContactType[0].Popup")
                if popup.mode != "field"
                else "",
            ],
            ["Name", "ContactFieldForUri", "Value", popup.value if popup.mode == "field" else ""],
        ]
        mapped: set[str] = set()
        for i, ct in enumerate(types):
            path = f"ContactSearch.ContactType[{i}]"
            if ct.popup != popup:
                self.lost(
                    f"{path}.Popup",
                    "the PBX has one screen-pop URL for all contact types: the first one's",
                )
            if ct.match != "query":
                self.lost(f"{path}@match", "the PBX always lets the helpdesk filter by {{.Phone}}")
            if ct.phone_forms:
                self.lost(f"{path}@phoneForms", "the PBX has no phone forms")
            if ct.pagination.type != "none":
                self.lost(f"{path}.Pagination", "the PBX does not page contact searches")
            outputs = []
            for j, f in enumerate(ct.mapping.fields):
                name = _PBX_FIELD.get(f.name)
                if name is None:
                    self.lost(
                        f"{path}.Mapping.Field[{j}]", f"the PBX has no contact field {f.name}"
                    )
                    continue
                if f.required != (f.name in ("ContactId", "FirstName")):
                    self.lost(
                        f"{path}.Mapping.Field[{j}]@required",
                        "the PBX requires ContactsId and FirstName, nothing else",
                    )
                mapped.add(name)
                outputs.append((name, f.path))
            self.chain(
                SYNC,
                path,
                ct.extra_requests,
                self.primary(ct.name, ct.request, f"{path}.Request", outputs),
            )
        for name in (*CONTACT_OUTPUTS, "Remark"):
            params.append(["Name", f"{name}Enable", "Value", "1" if name in mapped else "0"])
        return params

    def users(self) -> list[list[str]]:
        ua = self.t.user_association
        if ua is None:
            return []
        if ua.pagination.type != "none":
            self.lost(
                "UserAssociation.Pagination", "the PBX's pagination settings are not published"
            )
        outputs = [
            (_PBX_USER[name], getattr(ua.mapping, name))
            for name in ("id", "first_name", "last_name", "email")
            if getattr(ua.mapping, name)
        ]
        self.chain(
            USERS,
            "UserAssociation",
            (),
            self.primary(USERS, ua.request, "UserAssociation.Request", outputs),
        )
        return []

    def create_contact(self) -> list[list[str]]:
        cc = self.t.create_contact
        for i, ct in enumerate(cc.contact_types if cc else ()):
            path = f"CreateContact.ContactType[{i}]"
            if ct.duplicate_check is not None:
                self.lost(f"{path}.DuplicateCheck", "the PBX has no duplicate checks")
            outputs = []
            for j, v in enumerate(ct.extra_variables):
                if v.source == "response":
                    outputs.append((v.name, v.path))
                else:
                    self.lost(
                        f"{path}.ExtraVariables.Variable[{j}]",
                        f"from={v.source!r}: PBX outputs are GJSON paths on the answer",
                    )
            self.chain(
                CREATE,
                path,
                ct.extra_requests,
                self.primary(ct.name, ct.request, f"{path}.Request", outputs),
            )
        return []

    def delivery(
        self, sid: str, path: str, section: m.CallLog | m.Ticket | None
    ) -> list[list[str]]:
        if section is None:
            return []
        if section.duplicate_check is not None:
            self.lost(f"{path}.DuplicateCheck", "the PBX has no duplicate checks")
        self.chain(
            sid, path, section.extra_requests, self.primary(sid, section.request, f"{path}.Request")
        )
        o = section.options
        params = [
            ["Name", "EnableSubject", "Value", _flag(o.subject.enabled)],
            ["Name", "Subject", "Value", self.text(o.subject.default, f"{path}.Options.Subject")],
            ["Name", "EnableDescription", "Value", _flag(o.description.enabled)],
            [
                "Name",
                "Description",
                "Value",
                self.text(o.description.default, f"{path}.Options.Description"),
            ],
        ]
        if isinstance(o, m.CallLogOptions):
            params += [
                ["Name", "EnablePlayCallRecording", "Value", _flag(o.play_recording.enabled)],
                ["Name", "PlayCallRecording", "Value", _flag(o.play_recording.default)],
            ]
            skip = o.skip_missed_for_unanswered_agents
            if skip.enabled or skip.default:
                self.lost(
                    f"{path}.Options.SkipMissedForUnansweredAgents",
                    "the PBX's name for this option is not published",
                )
        params.append(["Name", "NeedSyncContact", "Value", "1"])
        return params

    # ---- names and layout --------------------------------------------------------------
    def unique_names(self) -> None:
        """Chained requests in Common need names no other request there (or in their own
        scenario, which `Next` searches first) has."""
        taken = {sid: {r.name for r in roots} for sid, roots in self.roots.items()}
        common: set[str] = set()
        for request in self.common:
            name, n = request.name, 1
            while name in common or name in taken.get(request.scenario, set()):
                n += 1
                name = f"{request.scenario}_{request.name}" + (f"_{n}" if n > 2 else "")
            if name != request.name:
                self.lost(
                    request.scenario,
                    f"request {request.name!r} is written {name!r}: its name is taken",
                )
                request.name = name
            common.add(name)

    def write(self, scenarios: list[tuple[str, list[list[str]]]]) -> None:
        t, out = self.t, self.lines
        out.append('<?xml version="1.0" encoding="UTF-8"?>')
        if self.findings:
            out.append("<!-- Exported by ringdesk. Not in the PBX format:")
            for f in self.findings:
                out.append(f"     {f.element}: {f.message}".replace("--", "- -"))
            out.append("-->")
        concurrency = t.general.max_concurrent_requests
        flags = {
            "UserAssociation": t.user_association is not None and t.user_association.enabled,
            "CallJournal": t.call_log is not None and t.call_log.enabled,
            "CreateNewContact": t.create_contact is not None and t.create_contact.enabled,
            "CreateNewTicket": t.ticket is not None and t.ticket.enabled,
        }
        root = [
            "Provider",
            "helpdesk",
            "Name",
            t.general.name,
            "Key",
            slugify(t.general.name).replace("-", "_"),
            "Remark",
            t.general.notes,
            "Version",
            "1.0.0",
            "AuthType",
            t.authentication.method,
            "MaxConcurrentRequest",
            "" if concurrency is None else str(concurrency),
        ]
        for name, on in flags.items():
            root += [name, _flag(on)]
        out.append(f"<Information{_attrs(root)}>")
        out.append("  <Parameters />")
        out.append("  <Scenarios>")
        for sid, params in scenarios:
            requests = list(self.roots.get(sid, []))
            if sid == SEARCH:
                requests = [replace(r, name=f"{SEARCH}_{r.name}") for r in self.roots.get(SYNC, [])]
            elif sid == COMMON:
                requests = self.common
            if not params and not requests and sid not in (AUTH, COMMON):
                continue
            out.append(f'    <Scenario Id="{sid}" Type="{SCENARIO_TYPES[sid]}">')
            out.append("      <Presets />")
            _block(out, "Parameters", [f"<Parameter{_attrs(p)} />" for p in params], 6)
            _block(out, "Requests", [line for r in requests for line in _request(r)], 6)
            if sid == AUTH:
                out.append("      <Responses />")
            out.append("    </Scenario>")
        out.append("  </Scenarios>")
        out.append("</Information>")


def _flag(on: bool) -> str:
    return "1" if on else "0"


def _attrs(pairs: list[str]) -> str:
    return "".join(f' {k}="{escape_attr(v)}"' for k, v in zip(pairs[::2], pairs[1::2], strict=True))


def _block(out: list[str], tag: str, lines: list[str], depth: int) -> None:
    pad = " " * depth
    if not lines:
        out.append(f"{pad}<{tag} />")
        return
    out.append(f"{pad}<{tag}>")
    out += [f"{pad}  {line}" for line in lines]
    out.append(f"{pad}</{tag}>")


def _request(r: _Request) -> list[str]:
    attrs = [
        "Name",
        r.name,
        "Method",
        r.method,
        "ResponseType",
        "application/json",
        "URLFormat",
        r.url,
    ]
    lines = [f"<Request{_attrs(attrs)}>"]
    params = []
    if r.body:
        params.append(f"<Parameter{_attrs(['Name', 'Data', 'Type', 'Body', 'Value', r.body])} />")
    for name, value in r.headers.items():
        params.append(f"<Parameter{_attrs(['Name', name, 'Type', 'Header', 'Value', value])} />")
    _block(lines, "Parameters", params, 2)
    outputs = [f"<Output{_attrs(['Name', n, 'Path', p])} />" for n, p in r.outputs]
    if r.next is not None:
        opening = f'<Outputs Next="{escape_attr(r.next.name)}">'
        lines += (
            [f"  {opening[:-1]} />"]
            if not outputs
            else [f"  {opening}", *(f"    {o}" for o in outputs), "  </Outputs>"]
        )
    else:
        _block(lines, "Outputs", outputs, 2)
    lines.append("</Request>")
    return lines


def _urls(t: m.Template) -> list[str]:
    """Every URL template of `t` (to tell which url fields start a URL)."""
    urls = [ct.request.url for ct in t.contact_search.contact_types]
    urls += [ct.popup.value for ct in t.contact_search.contact_types if ct.popup.mode == "url"]
    sections = [t.call_log, t.ticket]
    urls += [s.request.url for s in sections if s is not None]
    urls += [e.url for s in sections if s is not None for e in s.extra_requests]
    urls += [e.url for ct in t.contact_search.contact_types for e in ct.extra_requests]
    if t.create_contact is not None:
        urls += [ct.request.url for ct in t.create_contact.contact_types]
        urls += [e.url for ct in t.create_contact.contact_types for e in ct.extra_requests]
    if t.user_association is not None:
        urls.append(t.user_association.request.url)
    if t.authentication.oauth2 is not None:
        urls += [t.authentication.oauth2.authorize_url, t.authentication.oauth2.token_url]
    return urls
