"""Builders of the scenario sections: user association (U), contact search (C), create
contact (N), call log (L), ticket (T), and the request parts they share (requests, extra
requests, duplicate checks, pagination)."""

from __future__ import annotations

from typing import Any

from ringdesk.templates import model as m
from ringdesk.templates._reader import Reader
from ringdesk.templates._xmlread import Node

__all__ = [
    "build_call_log",
    "build_contact_search",
    "build_create_contact",
    "build_ticket",
    "build_user_association",
]


def build_request(parent: Node, r: Reader, path: str, default_method: str) -> m.RequestSpec:
    node = r.child(parent, "Request")
    if node is None:
        return m.RequestSpec(method=default_method)
    path = f"{path}.Request"
    r.enter(node, path, attrs=("method",), children=("Url", "Body"))
    return m.RequestSpec(
        method=r.attr(node, "method", default_method),
        url=r.text(node, "Url", path),
        body=r.text(node, "Body", path),
    )


def build_extra_requests(parent: Node, r: Reader, path: str) -> tuple[m.ExtraRequest, ...]:
    """The optional `<ExtraRequests>` of a scenario: requests run first for their outputs."""
    node = r.child(parent, "ExtraRequests")
    if node is None:
        return ()
    path = f"{path}.ExtraRequests"
    r.enter(node, path, repeated=("Request",))
    requests = []
    for i, q in enumerate(r.children(node, "Request")):
        p = f"{path}.Request[{i}]"
        r.enter(q, p, attrs=("name", "method"), children=("Url", "Body", "Headers", "Outputs"))
        outputs: list[m.Output] = []
        outputs_node = r.child(q, "Outputs")
        if outputs_node is not None:
            r.enter(outputs_node, f"{p}.Outputs", repeated=("Output",))
            for j, o in enumerate(r.children(outputs_node, "Output")):
                r.enter(o, f"{p}.Outputs.Output[{j}]", attrs=("name", "path", "jsonpath", "header"))
                outputs.append(
                    m.Output(
                        name=r.attr(o, "name"),
                        path=r.attr(o, "path"),
                        jsonpath=r.attr(o, "jsonpath"),
                        header=r.attr(o, "header"),
                    )
                )
        requests.append(
            m.ExtraRequest(
                name=r.attr(q, "name"),
                method=r.attr(q, "method", "GET"),
                url=r.text(q, "Url", p),
                body=r.text(q, "Body", p),
                headers=r.text(q, "Headers", p),
                outputs=tuple(outputs),
            )
        )
    return tuple(requests)


def build_duplicate_check(parent: Node, r: Reader, path: str) -> m.DuplicateCheck | None:
    """The optional `<DuplicateCheck>`: a lookup that finds a record the create made before."""
    node = r.child(parent, "DuplicateCheck")
    if node is None:
        return None
    path = f"{path}.DuplicateCheck"
    r.enter(node, path, attrs=("method", "idPath"), children=("Url", "Body"))
    return m.DuplicateCheck(
        method=r.attr(node, "method", "GET"),
        id_path=r.attr(node, "idPath"),
        url=r.text(node, "Url", path),
        body=r.text(node, "Body", path),
    )


# ---- Pagination and user association ---------------------------------------------------
_PAGINATION_INTS = {
    "pageStart": "page_start",
    "pageSize": "page_size",
    "offsetStart": "offset_start",
    "limit": "limit",
}
_PAGINATION_STRS = {
    "type": "type",
    "pageParam": "page_param",
    "pageSizeParam": "page_size_param",
    "offsetParam": "offset_param",
    "limitParam": "limit_param",
    "nextLinkPath": "next_link_path",
    "cursorPath": "cursor_path",
    "cursorParam": "cursor_param",
    "hasMorePath": "has_more_path",
}
_USER_MAPPING = {"id": "id", "firstName": "first_name", "lastName": "last_name", "email": "email"}


def build_pagination(parent: Node, r: Reader, path: str) -> m.Pagination:
    """`<Pagination …/>` of a user association or a contact type (absent = no paging)."""
    node = r.child(parent, "Pagination")
    if node is None:
        return m.Pagination()
    path = f"{path}.Pagination"
    r.enter(node, path, attrs=(*_PAGINATION_STRS, *_PAGINATION_INTS))
    values: dict[str, Any] = {
        field: node.attrib[a] for a, field in _PAGINATION_STRS.items() if a in node.attrib
    }
    defaults = m.Pagination()
    for a, field in _PAGINATION_INTS.items():
        values[field] = r.int_attr(node, a, path, getattr(defaults, field))
    return m.Pagination(**values)


def build_user_association(node: Node, r: Reader, path: str) -> m.UserAssociation:
    r.enter(node, path, attrs=("enabled",), children=("Request", "Pagination", "Mapping"))
    pagination = build_pagination(node, r, path)
    mapping = m.UserMapping()
    map_node = r.child(node, "Mapping")
    if map_node is not None:
        r.enter(map_node, f"{path}.Mapping", attrs=tuple(_USER_MAPPING))
        mapping = m.UserMapping(
            **{f: map_node.attrib[a] for a, f in _USER_MAPPING.items() if a in map_node.attrib}
        )
    return m.UserAssociation(
        enabled=r.bool_attr(node, "enabled", path, False),
        request=build_request(node, r, path, "GET"),
        pagination=pagination,
        mapping=mapping,
    )


# ---- Contact search and create contact -------------------------------------------------
def build_contact_search(node: Node, r: Reader, path: str) -> m.ContactSearch:
    r.enter(node, path, repeated=("ContactType",))
    return m.ContactSearch(
        contact_types=tuple(
            build_contact_type(c, r, f"{path}.ContactType[{i}]")
            for i, c in enumerate(r.children(node, "ContactType"))
        )
    )


def build_contact_type(node: Node, r: Reader, path: str) -> m.ContactType:
    r.enter(
        node,
        path,
        attrs=("name", "match", "phoneForms"),
        children=("ExtraRequests", "Request", "Pagination", "Popup", "Mapping"),
    )
    popup = m.Popup()
    popup_node = r.child(node, "Popup")
    if popup_node is not None:
        r.enter(popup_node, f"{path}.Popup", attrs=("mode",), text=True)
        popup = m.Popup(mode=r.attr(popup_node, "mode", "url"), value=popup_node.text)
    fields: list[m.MappedField] = []
    map_node = r.child(node, "Mapping")
    if map_node is not None:
        r.enter(map_node, f"{path}.Mapping", repeated=("Field",))
        for i, f in enumerate(r.children(map_node, "Field")):
            p = f"{path}.Mapping.Field[{i}]"
            r.enter(f, p, attrs=("name", "path", "required"))
            fields.append(
                m.MappedField(
                    name=r.attr(f, "name"),
                    path=r.attr(f, "path"),
                    required=r.bool_attr(f, "required", p, False),
                )
            )
    return m.ContactType(
        name=r.attr(node, "name"),
        match=r.attr(node, "match", "query"),
        phone_forms=r.attr(node, "phoneForms"),
        extra_requests=build_extra_requests(node, r, path),
        request=build_request(node, r, path, "GET"),
        pagination=build_pagination(node, r, path),
        popup=popup,
        mapping=m.ContactMapping(fields=tuple(fields)),
    )


def build_create_contact(node: Node, r: Reader, path: str) -> m.CreateContact:
    r.enter(node, path, attrs=("enabled",), repeated=("ContactType",))
    types = []
    for i, c in enumerate(r.children(node, "ContactType")):
        p = f"{path}.ContactType[{i}]"
        r.enter(
            c,
            p,
            attrs=("name",),
            children=("ExtraRequests", "DuplicateCheck", "Request", "ExtraVariables"),
        )
        extras: list[m.ExtraVariable] = []
        ev_node = r.child(c, "ExtraVariables")
        if ev_node is not None:
            r.enter(ev_node, f"{p}.ExtraVariables", repeated=("Variable",))
            for j, v in enumerate(r.children(ev_node, "Variable")):
                r.enter(
                    v, f"{p}.ExtraVariables.Variable[{j}]", attrs=("name", "from", "path", "value")
                )
                extras.append(
                    m.ExtraVariable(
                        name=r.attr(v, "name"),
                        source=r.attr(v, "from", "response"),
                        path=r.attr(v, "path"),
                        value=r.attr(v, "value"),
                    )
                )
        types.append(
            m.CreateContactType(
                name=r.attr(c, "name"),
                extra_requests=build_extra_requests(c, r, p),
                duplicate_check=build_duplicate_check(c, r, p),
                request=build_request(c, r, p, "POST"),
                extra_variables=tuple(extras),
            )
        )
    return m.CreateContact(
        enabled=r.bool_attr(node, "enabled", path, False), contact_types=tuple(types)
    )


# ---- Call log and ticket ---------------------------------------------------------------
def build_option_text(parent: Node, tag: str, r: Reader, path: str) -> m.OptionText:
    node = r.child(parent, tag)
    if node is None:
        return m.OptionText()
    p = f"{path}.{tag}"
    r.enter(node, p, attrs=("enabled",), text=True)
    return m.OptionText(enabled=r.bool_attr(node, "enabled", p, False), default=node.text)


def build_option_flag(parent: Node, tag: str, r: Reader, path: str) -> m.OptionFlag:
    node = r.child(parent, tag)
    if node is None:
        return m.OptionFlag()
    p = f"{path}.{tag}"
    r.enter(node, p, attrs=("enabled", "default"))
    return m.OptionFlag(
        enabled=r.bool_attr(node, "enabled", p, False),
        default=r.bool_attr(node, "default", p, False),
    )


_CALL_LOG_OPTIONS = ("Subject", "Description", "PlayRecording", "SkipMissedForUnansweredAgents")


_SCENARIO_CHILDREN = ("ExtraRequests", "DuplicateCheck", "Request", "Options")


def build_call_log(node: Node, r: Reader, path: str) -> m.CallLog:
    r.enter(node, path, attrs=("enabled",), children=_SCENARIO_CHILDREN)
    options = m.CallLogOptions()
    opt = r.child(node, "Options")
    if opt is not None:
        p = f"{path}.Options"
        r.enter(opt, p, children=_CALL_LOG_OPTIONS)
        options = m.CallLogOptions(
            subject=build_option_text(opt, "Subject", r, p),
            description=build_option_text(opt, "Description", r, p),
            play_recording=build_option_flag(opt, "PlayRecording", r, p),
            skip_missed_for_unanswered_agents=build_option_flag(
                opt, "SkipMissedForUnansweredAgents", r, p
            ),
        )
    return m.CallLog(
        enabled=r.bool_attr(node, "enabled", path, False),
        extra_requests=build_extra_requests(node, r, path),
        duplicate_check=build_duplicate_check(node, r, path),
        request=build_request(node, r, path, "POST"),
        options=options,
    )


def build_ticket(node: Node, r: Reader, path: str) -> m.Ticket:
    r.enter(node, path, attrs=("enabled",), children=_SCENARIO_CHILDREN)
    options = m.TicketOptions()
    opt = r.child(node, "Options")
    if opt is not None:
        p = f"{path}.Options"
        r.enter(opt, p, children=("Subject", "Description"))
        options = m.TicketOptions(
            subject=build_option_text(opt, "Subject", r, p),
            description=build_option_text(opt, "Description", r, p),
        )
    return m.Ticket(
        enabled=r.bool_attr(node, "enabled", path, False),
        extra_requests=build_extra_requests(node, r, path),
        duplicate_check=build_duplicate_check(node, r, path),
        request=build_request(node, r, path, "POST"),
        options=options,
    )
