"""The text of an exported PBX template (pure): `<Information>` with its attributes, then the
scenarios with their parameters and requests, two-space indented like the PBX's own files,
with the export's findings in a comment at the top."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ringdesk.templates import model as m
from ringdesk.templates._write import escape_attr
from ringdesk.templates.library import slugify
from ringdesk.templates.pbx_report import Finding
from ringdesk.templates.pbx_vocabulary import AUTH, COMMON, SCENARIO_TYPES, SEARCH, SYNC

__all__ = ["OutRequest", "Param", "document", "flag", "param"]

# A `<Parameter>`'s attributes as name, value, name, value…
Param = list[str]


def param(name: str, value: str, father: str = "", **attrs: str) -> Param:
    """`Father` (when given), `Name`, `Value`, then `attrs` in order."""
    out = ["Father", father] if father else []
    out += ["Name", name]
    if "Type" in attrs:
        out += ["Type", attrs.pop("Type")]
    out += ["Value", value]
    for key, item in attrs.items():
        out += [key, item]
    return out


def flag(on: bool) -> str:
    return "1" if on else "0"


@dataclass
class OutRequest:
    """A request to write; `next` is the request its `Next` names."""

    name: str
    method: str
    url: str
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    outputs: list[tuple[str, str]] = field(default_factory=list)
    next: OutRequest | None = None
    scenario: str = ""


def document(
    t: m.Template,
    scenarios: list[tuple[str, list[Param]]],
    roots: dict[str, list[OutRequest]],
    common: list[OutRequest],
    findings: list[Finding],
) -> str:
    """The XML text: each scenario's parameters and root requests (SearchContact gets a copy
    of each SyncContactAuto root), the chained requests in Common."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    if findings:
        out.append("<!-- Exported by ringdesk. Not in the PBX format:")
        out += [f"     {f.element}: {f.message}".replace("--", "- -") for f in findings]
        out.append("-->")
    out.append(f"<Information{_attrs(_root(t))}>")
    out.append("  <Parameters />")
    out.append("  <Scenarios>")
    for sid, params in scenarios:
        requests = list(roots.get(sid, []))
        if sid == SEARCH:
            requests = [replace(r, name=f"{SEARCH}_{r.name}") for r in roots.get(SYNC, [])]
        elif sid == COMMON:
            requests = common
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
    return "\n".join(out) + "\n"


def _root(t: m.Template) -> list[str]:
    concurrency = t.general.max_concurrent_requests
    attrs = ["Provider", "helpdesk", "Name", t.general.name]
    attrs += ["Key", slugify(t.general.name).replace("-", "_"), "Remark", t.general.notes]
    attrs += ["Version", "1.0.0", "AuthType", t.authentication.method]
    attrs += ["MaxConcurrentRequest", "" if concurrency is None else str(concurrency)]
    sections = {
        "UserAssociation": t.user_association,
        "CallJournal": t.call_log,
        "CreateNewContact": t.create_contact,
        "CreateNewTicket": t.ticket,
    }
    for name, section in sections.items():
        attrs += [name, flag(section is not None and section.enabled)]
    return attrs


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


def _request(r: OutRequest) -> list[str]:
    attrs = ["Name", r.name, "Method", r.method, "ResponseType", "application/json"]
    lines = [f"<Request{_attrs([*attrs, 'URLFormat', r.url])}>"]
    params = [param("Data", r.body, Type="Body")] if r.body else []
    params += [param(name, value, Type="Header") for name, value in r.headers.items()]
    _block(lines, "Parameters", [f"<Parameter{_attrs(p)} />" for p in params], 2)
    outputs = [f"<Output{_attrs(['Name', n, 'Path', p])} />" for n, p in r.outputs]
    if r.next is None:
        _block(lines, "Outputs", outputs, 2)
    elif not outputs:
        lines.append(f'  <Outputs Next="{escape_attr(r.next.name)}" />')
    else:
        lines.append(f'  <Outputs Next="{escape_attr(r.next.name)}">')
        lines += [f"    {o}" for o in outputs]
        lines.append("  </Outputs>")
    lines.append("</Request>")
    return lines
