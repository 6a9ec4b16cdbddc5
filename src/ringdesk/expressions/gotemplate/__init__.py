"""The Go text/template dialect used in integration templates (requirements E1, E2, E4).

`render(template, data, escape=..., tz=...)` renders `{{…}}` templates over Mapping data;
`compile(template)` validates once (TemplateSyntaxError with 1-based line/column) and returns a
reusable `CompiledTemplate`; `referenced_variables(template)` lists the top-level `.Names` used.
Functions: Go's `eq ne lt le gt ge and or not len index slice print printf println html js
urlquery` plus `TimeFormat ToMillis Capitalize UrlEncode` (variables.md).

Where ringdesk differs from Go on purpose: unset values render "" (Go: `<no value>`) and compare
equal to ""; `'…'` is a string literal (Go: a rune); assigning to an undeclared `$x` is a parse
error; `define`/`template`/`block`, `call`, methods and complex numbers do not exist. With
`escape="url"` an action whose value comes straight from `UrlEncode` is inserted unencoded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ringdesk.expressions.gotemplate import _parser as p
from ringdesk.expressions.gotemplate._exec import Escape, execute
from ringdesk.expressions.gotemplate.funcs import FUNCS

__all__ = ["CompiledTemplate", "Escape", "compile", "referenced_variables", "render"]


@dataclass(frozen=True, slots=True)
class CompiledTemplate:
    """A parsed template; `render` may be called any number of times."""

    source: str
    nodes: tuple[p.Node, ...]

    def render(self, data: Mapping[str, Any], *, escape: Escape = "text", tz: str = "UTC") -> str:
        """Render over `data`; raises ExpressionError when execution fails."""
        return execute(self.source, self.nodes, data, escape=escape, tz=tz)

    def referenced_variables(self) -> set[str]:
        """Top-level names used as `.Name` (or `$.Name`)."""
        names: set[str] = set()
        _collect(self.nodes, names, dot_is_root=True)
        return names


@lru_cache(maxsize=1024)
def compile(template: str) -> CompiledTemplate:
    """Parse `template`; raises TemplateSyntaxError (line/column 1-based) if it does not parse."""
    return CompiledTemplate(template, p.parse(template, FUNCS))


def render(
    template: str, data: Mapping[str, Any], *, escape: Escape = "text", tz: str = "UTC"
) -> str:
    """Render `template` over `data`, escaping each inserted value for `escape`; unset → ""."""
    return compile(template).render(data, escape=escape, tz=tz)


def referenced_variables(template: str) -> set[str]:
    """Top-level variable names the template reads as `.Name` (for unknown-variable warnings)."""
    return compile(template).referenced_variables()


def _collect_operand(node: p.Operand, names: set[str], dot_is_root: bool) -> None:
    if isinstance(node, p.Field):
        if dot_is_root:
            names.add(node.names[0])
    elif isinstance(node, p.Variable):
        if node.name == "$" and node.names:
            names.add(node.names[0])
    elif isinstance(node, p.Chain):
        _collect_operand(node.node, names, dot_is_root)
    elif isinstance(node, p.Pipe):
        _collect_pipe(node, names, dot_is_root)


def _collect_pipe(pipe: p.Pipe, names: set[str], dot_is_root: bool) -> None:
    for cmd in pipe.cmds:
        for arg in cmd.args:
            _collect_operand(arg, names, dot_is_root)


def _collect(nodes: Iterable[p.Node], names: set[str], *, dot_is_root: bool) -> None:
    for node in nodes:
        if isinstance(node, p.Action):
            _collect_pipe(node.pipe, names, dot_is_root)
        elif isinstance(node, (p.If, p.With, p.Range)):
            _collect_pipe(node.pipe, names, dot_is_root)
            _collect(node.body, names, dot_is_root=dot_is_root and isinstance(node, p.If))
            _collect(node.orelse, names, dot_is_root=dot_is_root)
