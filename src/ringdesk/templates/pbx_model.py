"""The PBX's own integration-template XML (`<Information Provider="helpdesk">` with
`<Scenarios>`), as read before conversion: frozen dataclasses that keep every attribute's raw
value and where it sits, so the conversion report can point at anything it could not map.

Every element and attribute has a stable key (`Scenario[AuthMethod]/Parameter[Scope]`,
`Scenario[CallJournal]/Request[CallJournal]@URLFormat`, `Request[GetIdentities]/Output[…]`)
and a comparable value; `PbxDocument.elements()` lists them all. The converter accounts for
each key (mapped, changed, not mapped), and a round trip compares the values of the mapped
ones. A request reached through another's `<Outputs Next="…">` is keyed by its name alone
(`Request[Name]`), wherever it sits, because the chain and not its place gives its meaning.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from ringdesk.templates._base import Span

__all__ = [
    "Element",
    "Loc",
    "PbxDocument",
    "PbxOutput",
    "PbxParameter",
    "PbxRequest",
    "PbxScenario",
    "Stray",
]


@dataclass(frozen=True)
class Loc:
    """Where an element starts (1-based line and column), where each attribute's name starts,
    and the spans of each attribute's value (to place an offset inside it)."""

    line: int
    column: int
    attr_starts: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    attr_spans: Mapping[str, tuple[Span, ...]] = field(default_factory=dict)

    def at(self, attr: str = "", offset: int = 0) -> tuple[int, int]:
        """(line, column) of character `offset` of attribute `attr`'s value; of the attribute
        or of the element when the value's position is unknown."""
        spans = self.attr_spans.get(attr) if attr else None
        if spans:
            start, line, column = spans[0]
            for span in spans[1:]:
                if span[0] > offset:
                    break
                start, line, column = span
            return line, column + max(offset - start, 0)
        if attr and attr in self.attr_starts:
            return self.attr_starts[attr]
        return self.line, self.column


@dataclass(frozen=True)
class Element:
    """One keyed thing of the document: its comparable value and where it starts."""

    value: tuple[str, ...]
    line: int
    column: int


@dataclass(frozen=True)
class Stray:
    """An attribute, element or text the reader does not know: kept to be reported."""

    key: str
    what: str  # "attribute", "element" or "text"
    value: str
    line: int
    column: int


@dataclass(frozen=True)
class PbxParameter:
    """`<Parameter Name Value Father Type Editor Title Key/>`; absent attributes are ""."""

    key: str
    name: str
    value: str
    father: str
    type: str
    editor: str
    title: str
    field_key: str  # the `Key` attribute: a custom field's variable name
    loc: Loc
    duplicate: bool = False  # an earlier parameter has the same father and name
    strays: tuple[Stray, ...] = ()

    @property
    def compared(self) -> tuple[str, ...]:
        return (self.value, self.type, self.editor, self.title, self.field_key)


@dataclass(frozen=True)
class PbxOutput:
    """`<Output Name Path/>`: a variable read from the response by a GJSON path."""

    key: str
    name: str
    path: str
    loc: Loc
    duplicate: bool = False
    strays: tuple[Stray, ...] = ()


@dataclass(frozen=True)
class PbxRequest:
    """`<Request Name Method ResponseType URLFormat>` with its `<Parameters>` (the body is the
    one named `Data`) and `<Outputs Next="…">`. `next_key` is the key of the request `Next`
    names ("" when it names none); `target` is True when some `Next` reaches this one."""

    key: str
    name: str
    scenario: str
    method: str
    response_type: str
    url: str
    loc: Loc
    attrs: tuple[str, ...] = ()  # the known attributes present
    parameters: tuple[PbxParameter, ...] = ()
    outputs: tuple[PbxOutput, ...] = ()
    next: str = ""
    next_key: str = ""
    outputs_loc: Loc | None = None
    target: bool = False
    strays: tuple[Stray, ...] = ()

    @property
    def body(self) -> PbxParameter | None:
        return next((p for p in self.parameters if p.name == "Data"), None)

    def attr_key(self, attr: str) -> str:
        return f"{self.key}@{attr}"

    @property
    def next_attr_key(self) -> str:
        return f"{self.key}/Outputs@Next"


@dataclass(frozen=True)
class PbxScenario:
    """`<Scenario Id Type>`: its parameters, requests, and anything else found in it."""

    key: str
    id: str
    type: str
    loc: Loc
    parameters: tuple[PbxParameter, ...] = ()
    requests: tuple[PbxRequest, ...] = ()
    duplicate: bool = False  # an earlier scenario has the same Id
    strays: tuple[Stray, ...] = ()

    def parameter(self, name: str, father: str = "") -> PbxParameter | None:
        """The first parameter of that name (and father) in this scenario."""
        return next(
            (
                p
                for p in self.parameters
                if p.name == name and p.father == father and not p.duplicate
            ),
            None,
        )


@dataclass(frozen=True)
class PbxDocument:
    """A whole PBX template: the root's attributes, its global parameters, its scenarios."""

    attrs: Mapping[str, str]
    loc: Loc
    parameters: tuple[PbxParameter, ...] = ()
    scenarios: tuple[PbxScenario, ...] = ()
    strays: tuple[Stray, ...] = ()

    def scenario(self, scenario_id: str) -> PbxScenario | None:
        return next((s for s in self.scenarios if s.id == scenario_id and not s.duplicate), None)

    def requests(self) -> Iterator[PbxRequest]:
        for scenario in self.scenarios:
            yield from scenario.requests

    def request(self, key: str) -> PbxRequest | None:
        return next((r for r in self.requests() if r.key == key), None)

    def elements(self) -> dict[str, Element]:
        """Every keyed element, attribute and stray of the document, in document order."""
        out: dict[str, Element] = {}
        for name, value in self.attrs.items():
            line, column = self.loc.at(name)
            out[f"Information@{name}"] = Element((value,), line, column)
        for parameter in self.parameters:
            _parameter(out, parameter)
        for scenario in self.scenarios:
            out[scenario.key] = Element((scenario.type,), scenario.loc.line, scenario.loc.column)
            for parameter in scenario.parameters:
                _parameter(out, parameter)
            for request in scenario.requests:
                _request(out, request)
            _strays(out, scenario.strays)
        _strays(out, self.strays)
        return out


def _strays(out: dict[str, Element], strays: tuple[Stray, ...]) -> None:
    for stray in strays:
        out[stray.key] = Element((stray.value,), stray.line, stray.column)


def _parameter(out: dict[str, Element], parameter: PbxParameter) -> None:
    out[parameter.key] = Element(parameter.compared, parameter.loc.line, parameter.loc.column)
    _strays(out, parameter.strays)


def _request(out: dict[str, Element], request: PbxRequest) -> None:
    loc = request.loc
    out[request.key] = Element((request.name,), loc.line, loc.column)
    values = {"Method": request.method, "URLFormat": request.url}
    values["ResponseType"] = request.response_type
    for attr in ("Method", "ResponseType", "URLFormat"):
        if attr in request.attrs:
            line, column = loc.at(attr)
            out[request.attr_key(attr)] = Element((values[attr],), line, column)
    for parameter in request.parameters:
        _parameter(out, parameter)
    if request.next and request.outputs_loc is not None:
        line, column = request.outputs_loc.at("Next")
        out[request.next_attr_key] = Element((request.next,), line, column)
    for output in request.outputs:
        out[output.key] = Element((output.path,), output.loc.line, output.loc.column)
        _strays(out, output.strays)
    _strays(out, request.strays)
