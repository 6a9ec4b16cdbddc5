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
from dataclasses import dataclass

from ringdesk.templates import model as m
from ringdesk.templates._pbx_export_auth import auth_parameters
from ringdesk.templates._pbx_layout import OutRequest, Param, document, flag, param
from ringdesk.templates.pbx_expr import convert_text
from ringdesk.templates.pbx_report import Finding
from ringdesk.templates.pbx_vocabulary import (
    AUTH,
    COMMON,
    CONTACT_OUTPUTS,
    CREATE,
    EXPORT_RENAMES,
    FIELD_FOR_URI,
    JOURNAL,
    SEARCH,
    SYNC,
    TICKET,
    URL_FORMAT_MODE,
    USER_OUTPUTS,
    USERS,
)
from ringdesk.templates.vocabulary import URL_BASE

__all__ = ["Export", "export_pbx"]

_PBX_FIELD = {ringdesk: pbx for pbx, ringdesk in CONTACT_OUTPUTS.items()}
_PBX_USER = {ringdesk: pbx for pbx, ringdesk in USER_OUTPUTS.items()}


@dataclass(frozen=True)
class Export:
    """The PBX XML and what could not be written (ringdesk elements, with their line)."""

    xml: str
    findings: tuple[Finding, ...]


def export_pbx(template: m.Template) -> Export:
    """The PBX template XML of `template`; never raises."""
    return _Exporter(template).run()


class _Exporter:
    def __init__(self, template: m.Template):
        self.t = template
        self.findings: list[Finding] = []
        self.roots: dict[str, list[OutRequest]] = {}
        self.common: list[OutRequest] = []

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
    def extra_request(self, e: m.ExtraRequest, path: str) -> OutRequest:
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
        return OutRequest(
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
        primary: OutRequest,
    ) -> OutRequest:
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
    ) -> OutRequest:
        return OutRequest(
            name,
            spec.method,
            self.text(spec.url, f"{path}.Url"),
            self.text(spec.body, f"{path}.Body"),
            outputs=outputs or [],
        )

    # ---- sections ----------------------------------------------------------------------
    def run(self) -> Export:
        t = self.t
        self.bases = {match.group(1) for url in _urls(t) if (match := URL_BASE.match(url))}
        auth = auth_parameters(t, self.lost, self.text, self.bases)
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
        scenarios: list[tuple[str, list[Param]]] = [
            (AUTH, auth),
            (SYNC, sync),
            (SEARCH, []),
            (USERS, users),
            (CREATE, create),
            (TICKET, ticket),
            (JOURNAL, journal),
            (COMMON, []),
        ]
        xml = document(t, scenarios, self.roots, self.common, self.findings)
        return Export(xml, tuple(self.findings))

    def contact_search(self) -> list[Param]:
        types = self.t.contact_search.contact_types
        popup = types[0].popup if types else m.Popup()
        by_field = popup.mode == "field"
        url = "" if by_field else self.text(popup.value, "ContactSearch.ContactType[0].Popup")
        params = [
            param("ContactUrlType", FIELD_FOR_URI if by_field else URL_FORMAT_MODE),
            param("URLFormat", url),
            param("ContactFieldForUri", popup.value if by_field else ""),
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
            params.append(param(f"{name}Enable", flag(name in mapped)))
        return params

    def users(self) -> list[Param]:
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

    def create_contact(self) -> list[Param]:
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

    def delivery(self, sid: str, path: str, section: m.CallLog | m.Ticket | None) -> list[Param]:
        if section is None:
            return []
        if section.duplicate_check is not None:
            self.lost(f"{path}.DuplicateCheck", "the PBX has no duplicate checks")
        self.chain(
            sid, path, section.extra_requests, self.primary(sid, section.request, f"{path}.Request")
        )
        o = section.options
        params = [
            param("EnableSubject", flag(o.subject.enabled)),
            param("Subject", self.text(o.subject.default, f"{path}.Options.Subject")),
            param("EnableDescription", flag(o.description.enabled)),
            param("Description", self.text(o.description.default, f"{path}.Options.Description")),
        ]
        if isinstance(o, m.CallLogOptions):
            params += [
                param("EnablePlayCallRecording", flag(o.play_recording.enabled)),
                param("PlayCallRecording", flag(o.play_recording.default)),
            ]
            skip = o.skip_missed_for_unanswered_agents
            if skip.enabled or skip.default:
                self.lost(
                    f"{path}.Options.SkipMissedForUnansweredAgents",
                    "the PBX's name for this option is not published",
                )
        params.append(param("NeedSyncContact", "1"))
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
