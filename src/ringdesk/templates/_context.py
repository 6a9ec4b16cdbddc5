"""The validation context: collects `Problem`s, places them (line and column), and checks
expressions (`{{…}}` templates, GJSON and JSONPath paths, JSON bodies, URL bases) through
the `_checks` adapter."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from ringdesk.templates import _checks
from ringdesk.templates import model as m
from ringdesk.templates.problem import Problem, Severity
from ringdesk.templates.vocabulary import URL_BASE

__all__ = ["HTTP_METHODS", "NAME", "Ctx", "path_pieces"]

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SAMPLE_PHONE = "15551234567"
# Variables that hold numbers (durations, Unix time) or, in most helpdesks, numeric ids: a
# body may put them where JSON wants a number (`"requester_id":{{.ContactId}}`, required by
# helpdesks that refuse "123" for an integer field), so their sample value is a number.
_NUMERIC_SAMPLES = frozenset(
    {"ContactId", "Owner", "StartTimeUnix", "Talk_Duration_Sec", "Ring_Duration_Sec"}
)
# A URL template that starts with a bare value: `{{.base_url}}/api`, `{{- .x -}}…`.


_QUOTE_LIMIT = 60


def _quoted(path: str) -> str:
    """`path` quoted for a message; a long one (a hostile path nested 3,000 deep) is cut, as
    the problem's line and column already point at it."""
    if len(path) <= _QUOTE_LIMIT:
        return repr(path)
    return repr(path[:_QUOTE_LIMIT]) + f"… ({len(path)} characters)"


def path_pieces(text: str) -> list[tuple[int, str]]:
    """The comma-separated paths of `text` (C4) with the offset where each starts."""
    from ringdesk.templates.paths import split_paths

    pieces: list[tuple[int, str]] = []
    cursor = 0
    for piece in split_paths(text):
        start = text.find(piece, cursor)
        start = cursor if start == -1 else start
        pieces.append((start, piece))
        cursor = start + len(piece)
    return pieces


def _offset_of(text: str, problem: _checks.SyntaxProblem) -> int:
    """The 0-based offset in `text` of a problem (from its offset, or its line/column)."""
    if problem.offset is not None:
        return max(0, min(problem.offset, len(text)))
    if problem.line is None:
        return 0
    lines = text.split("\n")
    before = sum(len(line) + 1 for line in lines[: problem.line - 1])
    return before + max((problem.column or 1) - 1, 0)


def text_key(loc: str) -> str:
    """The positions key of the value at `loc`: an attribute (`…@x`) as is, an element's text
    under `…#`."""
    if loc.endswith("#") or "@" in loc.rpartition(".")[2]:
        return loc
    return loc + "#"


class Ctx:
    """Collects problems for one template; knows positions and the variables of each scenario."""

    def __init__(self, template: m.Template):
        self.t = template
        self.problems: list[Problem] = []
        self.followup_targets = [
            v for q in template.follow_up_requests for v in q.variable_list if NAME.match(v)
        ]
        self.extras = [
            v.name
            for c in (template.create_contact.contact_types if template.create_contact else ())
            for v in c.extra_variables
        ]
        self.url_fields = template.url_field_names()

    def add(
        self,
        severity: Severity,
        section: str,
        field: str,
        loc: str,
        message: str,
        *,
        offset: int = 0,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        """Record a problem at `loc` (a positions key; `offset` characters into its value),
        unless `line`/`column` are given."""
        if line is None and loc:
            line, found_column = self.t.position_of(loc, offset)
            column = found_column if column is None else column
        self.problems.append(Problem(severity, section, field, line, message, column))

    def error(self, section: str, field: str, loc: str, message: str, **kw: Any) -> None:
        self.add("error", section, field, loc, message, **kw)

    def warning(self, section: str, field: str, loc: str, message: str, **kw: Any) -> None:
        self.add("warning", section, field, loc, message, **kw)

    def known(self, scenario: str, extra: Iterable[str] = ()) -> list[str]:
        names = [
            *m.EVERYWHERE_VARIABLES,
            *self.t.connect_variables(),
            *self.followup_targets,
            *m.SCENARIO_VARIABLES.get(scenario, ()),
        ]
        if scenario in ("create_contact", "call_log", "ticket"):
            names.extend(self.extras)
        names.extend(extra)
        return list(dict.fromkeys(names))

    # ---- expressions -----------------------------------------------------------------
    def template(
        self,
        section: str,
        field: str,
        loc: str,
        text: str,
        scenario: str,
        *,
        extra: Iterable[str] = (),
    ) -> None:
        """E1/E4: `{{…}}` compiles; unknown variables are warnings listing the known ones.
        Both are placed where they are in the value at `loc`."""
        if "{{" not in text and "}}" not in text:
            return
        key = text_key(loc)
        problem = _checks.template_error(text)
        if problem is not None:
            self.error(
                section,
                field,
                key,
                f"template syntax: {problem.message}",
                offset=_offset_of(text, problem),
            )
            return
        problem = _checks.budget_error(text)
        if problem is not None:
            self.error(
                section,
                field,
                key,
                f"template too costly: {problem.message}",
                offset=_offset_of(text, problem),
            )
            return
        used = _checks.referenced_variables(text)
        known = self.known(scenario, extra)
        unknown = sorted((used or set()) - set(known))
        if unknown:
            first = re.search(rf"\.(?:{'|'.join(map(re.escape, unknown))})\b", text)
            self.warning(
                section,
                field,
                key,
                f"unknown variable(s) {', '.join(unknown)}; known here: {', '.join(known)}",
                offset=first.start() if first else 0,
            )

    def gjson(self, section: str, field: str, loc: str, text: str, *, phone: bool = False) -> None:
        """E3: every comma-separated GJSON path compiles (C4 paths may hold `{{.Phone}}`)."""
        key = text_key(loc)
        for start, path in path_pieces(text):
            checked, templated = path, "{{" in path
            if templated:
                scenario = "contact_search" if phone else "users"
                self.template(section, field, loc, path, scenario)
                rendered = _checks.render(path, {"Phone": _SAMPLE_PHONE}, "gjson")
                if rendered is None:
                    continue
                checked = rendered
            problem = _checks.gjson_error(checked)
            if problem is not None:
                # inside a rendered path, offsets no longer match the source: the path's start
                inner = 0 if templated or problem.offset is None else problem.offset
                self.error(
                    section,
                    field,
                    key,
                    f"GJSON path {_quoted(checked)}: {problem.message}",
                    offset=start + min(inner, len(path)),
                )

    def jsonpath(self, section: str, field: str, loc: str, text: str) -> None:
        """Every comma-separated RFC 9535 JSONPath in `text` parses."""
        key = text_key(loc)
        for start, path in path_pieces(text):
            problem = _checks.jsonpath_error(path)
            if problem is not None:
                inner = min(problem.offset or 0, len(path))
                self.error(
                    section,
                    field,
                    key,
                    f"JSONPath {_quoted(path)}: {problem.message}",
                    offset=start + inner,
                )

    def json_body(
        self,
        section: str,
        field: str,
        loc: str,
        text: str,
        scenario: str,
        *,
        object_required: bool = False,
        extra: Iterable[str] = (),
    ) -> None:
        """Bodies/headers are JSON templates: after a sample render they must parse."""
        if not text:
            return
        key = text_key(loc)
        sample = {
            name: "1" if name in _NUMERIC_SAMPLES else "x" for name in self.known(scenario, extra)
        }
        templated = "{{" in text
        rendered = _checks.render(text, sample, "json") if templated else text
        if rendered is None:
            return
        try:
            value = json.loads(rendered)
        except json.JSONDecodeError as exc:
            severity: Severity = "error" if object_required else "warning"
            self.add(
                severity,
                section,
                field,
                key,
                f"not JSON after rendering sample values ({exc.msg})",
                offset=0 if templated else exc.pos,
            )
            return
        if object_required and not isinstance(value, dict):
            self.error(section, field, key, "must be a JSON object")

    def method(self, section: str, field: str, loc: str, method: str) -> None:
        if method.upper() not in HTTP_METHODS or method != method.upper():
            self.error(
                section,
                field,
                loc,
                f"HTTP method {method!r} is not one of {', '.join(HTTP_METHODS)}",
            )

    def url_base(self, section: str, field: str, loc: str, text: str) -> None:
        """A URL that starts with `{{.X}}` takes its scheme and host from X: only a `url`
        connect field (checked when connecting) or ringdesk's `redirect_uri` may do that."""
        match = URL_BASE.match(text)
        if match is None:
            return
        name = match.group(1)
        if name in self.url_fields or name == "redirect_uri":
            return
        if name in self.t.connect_variables():
            hint = f'declare it <Field type="url" name="{name}" …/>'
        else:
            hint = 'only a connect field declared <Field type="url" …/> can start a URL'
        self.error(
            section,
            field,
            text_key(loc),
            f"the URL starts with {{{{.{name}}}}}, which is not a url connect field: {hint} "
            "(only url fields are trusted as a URL base)",
            offset=text.index("{{"),
        )

    def request(
        self,
        section: str,
        prefix: str,
        loc: str,
        q: m.RequestSpec,
        scenario: str,
        *,
        json_body: bool = True,
        extra: Iterable[str] = (),
    ) -> None:
        extra = tuple(extra)
        self.method(section, f"{prefix}@method", f"{loc}@method", q.method)
        if not q.url:
            self.error(section, f"{prefix}.Url", loc, "a URL is required")
        self.template(section, f"{prefix}.Url", f"{loc}.Url", q.url, scenario, extra=extra)
        self.url_base(section, f"{prefix}.Url", f"{loc}.Url", q.url)
        self.template(section, f"{prefix}.Body", f"{loc}.Body", q.body, scenario, extra=extra)
        if json_body:
            self.json_body(section, f"{prefix}.Body", f"{loc}.Body", q.body, scenario, extra=extra)
