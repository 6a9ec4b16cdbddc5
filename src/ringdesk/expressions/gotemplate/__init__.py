"""The Go text/template dialect used in integration templates (requirements E1, E2, E4).

`render(template, data, escape=..., tz=...)` renders `{{…}}` templates over Mapping data;
`compile(template)` validates once (TemplateSyntaxError with 1-based line/column) and returns a
reusable `CompiledTemplate`; `referenced_variables(template)` lists the top-level `.Names` used.
Every evaluation runs within a `Budget` (value and output size, steps, time, nesting; default
`DEFAULT_BUDGET`, or `budget=` per call) and raises a located `BudgetExceeded` beyond it;
`check_budget(template, variables)` tells validation whether a template exceeds it with long
sample values.
Functions: Go's `eq ne lt le gt ge and or not len index slice print printf println html js
urlquery` plus `TimeFormat ToMillis Capitalize UrlEncode` (variables.md). Named templates work
as in Go: `{{define "n"}}…{{end}}` at the top level, `{{template "n" pipeline}}` and
`{{block "n" pipeline}}…{{end}}`; values inside them are escaped like any other.

Where ringdesk differs from Go on purpose: unset values render "" (Go: `<no value>`) and compare
equal to ""; an int and a float compare by value in `eq ne lt le gt ge` (JSON data has no
int/float distinction; Go reports incompatible types); `'…'` is a string literal (Go: a rune);
assigning to an undeclared `$x` and calling a template the source does not define are parse
errors; `call`, methods and complex numbers do not exist.

Escaping (`escape=`): `text` inserts values as they are, `json` escapes them for the inside of
a JSON string, `url` for the part of the URL they land in and `gjson` for where they land in a
GJSON path (see `_escape` and `_url`). In `url` mode only a `SafeURL` value (wrap the values of
connect fields declared `type="url"`) may form the scheme, host and path prefix; any other value
at the start of the URL is escaped so it cannot bring `/ ? # @ :`, in the path it is one
segment (`/`, `?`, `#`, `%`, backslash encoded; `.` and `..` written `%2E`, `%2E%2E`), in the query
or fragment fully encoded. `UrlEncode` output is inserted as is; `RawPath` output keeps its `/`
(see funcs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ringdesk.expressions import BudgetExceeded, ExpressionError
from ringdesk.expressions.budget import DEFAULT_BUDGET, Budget
from ringdesk.expressions.gotemplate import _parser as p
from ringdesk.expressions.gotemplate._escape import Escape
from ringdesk.expressions.gotemplate._exec import execute
from ringdesk.expressions.gotemplate._url import SafeURL
from ringdesk.expressions.gotemplate.funcs import FUNCS

__all__ = [
    "DEFAULT_BUDGET",
    "Budget",
    "BudgetExceeded",
    "CompiledTemplate",
    "Escape",
    "SafeURL",
    "check_budget",
    "compile",
    "referenced_variables",
    "render",
]


@dataclass(frozen=True, slots=True)
class CompiledTemplate:
    """A parsed template; `render` may be called any number of times. `defines` holds the
    templates it names with `{{define}}`/`{{block}}`."""

    source: str
    nodes: tuple[p.Node, ...]
    defines: Mapping[str, tuple[p.Node, ...]] = field(default_factory=dict, compare=False)

    def render(
        self,
        data: Mapping[str, Any],
        *,
        escape: Escape = "text",
        tz: str = "UTC",
        budget: Budget = DEFAULT_BUDGET,
    ) -> str:
        """Render over `data`; raises ExpressionError when execution fails and
        BudgetExceeded (an ExpressionError) when it goes over `budget`."""
        return execute(
            self.source, self.nodes, data, escape=escape, tz=tz, budget=budget, defines=self.defines
        )

    def referenced_variables(self) -> set[str]:
        """Top-level names used as `.Name` (or `$.Name`), also inside templates it calls
        with the top-level dot (`{{template "x" .}}`)."""
        names: set[str] = set()
        _Collector(self.defines, names).nodes(self.nodes, dot_is_root=True)
        return names


@lru_cache(maxsize=1024)
def compile(template: str) -> CompiledTemplate:
    """Parse `template`; raises TemplateSyntaxError (line/column 1-based) if it does not parse."""
    tree = p.parse(template, FUNCS)
    return CompiledTemplate(template, tree.nodes, tree.defines)


def render(
    template: str,
    data: Mapping[str, Any],
    *,
    escape: Escape = "text",
    tz: str = "UTC",
    budget: Budget = DEFAULT_BUDGET,
) -> str:
    """Render `template` over `data`, escaping each inserted value for `escape`; unset → "".

    Raises TemplateSyntaxError when it does not parse, ExpressionError when execution fails
    and BudgetExceeded (naming the limit, line and column) when it goes over `budget`.
    """
    return compile(template).render(data, escape=escape, tz=tz, budget=budget)


SAMPLE_RATIO = 1000  # sample values are max_value / SAMPLE_RATIO characters long


def check_budget(
    template: str,
    variables: Iterable[str] = (),
    *,
    escape: Escape = "text",
    budget: Budget = DEFAULT_BUDGET,
) -> BudgetExceeded | None:
    """Whether `template` goes over `budget` with long sample data: the BudgetExceeded, or None.

    Every name in `variables` and every top-level `.Name` the template reads is set to a
    string of `budget.max_value // 1000` characters (1,000 by default) and the template is
    rendered with `escape`. A BudgetExceeded then proves the template breaks its budget for
    plausible data: it loops past the step budget whatever the data, or amplifies its input
    more than about a thousandfold (`{{$a = printf "%s%s" $a $a}}` repeated), or nests
    `{{template}}` calls too deep. Other errors (a sample string where the template expects a
    number or a list) prove nothing and give None; so does a template that stays within the
    budget. Raises TemplateSyntaxError when the template does not parse. Meant for validating
    templates when they are saved; real data can still go over the budget at run time.
    """
    compiled = compile(template)
    sample = "x" * max(budget.max_value // SAMPLE_RATIO, 1)
    names = set(variables) | compiled.referenced_variables()
    try:
        compiled.render(dict.fromkeys(names, sample), escape=escape, budget=budget)
    except BudgetExceeded as exc:
        return exc
    except ExpressionError:
        return None
    return None


def referenced_variables(template: str) -> set[str]:
    """Top-level variable names the template reads as `.Name` (for unknown-variable warnings)."""
    return compile(template).referenced_variables()


class _Collector:
    """Walks a template for the top-level names it reads."""

    def __init__(self, defines: Mapping[str, tuple[p.Node, ...]], names: set[str]) -> None:
        self.defines = defines
        self.names = names
        self.visited: set[str] = set()

    def operand(self, node: p.Operand, dot_is_root: bool) -> None:
        if isinstance(node, p.Field):
            if dot_is_root:
                self.names.add(node.names[0])
        elif isinstance(node, p.Variable):
            if node.name == "$" and node.names:
                self.names.add(node.names[0])
        elif isinstance(node, p.Chain):
            self.operand(node.node, dot_is_root)
        elif isinstance(node, p.Pipe):
            self.pipe(node, dot_is_root)

    def pipe(self, pipe: p.Pipe, dot_is_root: bool) -> None:
        for cmd in pipe.cmds:
            for arg in cmd.args:
                self.operand(arg, dot_is_root)

    def nodes(self, nodes: Iterable[p.Node], *, dot_is_root: bool) -> None:
        for node in nodes:
            if isinstance(node, p.Action):
                self.pipe(node.pipe, dot_is_root)
            elif isinstance(node, (p.If, p.With, p.Range)):
                self.pipe(node.pipe, dot_is_root)
                self.nodes(node.body, dot_is_root=dot_is_root and isinstance(node, p.If))
                self.nodes(node.orelse, dot_is_root=dot_is_root)
            elif isinstance(node, p.TemplateCall):
                self.call(node, dot_is_root)

    def call(self, node: p.TemplateCall, dot_is_root: bool) -> None:
        if node.pipe is None:
            return
        self.pipe(node.pipe, dot_is_root)
        # Inside the called template dot and $ are the value passed: the top-level data only
        # when the call passes `.` (at the top level) or `$`.
        args = node.pipe.cmds[0].args if len(node.pipe.cmds) == 1 else ()
        passes_root = len(args) == 1 and (
            (isinstance(args[0], p.Dot) and dot_is_root)
            or (isinstance(args[0], p.Variable) and args[0].name == "$" and not args[0].names)
        )
        if passes_root and node.name not in self.visited:
            self.visited.add(node.name)
            self.nodes(self.defines[node.name], dot_is_root=True)
