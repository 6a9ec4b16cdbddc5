"""PBX requests → ringdesk requests: following `<Outputs Next="…">` chains, choosing each
chain's scenario request, and converting requests, extra requests and their outputs.

A chain is a scenario's request and the requests its `Next` leads to, in order. ringdesk
runs a scenario's extra requests *before* its own request, each seeing the outputs of the
ones before it, which is how a PBX chain runs too. So the chain's requests before the one
that yields the scenario's record (its id output, e.g. `ContactsId`; else the last request)
become `<ExtraRequests>` with their `<Outputs>`, that one becomes the scenario's request,
and any request after it has no ringdesk equivalent and is reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection

from ringdesk.templates import model as m
from ringdesk.templates._pbx_ctx import Ctx
from ringdesk.templates.pbx_model import PbxRequest, PbxScenario

__all__ = [
    "chain",
    "extra_request",
    "extra_requests",
    "link",
    "request_spec",
    "roots",
    "split",
    "strays",
]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
AFTER = "runs after the scenario's request; ringdesk runs extra requests only before it"


def roots(scenario: PbxScenario | None) -> list[PbxRequest]:
    """The requests of `scenario` that start a chain (no `Next` leads to them)."""
    return [r for r in scenario.requests if not r.target] if scenario else []


def chain(c: Ctx, root: PbxRequest) -> list[PbxRequest]:
    """`root` and the requests its `Next` leads to; a `Next` naming nothing, or going back
    to a request of the chain, is reported and ends it."""
    out = [root]
    request = root
    while request.next:
        target = c.doc.request(request.next_key) if request.next_key else None
        if target is None:
            c.ledger.unmapped(request.next_attr_key, f"no request is called {request.next!r}")
            break
        if target in out:
            c.ledger.unmapped(request.next_attr_key, f"{request.next!r} makes a loop")
            break
        out.append(target)
        request = target
    return out


def split(
    requests: list[PbxRequest], id_output: str
) -> tuple[list[PbxRequest], PbxRequest, list[PbxRequest]]:
    """(before, the scenario's request, after): the first request whose outputs include
    `id_output` with a path, else the last one."""
    index = next(
        (
            i
            for i, r in enumerate(requests)
            if any(o.name == id_output and o.path for o in r.outputs)
        ),
        len(requests) - 1,
    )
    return requests[:index], requests[index], requests[index + 1 :]


def link(c: Ctx, requests: list[PbxRequest], after: list[PbxRequest]) -> None:
    """Mark the `Next` links kept between `requests` (in order), and report the rest."""
    for request in requests[:-1]:
        c.ledger.mapped(request.next_attr_key)
    if after:
        c.ledger.unmapped(
            requests[-1].next_attr_key, "leads to requests that have no ringdesk equivalent"
        )
        for request in after:
            c.cover(request, AFTER)


def strays(c: Ctx, request: PbxRequest) -> None:
    for stray in (
        *request.strays,
        *(s for p in request.parameters for s in p.strays),
        *(s for o in request.outputs for s in o.strays),
    ):
        c.ledger.unmapped(stray.key, f"unknown {stray.what}")


def _method(c: Ctx, request: PbxRequest, default: str) -> str:
    if "Method" not in request.attrs or not request.method.strip():
        c.ledger.empty(request.attr_key("Method"))
        return default
    method = request.method.strip().upper()
    if method != request.method:
        c.ledger.changed(request.attr_key("Method"), f"written {method!r}")
    c.ledger.mapped(request.attr_key("Method"))
    return method


def _response_type(c: Ctx, request: PbxRequest) -> None:
    key = request.attr_key("ResponseType")
    if request.response_type.strip().lower() in ("", "application/json"):
        c.ledger.mapped(key)
    else:
        c.ledger.changed(key, f"ringdesk reads every answer as JSON, not {request.response_type}")


def _body(c: Ctx, request: PbxRequest, scenario: str, keep: Collection[str]) -> str:
    body = request.body
    if body is None:
        return ""
    if body.type and body.type.lower() != "body":
        c.ledger.changed(body.key, f"Type {body.type!r}: read as the request body")
    if not body.value:
        c.ledger.empty(body.key)
        return ""
    return c.parameter_text(body, scenario, keep=keep).strip()


def _headers(
    c: Ctx, request: PbxRequest, scenario: str, keep: Collection[str], *, allowed: bool
) -> dict[str, str]:
    """The request's own `Type="Header"` parameters (extra requests only); other
    parameters besides the body are reported."""
    headers: dict[str, str] = {}
    body = request.body
    for p in request.parameters:
        if body is not None and p.key == body.key:
            continue
        if p.duplicate:
            c.ledger.unmapped(p.key, "appears twice; the first one is used")
        elif p.type.lower() == "header" and allowed:
            headers[p.name] = c.parameter_text(p, scenario, keep=keep).strip()
        elif p.type.lower() == "header":
            c.ledger.unmapped(
                p.key,
                "ringdesk sends no headers of a scenario request's own: make it a custom header",
            )
        else:
            c.ledger.unmapped(p.key, f"a request parameter ringdesk does not know ({p.name!r})")
    return headers


def request_spec(
    c: Ctx, request: PbxRequest, scenario: str, default: str, keep: Collection[str] = ()
) -> m.RequestSpec:
    """The scenario's own request (its name and outputs are the caller's to mark)."""
    strays(c, request)
    _response_type(c, request)
    _headers(c, request, scenario, keep, allowed=False)
    return m.RequestSpec(
        method=_method(c, request, default),
        url=c.url(request, scenario, keep=keep).strip(),
        body=_body(c, request, scenario, keep),
    )


def extra_request(
    c: Ctx, request: PbxRequest, scenario: str, keep: Collection[str]
) -> m.ExtraRequest:
    """A request run before the scenario's own, with its outputs (GJSON paths)."""
    strays(c, request)
    _response_type(c, request)
    name = request.name
    if not _NAME.match(name):
        name = re.sub(r"\W", "_", name).lstrip("0123456789") or "request"
        c.ledger.changed(request.key, f"the name {request.name!r} is written {name!r}")
    c.ledger.mapped(request.key)
    headers = _headers(c, request, scenario, keep, allowed=True)
    outputs: list[m.Output] = []
    for output in request.outputs:
        if output.duplicate:
            c.ledger.unmapped(output.key, "appears twice; the first one is used")
        elif not output.path:
            c.ledger.empty(output.key)
        elif not _NAME.match(output.name):
            c.ledger.unmapped(output.key, f"{output.name!r} is not a variable name")
        else:
            c.ledger.mapped(output.key)
            outputs.append(m.Output(name=output.name, path=output.path))
    return m.ExtraRequest(
        name=name,
        method=_method(c, request, "GET"),
        url=c.url(request, scenario, keep=keep).strip(),
        body=_body(c, request, scenario, keep),
        headers=json.dumps(headers, ensure_ascii=False) if headers else "",
        outputs=tuple(outputs),
    )


def extra_requests(
    c: Ctx, requests: list[PbxRequest], scenario: str
) -> tuple[tuple[m.ExtraRequest, ...], list[str]]:
    """Several extra requests in order, and the output names they define."""
    keep: list[str] = []
    extras: list[m.ExtraRequest] = []
    for request in requests:
        extra = extra_request(c, request, scenario, keep)
        extras.append(extra)
        keep += [o.name for o in extra.outputs]
    return tuple(extras), keep
