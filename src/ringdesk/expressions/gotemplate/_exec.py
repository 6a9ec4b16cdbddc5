"""Executor for parsed templates: walks the node tree over Mapping data and escapes each action.

Only the output of actions is escaped (`json`, `url`, `gjson`, see `_escape`); template text is
copied as is, and shown to the escaper so it knows where the next value lands.
Unset values render as "" (ringdesk's rule, where Go prints `<no value>`). Errors raise
`ExpressionError` with the line and column of the offending action; going over the
`Budget` (value and output size, steps, time, nesting) raises `BudgetExceeded`, located too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from ringdesk.expressions import BudgetExceeded, ExpressionError
from ringdesk.expressions.budget import Budget, describe
from ringdesk.expressions.gotemplate import _parser as p
from ringdesk.expressions.gotemplate._escape import Escape, escaper
from ringdesk.expressions.gotemplate._fmt import ValueTooLong, format_value, go_type
from ringdesk.expressions.gotemplate._lexer import locate
from ringdesk.expressions.gotemplate.funcs import FUNCS, Env, check_arity, truth

__all__ = ["Escape", "execute"]


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


def execute(
    source: str,
    nodes: Sequence[p.Node],
    data: Any,
    *,
    escape: Escape,
    tz: str,
    budget: Budget,
    defines: Mapping[str, tuple[p.Node, ...]],
) -> str:
    """Render parsed `nodes` (from `source`) against `data` within `budget`; `defines` are
    the named templates `{{template}}` calls."""
    esc = escaper(escape)
    state = _State(source, esc.escape, _env(tz, budget.max_value), data, budget)
    state.on_text = esc.text
    state.defines = defines
    try:
        state.walk(data, nodes)
    except (_Break, _Continue):  # pragma: no cover - the parser only allows them inside range
        raise ExpressionError("break/continue outside range") from None
    except RecursionError:
        raise ExpressionError("template nesting too deep") from None
    return "".join(state.out)


@lru_cache(maxsize=64)
def _env(tz: str, max_value: int) -> Env:
    # building a frozen dataclass costs more than rendering `{{.Field}}`: share them
    return Env(tz=tz, max_value=max_value)


class _State:
    def __init__(
        self, source: str, escaper: Callable[[str], str], env: Env, root: Any, budget: Budget
    ) -> None:
        self.source = source
        self.escaper = escaper
        self.env = env
        self.out: list[str] = []
        self.size = 0
        self.steps = 0
        self.depth = 0
        self.budget = budget
        self.max_steps = budget.max_steps
        self.max_value = budget.max_value
        self.max_output = budget.max_output
        self.deadline = time.monotonic() + budget.max_seconds
        self.vars: list[tuple[str, Any]] = [("$", root)]
        self.defines: Mapping[str, tuple[p.Node, ...]] = {}
        self.on_text: Callable[[str], None] = lambda _text: None

    def fail(self, pos: int, message: str) -> ExpressionError:
        line, column = locate(self.source, pos)
        return ExpressionError(f"line {line}, column {column}: {message}", expression=self.source)

    def over(self, pos: int, limit: str) -> BudgetExceeded:
        """The located error for going over `limit` of the budget at `pos`."""
        line, column = locate(self.source, pos)
        return BudgetExceeded(
            describe(self.budget, limit),
            limit=limit,
            line=line,
            column=column,
            position=pos,
            expression=self.source,
        )

    def tick(self, pos: int) -> None:
        """Count one step (a function call, a range iteration) and watch the clock."""
        self.steps += 1
        if self.steps > self.max_steps:
            raise self.over(pos, "max_steps")
        if not self.steps & 63 and time.monotonic() > self.deadline:
            raise self.over(pos, "max_seconds")

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > self.budget.max_depth:
            raise self.over(pos, "max_depth")

    def emit(self, text: str, pos: int) -> None:
        size = self.size + len(text)
        if size > self.max_output:
            raise self.over(pos, "max_output")
        self.size = size
        self.out.append(text)

    # -- nodes ----------------------------------------------------------------------------------
    def walk(self, dot: Any, nodes: Sequence[p.Node]) -> None:
        for node in nodes:
            self.steps += 1
            if self.steps > self.max_steps:
                raise self.over(node.pos, "max_steps")
            if not self.steps & 63 and time.monotonic() > self.deadline:
                raise self.over(node.pos, "max_seconds")
            if isinstance(node, p.Text):
                try:
                    self.on_text(node.text)
                except ExpressionError as exc:  # the escaper refuses what the text would make
                    raise self.fail(node.pos, exc.message) from None
                self.emit(node.text, node.pos)
            elif isinstance(node, p.Action):
                pipe = node.pipe
                args = pipe.cmds[0].args if len(pipe.cmds) == 1 else ()
                if len(args) == 1 and not pipe.decls and isinstance(args[0], p.Field):
                    # `{{.Name}}`, most actions of a helpdesk template: no pipeline needed.
                    value = self.fields(args[0].pos, dot, args[0].names)
                else:
                    value = self.pipeline(dot, pipe)
                if not pipe.decls:
                    if value is None:
                        text = ""
                    elif type(value) is str:
                        text = value
                    else:
                        text = self.formatted(node.pos, value)
                    if self.size + len(text) > self.max_output:  # escaping only adds
                        raise self.over(node.pos, "max_output")
                    self.emit(self.escaper(text), node.pos)
            elif isinstance(node, (p.If, p.With)):
                self.conditional(dot, node)
            elif isinstance(node, p.Range):
                self.range(dot, node)
            elif isinstance(node, p.TemplateCall):
                self.call_template(dot, node)
            elif isinstance(node, p.Break):
                raise _Break
            else:
                raise _Continue

    def formatted(self, pos: int, value: Any) -> str:
        try:
            return format_value(value, self.max_value)
        except ValueTooLong:
            raise self.over(pos, "max_value") from None

    def conditional(self, dot: Any, node: p.If | p.With) -> None:
        mark = len(self.vars)
        value = self.pipeline(dot, node.pipe)
        self.enter(node.pos)
        try:
            if truth(value):
                self.walk(value if isinstance(node, p.With) else dot, node.body)
            else:
                self.walk(dot, node.orelse)
        finally:
            self.depth -= 1
        del self.vars[mark:]

    def range(self, dot: Any, node: p.Range) -> None:
        mark = len(self.vars)
        value = self.pipeline(dot, node.pipe, declare=False)
        items: list[tuple[Any, Any]]
        if value is None:
            items = []
        elif isinstance(value, Mapping):
            items = [(k, value[k]) for k in sorted(value, key=_key_order)]
        elif isinstance(value, (list, tuple)):
            items = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            if value > self.max_steps:
                raise self.over(node.pos, "max_steps")
            items = [(i, i) for i in range(max(value, 0))]
        else:
            # Type only: values may be secrets, and errors end up in logs and API output.
            raise self.fail(node.pos, f"range can't iterate over a {go_type(value)}")
        decls = node.pipe.decls
        self.enter(node.pos)
        try:
            for key, elem in items:
                self.tick(node.pos)
                if len(decls) == 1:
                    self.bind(decls[0], elem, node.pipe.is_assign, node.pos)
                elif len(decls) == 2:
                    self.bind(decls[0], key, node.pipe.is_assign, node.pos)
                    self.bind(decls[1], elem, node.pipe.is_assign, node.pos)
                try:
                    self.walk(elem, node.body)
                except _Break:
                    break
                except _Continue:
                    pass
                finally:
                    del self.vars[mark + (0 if node.pipe.is_assign else len(decls)) :]
            if not items:
                self.walk(dot, node.orelse)
        finally:
            self.depth -= 1
        del self.vars[mark:]

    def call_template(self, dot: Any, node: p.TemplateCall) -> None:
        """Run a named template with the pipeline's value as its dot and its `$`."""
        value = None if node.pipe is None else self.pipeline(dot, node.pipe)
        self.enter(node.pos)
        saved, self.vars = self.vars, [("$", value)]
        try:
            self.walk(value, self.defines[node.name])
        finally:
            self.vars = saved
            self.depth -= 1

    def bind(self, name: str, value: Any, is_assign: bool, pos: int) -> None:
        if isinstance(value, str) and len(value) > self.max_value:
            raise self.over(pos, "max_value")
        if not is_assign:
            self.vars.append((name, value))
            return
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                self.vars[i] = (name, value)
                return
        raise ExpressionError(f"undefined variable: {name}")  # pragma: no cover - parser checks

    def lookup(self, pos: int, name: str) -> Any:
        for var_name, value in reversed(self.vars):
            if var_name == name:
                return value
        raise self.fail(pos, f"undefined variable: {name}")  # pragma: no cover - parser checks

    # -- pipelines ------------------------------------------------------------------------------
    def pipeline(self, dot: Any, pipe: p.Pipe, *, declare: bool = True) -> Any:
        value: Any = None
        for i, cmd in enumerate(pipe.cmds):
            value = self.command(dot, cmd, (value,) if i else ())
        if declare:
            for name in pipe.decls:
                self.bind(name, value, pipe.is_assign, pipe.pos)
        return value

    def command(self, dot: Any, cmd: p.Command, final: tuple[Any, ...]) -> Any:
        first = cmd.args[0]
        if isinstance(first, p.Identifier):
            return self.call(dot, first, cmd.args[1:], final)
        if len(cmd.args) > 1 or final:
            raise self.fail(cmd.pos, "can't give argument to non-function")
        if isinstance(first, p.Nil):
            raise self.fail(cmd.pos, "nil is not a command")
        return self.arg(dot, first)

    def call(
        self, dot: Any, ident: p.Identifier, arg_nodes: Sequence[p.Operand], final: tuple[Any, ...]
    ) -> Any:
        name = ident.name
        self.tick(ident.pos)
        if name in ("and", "or"):
            return self.short_circuit(dot, ident, arg_nodes, final)
        args = [self.arg(dot, node) for node in arg_nodes]
        args.extend(final)
        try:
            check_arity(name, args)
            result = FUNCS[name](self.env, *args)
        except ValueTooLong:
            raise self.over(ident.pos, "max_value") from None
        except ExpressionError as exc:
            raise self.fail(ident.pos, f"error calling {name}: {exc.message}") from None
        except (ValueError, TypeError, OverflowError, ArithmeticError) as exc:
            raise self.fail(ident.pos, f"error calling {name}: {exc}") from None
        if isinstance(result, str) and len(result) > self.max_value:
            raise self.over(ident.pos, "max_value")
        return result

    def short_circuit(
        self, dot: Any, ident: p.Identifier, arg_nodes: Sequence[p.Operand], final: tuple[Any, ...]
    ) -> Any:
        count = len(arg_nodes) + len(final)
        if count == 0:
            raise self.fail(ident.pos, f"wrong number of args for {ident.name}: want at least 1")
        want = ident.name == "or"
        value: Any = None
        for node in arg_nodes:
            value = self.arg(dot, node)
            if truth(value) == want:
                return value
        for value in final:
            if truth(value) == want:
                return value
        return value

    def arg(self, dot: Any, node: p.Operand) -> Any:
        if isinstance(node, p.Dot):
            return dot
        if isinstance(node, (p.Bool, p.Number, p.String)):
            return node.value
        if isinstance(node, p.Nil):
            return None
        if isinstance(node, p.Field):
            return self.fields(node.pos, dot, node.names)
        if isinstance(node, p.Variable):
            return self.fields(node.pos, self.lookup(node.pos, node.name), node.names)
        if isinstance(node, p.Chain):
            return self.fields(node.pos, self.arg(dot, node.node), node.names)
        if isinstance(node, p.Pipe):
            self.enter(node.pos)
            try:
                return self.pipeline(dot, node)
            finally:
                self.depth -= 1
        # An identifier as an argument is a call with no arguments, as in Go.
        return self.call(dot, node, (), ())

    def fields(self, pos: int, value: Any, names: Sequence[str]) -> Any:
        for name in names:
            if value is None:
                return None  # unset stays unset (renders "")
            if type(value) is dict:  # the usual case, without the ABC check's cost
                value = value.get(name)
                continue
            if not isinstance(value, Mapping):
                raise self.fail(pos, f"can't evaluate field {name} in type {go_type(value)}")
            value = value.get(name)
        return value


def _key_order(key: Any) -> tuple[int, Any]:
    if isinstance(key, (int, float)) and not isinstance(key, bool):
        return (0, key)
    return (1, str(key))
