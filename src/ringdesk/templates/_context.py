"""The validation context: collects `Problem`s, finds lines, and checks expressions
(`{{…}}` templates, GJSON paths, JSON bodies) through the `_checks` adapter."""

from __future__ import annotations

import json
import re
from typing import Any

from ringdesk.templates import _checks
from ringdesk.templates import model as m
from ringdesk.templates.paths import split_paths
from ringdesk.templates.problem import Problem, Severity

__all__ = ["HTTP_METHODS", "NAME", "Ctx"]

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SAMPLE_PHONE = "15551234567"


class Ctx:
    """Collects problems for one template; knows lines and the variables of each scenario."""

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

    def add(
        self,
        severity: Severity,
        section: str,
        field: str,
        loc: str,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        if line is None:
            line = self.t.line_of(loc) if loc else None
        self.problems.append(Problem(severity, section, field, line, message, column))

    def error(self, section: str, field: str, loc: str, message: str, **kw: Any) -> None:
        self.add("error", section, field, loc, message, **kw)

    def warning(self, section: str, field: str, loc: str, message: str, **kw: Any) -> None:
        self.add("warning", section, field, loc, message, **kw)

    def known(self, scenario: str) -> list[str]:
        names = [
            *m.EVERYWHERE_VARIABLES,
            *self.t.connect_variables(),
            *self.followup_targets,
            *m.SCENARIO_VARIABLES.get(scenario, ()),
        ]
        if scenario in ("create_contact", "call_log", "ticket"):
            names.extend(self.extras)
        return list(dict.fromkeys(names))

    # ---- expressions -----------------------------------------------------------------
    def text_line(self, loc: str) -> int | None:
        return self.t.locations.get(loc + "#") or self.t.line_of(loc)

    def template(self, section: str, field: str, loc: str, text: str, scenario: str) -> None:
        """E1/E4: `{{…}}` compiles; unknown variables are warnings listing the known ones."""
        if "{{" not in text and "}}" not in text:
            return
        base = self.text_line(loc)
        problem = _checks.template_error(text)
        if problem is not None:
            line = base + problem.line - 1 if base and problem.line else base
            self.error(
                section,
                field,
                loc,
                f"template syntax: {problem.message}",
                line=line,
                column=problem.column,
            )
            return
        used = _checks.referenced_variables(text)
        known = self.known(scenario)
        unknown = sorted((used or set()) - set(known))
        if unknown:
            self.warning(
                section,
                field,
                loc,
                f"unknown variable(s) {', '.join(unknown)}; known here: {', '.join(known)}",
                line=base,
            )

    def gjson(self, section: str, field: str, loc: str, text: str, *, phone: bool = False) -> None:
        """E3: every comma-separated GJSON path compiles (C4 paths may hold `{{.Phone}}`)."""
        for path in split_paths(text):
            if "{{" in path:
                self.template(section, field, loc, path, "contact_search" if phone else "users")
                rendered = _checks.render(path, {"Phone": _SAMPLE_PHONE}, "gjson")
                if rendered is None:
                    continue
                path = rendered
            problem = _checks.gjson_error(path)
            if problem is not None:
                self.error(
                    section,
                    field,
                    loc,
                    f"GJSON path {path!r}: {problem.message}",
                    column=problem.column,
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
    ) -> None:
        """Bodies/headers are JSON templates: after a sample render they must parse."""
        if not text:
            return
        sample = {name: "x" for name in self.known(scenario)}
        rendered = _checks.render(text, sample, "json") if "{{" in text else text
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
                loc,
                f"not JSON after rendering sample values ({exc.msg})",
                line=self.text_line(loc),
            )
            return
        if object_required and not isinstance(value, dict):
            self.error(section, field, loc, "must be a JSON object", line=self.text_line(loc))

    def method(self, section: str, field: str, loc: str, method: str) -> None:
        if method.upper() not in HTTP_METHODS or method != method.upper():
            self.error(
                section,
                field,
                loc,
                f"HTTP method {method!r} is not one of {', '.join(HTTP_METHODS)}",
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
    ) -> None:
        self.method(section, f"{prefix}@method", loc, q.method)
        if not q.url:
            self.error(section, f"{prefix}.Url", loc, "a URL is required")
        self.template(section, f"{prefix}.Url", f"{loc}.Url", q.url, scenario)
        self.template(section, f"{prefix}.Body", f"{loc}.Body", q.body, scenario)
        if json_body:
            self.json_body(section, f"{prefix}.Body", f"{loc}.Body", q.body, scenario)
