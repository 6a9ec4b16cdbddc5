"""Read the PBX's template XML into a `PbxDocument` (pure).

The same defused parser as ringdesk's own format (no DTDs, no entities; every position kept).
The reader is lenient on purpose: anything it does not know (an attribute, an element, text)
is kept as a `Stray` for the conversion report instead of being refused, because an import
must say what it could not carry over, not stop at the first surprise. Only input that is not
XML, or whose root is not `<Information>`, raises a `TemplateError` with line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ringdesk.errors import TemplateError
from ringdesk.templates._xmlread import Node, parse_xml
from ringdesk.templates.pbx_model import (
    Loc,
    PbxDocument,
    PbxOutput,
    PbxParameter,
    PbxRequest,
    PbxScenario,
    Stray,
)
from ringdesk.templates.pbx_vocabulary import (
    COMMON,
    OUTPUT_ATTRS,
    PARAMETER_ATTRS,
    REQUEST_ATTRS,
    ROOT,
    ROOT_ATTRS,
)

__all__ = ["is_pbx", "read_pbx"]

# The first element after an optional BOM, XML declaration, comments and processing
# instructions: a PBX template's root is <Information>.
_SNIFF = re.compile(
    rb"(?:\xef\xbb\xbf)?\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*)*<" + ROOT.encode() + rb"[\s/>]", re.S
)
_SNIFF_BYTES = 65536


def is_pbx(data: str | bytes) -> bool:
    """Whether `data` is (meant as) a PBX template: its root element is `<Information>`."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return _SNIFF.match(raw[:_SNIFF_BYTES]) is not None


def read_pbx(data: str | bytes) -> PbxDocument:
    """Parse a PBX template; raises `TemplateError` (line, column) for malformed or unsafe XML
    and for a root other than `<Information>`. Everything else is read, known or not."""
    root = parse_xml(data)
    if root.tag != ROOT:
        raise TemplateError(
            f"the root element of a PBX template is <{ROOT}>, not <{root.tag}>",
            line=root.line,
            column=root.column,
        )
    return _Reader().document(root)


def _loc(node: Node) -> Loc:
    return Loc(node.line, node.column, dict(node.attr_starts), dict(node.attr_spans))


@dataclass
class _RawRequest:
    """Pass one: where a request sits and which request its `Next` names."""

    scenario_index: int
    scenario_id: str
    node: Node
    name: str
    next: str
    target_of: list[_RawRequest] = field(default_factory=list)
    resolved: _RawRequest | None = None
    key: str = ""


class _Reader:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def unique(self, key: str) -> tuple[str, bool]:
        """`key`, or `key#2`, `key#3`… when taken; and whether it was taken."""
        if key not in self.used:
            self.used.add(key)
            return key, False
        n = 2
        while f"{key}#{n}" in self.used:
            n += 1
        self.used.add(f"{key}#{n}")
        return f"{key}#{n}", True

    def strays(
        self, node: Node, key: str, attrs: tuple[str, ...], children: tuple[str, ...] = ()
    ) -> list[Stray]:
        """The attributes, child elements and text of `node` the format does not have."""
        found: list[Stray] = []
        for name, value in node.attrib.items():
            if name not in attrs:
                line, column = node.attr_starts.get(name, (node.line, node.column))
                found.append(
                    Stray(self.unique(f"{key}@{name}")[0], "attribute", value, line, column)
                )
        for child in node.children:
            if child.tag not in children:
                stray_key = self.unique(f"{key}/{child.tag}")[0]
                found.append(Stray(stray_key, "element", child.tag, child.line, child.column))
        if node.text:
            line, column = node.text_start
            found.append(Stray(self.unique(f"{key}#text")[0], "text", node.text[:80], line, column))
        return found

    # ---- the document ------------------------------------------------------------------
    def document(self, root: Node) -> PbxDocument:
        strays = self.strays(root, "Information", ROOT_ATTRS, ("Parameters", "Scenarios"))
        attrs = {name: value for name, value in root.attrib.items() if name in ROOT_ATTRS}
        parameters: list[PbxParameter] = []
        scenario_nodes: list[Node] = []
        for child in root.children:
            if child.tag == "Parameters":
                parameters += self.parameters(child, "Information/Parameters", strays)
            elif child.tag == "Scenarios":
                strays += self.strays(child, "Scenarios", (), ("Scenario",))
                scenario_nodes += [c for c in child.children if c.tag == "Scenario"]
        raw = self.link_requests(scenario_nodes)
        scenarios = [self.scenario(node, i, raw) for i, node in enumerate(scenario_nodes)]
        return PbxDocument(
            attrs=attrs,
            loc=_loc(root),
            parameters=tuple(parameters),
            scenarios=tuple(scenarios),
            strays=tuple(strays),
        )

    def parameters(self, node: Node, base: str, strays: list[Stray]) -> list[PbxParameter]:
        strays += self.strays(node, base, (), ("Parameter",))
        out = []
        for child in node.children:
            if child.tag != "Parameter":
                continue
            a = child.attrib.get
            father, name = a("Father", ""), a("Name", "")
            key, duplicate = self.unique(
                f"{base}/Parameter[{f'{father}/' if father else ''}{name}]"
            )
            out.append(
                PbxParameter(
                    key=key,
                    name=name,
                    value=a("Value", ""),
                    father=father,
                    type=a("Type", ""),
                    editor=a("Editor", ""),
                    title=a("Title", ""),
                    field_key=a("Key", ""),
                    loc=_loc(child),
                    duplicate=duplicate,
                    strays=tuple(self.strays(child, key, PARAMETER_ATTRS)),
                )
            )
        return out

    # ---- requests and their chains -----------------------------------------------------
    def link_requests(self, scenario_nodes: list[Node]) -> dict[int, _RawRequest]:
        """Pass one over every request: resolve each `Next` (the same scenario first, then
        `Common`, then any other) and give each request its key (by node identity)."""
        raw: list[_RawRequest] = []
        for index, scenario in enumerate(scenario_nodes):
            sid = scenario.attrib.get("Id", "")
            for holder in (c for c in scenario.children if c.tag == "Requests"):
                for node in (c for c in holder.children if c.tag == "Request"):
                    outputs = next((c for c in node.children if c.tag == "Outputs"), None)
                    target = outputs.attrib.get("Next", "") if outputs is not None else ""
                    raw.append(_RawRequest(index, sid, node, node.attrib.get("Name", ""), target))
        for request in raw:
            if request.next:
                request.resolved = _resolve(raw, request)
                if request.resolved is not None and request.resolved is not request:
                    request.resolved.target_of.append(request)
        for request in raw:
            if request.target_of:
                request.key = self.unique(f"Request[{request.name}]")[0]
        return {id(r.node): r for r in raw}

    def scenario(self, node: Node, index: int, raw: dict[int, _RawRequest]) -> PbxScenario:
        sid = node.attrib.get("Id", "")
        key, duplicate = self.unique(f"Scenario[{sid}]")
        strays = self.strays(
            node, key, ("Id", "Type"), ("Presets", "Parameters", "Requests", "Responses")
        )
        parameters: list[PbxParameter] = []
        requests: list[PbxRequest] = []
        for child in node.children:
            if child.tag in ("Presets", "Responses"):
                strays += self.strays(child, f"{key}/{child.tag}", ())
            elif child.tag == "Parameters":
                parameters += self.parameters(child, key, strays)
            elif child.tag == "Requests":
                strays += self.strays(child, f"{key}/Requests", (), ("Request",))
                for request in (c for c in child.children if c.tag == "Request"):
                    requests.append(self.request(request, key, sid, raw))
        return PbxScenario(
            key=key,
            id=sid,
            type=node.attrib.get("Type", ""),
            loc=_loc(node),
            parameters=tuple(parameters),
            requests=tuple(requests),
            duplicate=duplicate,
            strays=tuple(strays),
        )

    def request(
        self, node: Node, scenario_key: str, sid: str, raw: dict[int, _RawRequest]
    ) -> PbxRequest:
        entry = raw[id(node)]
        a = node.attrib.get
        key = entry.key or self.unique(f"{scenario_key}/Request[{a('Name', '')}]")[0]
        strays = self.strays(node, key, REQUEST_ATTRS, ("Parameters", "Outputs"))
        parameters: list[PbxParameter] = []
        outputs: list[PbxOutput] = []
        outputs_node: Node | None = None
        for child in node.children:
            if child.tag == "Parameters":
                parameters += self.parameters(child, key, strays)
            elif child.tag == "Outputs" and outputs_node is None:
                outputs_node = child
                strays += self.strays(child, f"{key}/Outputs", ("Next",), ("Output",))
                outputs += self.outputs(child, key)
            elif child.tag == "Outputs":
                strays.append(
                    Stray(
                        self.unique(f"{key}/Outputs")[0],
                        "element",
                        "Outputs",
                        child.line,
                        child.column,
                    )
                )
        resolved = entry.resolved
        return PbxRequest(
            key=key,
            name=a("Name", ""),
            scenario=sid,
            method=a("Method", ""),
            response_type=a("ResponseType", ""),
            url=a("URLFormat", ""),
            loc=_loc(node),
            attrs=tuple(n for n in REQUEST_ATTRS if n in node.attrib),
            parameters=tuple(parameters),
            outputs=tuple(outputs),
            next=entry.next,
            # a request naming itself gets its own key: the converter reports the cycle
            next_key=(resolved.key or key) if resolved is not None else "",
            outputs_loc=_loc(outputs_node) if outputs_node is not None else None,
            target=bool(entry.target_of),
            strays=tuple(strays),
        )

    def outputs(self, node: Node, request_key: str) -> list[PbxOutput]:
        out = []
        for child in (c for c in node.children if c.tag == "Output"):
            name = child.attrib.get("Name", "")
            key, duplicate = self.unique(f"{request_key}/Output[{name}]")
            out.append(
                PbxOutput(
                    key=key,
                    name=name,
                    path=child.attrib.get("Path", ""),
                    loc=_loc(child),
                    duplicate=duplicate,
                    strays=tuple(self.strays(child, key, OUTPUT_ATTRS)),
                )
            )
        return out


def _resolve(raw: list[_RawRequest], source: _RawRequest) -> _RawRequest | None:
    """The request `source.next` names: in its own scenario, else in Common, else anywhere."""
    named = [r for r in raw if r.name == source.next]
    for candidates in (
        [r for r in named if r.scenario_index == source.scenario_index],
        [r for r in named if r.scenario_id == COMMON],
        named,
    ):
        if candidates:
            return candidates[0]
    return None
