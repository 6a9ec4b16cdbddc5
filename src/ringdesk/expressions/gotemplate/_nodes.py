"""The node tree of a parsed template: immutable dataclasses, one per Go `parse` node kind.

`Tree` holds the main template's nodes and the named templates (`{{define}}`/`{{block}}`);
`_parser` builds it and `_exec` walks it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "Action",
    "Bool",
    "Break",
    "Chain",
    "Command",
    "Continue",
    "Dot",
    "Field",
    "Identifier",
    "If",
    "Nil",
    "Node",
    "Number",
    "Operand",
    "Pipe",
    "Range",
    "String",
    "TemplateCall",
    "Text",
    "Tree",
    "Variable",
    "With",
]


@dataclass(frozen=True, slots=True)
class Text:
    pos: int
    text: str


@dataclass(frozen=True, slots=True)
class Dot:
    pos: int


@dataclass(frozen=True, slots=True)
class Nil:
    pos: int


@dataclass(frozen=True, slots=True)
class Bool:
    pos: int
    value: bool


@dataclass(frozen=True, slots=True)
class Number:
    pos: int
    value: int | float
    text: str


@dataclass(frozen=True, slots=True)
class String:
    pos: int
    value: str


@dataclass(frozen=True, slots=True)
class Field:
    """`.a.b` — field chain on dot."""

    pos: int
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Variable:
    """`$x.a.b` — a variable and an optional field chain."""

    pos: int
    name: str
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Identifier:
    """A function name."""

    pos: int
    name: str


@dataclass(frozen=True, slots=True)
class Chain:
    """`(pipeline).a.b` — fields on a parenthesised value."""

    pos: int
    node: Operand
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Command:
    pos: int
    args: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class Pipe:
    pos: int
    decls: tuple[str, ...]
    is_assign: bool
    cmds: tuple[Command, ...]


@dataclass(frozen=True, slots=True)
class Action:
    pos: int
    pipe: Pipe


@dataclass(frozen=True, slots=True)
class If:
    pos: int
    pipe: Pipe
    body: tuple[Node, ...]
    orelse: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class With:
    pos: int
    pipe: Pipe
    body: tuple[Node, ...]
    orelse: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Range:
    pos: int
    pipe: Pipe
    body: tuple[Node, ...]
    orelse: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class TemplateCall:
    """`{{template "name" pipeline}}` (and the call a `{{block}}` stands for); `pipe` is None
    when there is no pipeline (the template then runs with nil as dot)."""

    pos: int
    name: str
    pipe: Pipe | None


@dataclass(frozen=True, slots=True)
class Break:
    pos: int


@dataclass(frozen=True, slots=True)
class Continue:
    pos: int


Operand = Dot | Nil | Bool | Number | String | Field | Variable | Identifier | Chain | Pipe
Node = Text | Action | If | With | Range | TemplateCall | Break | Continue


@dataclass(frozen=True, slots=True)
class Tree:
    """A parsed template: the main template's nodes and the templates it defines by name."""

    nodes: tuple[Node, ...]
    defines: Mapping[str, tuple[Node, ...]] = field(default_factory=dict, compare=False)
