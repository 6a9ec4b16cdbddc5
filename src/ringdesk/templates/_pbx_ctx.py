"""The state of one PBX import: the document, its ledger, and the helpers every section's
converter uses to carry a value over and mark it (`pbx_convert`, `_pbx_scenarios`)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager

from ringdesk.templates import model as m
from ringdesk.templates._rules import MAX_FIELDS
from ringdesk.templates.model import ConnectField
from ringdesk.templates.pbx_expr import convert_text
from ringdesk.templates.pbx_model import Loc, PbxDocument, PbxParameter, PbxRequest, PbxScenario
from ringdesk.templates.pbx_report import Ledger
from ringdesk.templates.pbx_vocabulary import FATHER_SCENARIO_PARAMETER

__all__ = ["Ctx", "flag", "scenario_field", "unknown_parameters"]

_FLAGS = {"1": True, "true": True, "0": False, "false": False}


def flag(value: str) -> bool | None:
    """A PBX on/off value ("1"/"0", also "true"/"false"); None when it is neither."""
    return _FLAGS.get(value.strip().lower())


class Ctx:
    """One conversion: `doc`, the `ledger` marking each of its elements, the connect-field
    names (never renamed inside `{{…}}`; `auth_fields` are those of the AuthMethod scenario),
    fields that scenario parameters become, and every
    URL written (to find the fields used as a URL base)."""

    def __init__(self, doc: PbxDocument):
        self.doc = doc
        self.ledger = Ledger(doc.elements())
        self.field_names: set[str] = set()
        self.auth_fields: set[str] = set()
        self.scenario_fields: list[tuple[ConnectField, str]] = []  # (field, parameter key)
        self.urls: list[str] = []

    @contextmanager
    def dry(self) -> Iterator[None]:
        """Convert without marking anything (to compare two conversions first)."""
        real = self.ledger
        self.ledger = Ledger(real.universe)
        try:
            yield
        finally:
            self.ledger = real

    def text(
        self,
        value: str,
        key: str,
        loc: Loc,
        attr: str,
        scenario: str,
        *,
        keep: Collection[str] = (),
    ) -> str:
        """`value` (the `attr` of the element `key` at `loc`) in ringdesk's dialect; the
        element is marked mapped, or changed/unmapped with each note placed in the value."""
        converted = convert_text(value, scenario, keep=self.field_names | set(keep))
        for note in converted.notes:
            at = loc.at(attr, note.offset)
            if note.kind == "changed":
                self.ledger.changed(key, note.message, at)
            else:
                self.ledger.unmapped(key, note.message, at)
        self.ledger.mapped(key)
        return converted.text

    def parameter_text(
        self, parameter: PbxParameter, scenario: str, *, keep: Collection[str] = ()
    ) -> str:
        return self.text(
            parameter.value, parameter.key, parameter.loc, "Value", scenario, keep=keep
        )

    def url(self, request: PbxRequest, scenario: str, *, keep: Collection[str] = ()) -> str:
        url = self.text(
            request.url,
            request.attr_key("URLFormat"),
            request.loc,
            "URLFormat",
            scenario,
            keep=keep,
        )
        self.urls.append(url)
        return url

    def cover(self, request: PbxRequest, why: str) -> None:
        """Report `request` as not mapped, and everything in it as covered by that."""
        outputs = [o.name for o in request.outputs if o.path]
        detail = f" (its outputs {', '.join(outputs)} are lost)" if outputs else ""
        self.ledger.unmapped(request.key, f"request {request.name!r} {why}{detail}")
        quiet = [request.attr_key(a) for a in ("Method", "ResponseType", "URLFormat")]
        quiet += [p.key for p in request.parameters] + [o.key for o in request.outputs]
        quiet += [request.next_attr_key] + [s.key for s in request.strays]
        quiet += [s.key for p in request.parameters for s in p.strays]
        quiet += [s.key for o in request.outputs for s in o.strays]
        self.ledger.covered(*quiet)

    def cover_scenario(self, scenario: PbxScenario, why: str) -> None:
        self.ledger.unmapped(scenario.key, why)
        self.ledger.covered(*(p.key for p in scenario.parameters))
        self.ledger.covered(*(s.key for p in scenario.parameters for s in p.strays))
        self.ledger.covered(*(s.key for s in scenario.strays))
        for request in scenario.requests:
            if not request.target:
                self.cover(request, f"is in scenario {scenario.id!r}, which is not mapped")


def unknown_parameters(c: Ctx, scenario: PbxScenario, known: set[str]) -> None:
    """Report a scenario's parameters outside `known` (a per-scenario setting becomes a
    connect field)."""
    for p in scenario.parameters:
        for stray in p.strays:
            c.ledger.unmapped(stray.key, f"unknown {stray.what}")
        if p.duplicate:
            c.ledger.unmapped(p.key, "appears twice; the first one is used")
        elif p.father == FATHER_SCENARIO_PARAMETER:
            scenario_field(c, p)
        elif p.father or p.name not in known:
            c.ledger.unmapped(p.key, f"a {scenario.id} parameter ringdesk does not know")


def scenario_field(c: Ctx, p: PbxParameter) -> None:
    """A per-scenario setting (`CustomScenarioParameter`) becomes a connect field."""
    if p.name in c.auth_fields:
        c.ledger.unmapped(p.key, f"a connect field {p.name!r} exists already; it is used")
        return
    names = {f.name for f, _ in c.scenario_fields}
    if p.name not in names and len(c.auth_fields) + len(names) >= MAX_FIELDS:
        c.ledger.unmapped(p.key, f"ringdesk allows {MAX_FIELDS} connect fields, all taken")
        return
    if p.name not in names:
        title = p.title.strip() or p.name
        c.scenario_fields.append((m.ConnectField(type="text", name=p.name, title=title), p.key))
    c.ledger.changed(
        p.key,
        f"ringdesk has no per-scenario settings: {{{{.{p.name}}}}} is a connect field, set "
        "when connecting",
    )
