"""Parser for the Go text/template dialect: tokens → an immutable node tree.

Mirrors Go's `text/template/parse` (actions, `if`/`else if`/`range`/`with`/`break`/`continue`,
declarations, pipelines, parenthesised pipelines, field chains, `define`/`template`/`block`).
Unknown functions and undefined variables are parse errors, as in Go; so is a `{{template}}`
naming a template the source does not define (Go reports it only when the call runs).
`parse` returns a `Tree`: the main template's nodes and the named templates.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

from ringdesk.expressions import TemplateSyntaxError
from ringdesk.expressions.gotemplate._lexer import Kind, Token, syntax_error, tokenize
from ringdesk.expressions.gotemplate._nodes import (
    Action,
    Bool,
    Break,
    Chain,
    Command,
    Continue,
    Dot,
    Field,
    Identifier,
    If,
    Nil,
    Node,
    Number,
    Operand,
    Pipe,
    Range,
    String,
    TemplateCall,
    Text,
    Tree,
    Variable,
    With,
)

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
    "parse",
]


_CONTROL = frozenset({"if", "with", "range"})
_LITERALS = (Bool, Dot, Nil, Number, String)


MAX_SOURCE = 200_000  # characters; templates are request bodies and URLs, not documents
MAX_DEPTH = 100  # nested control structures plus parentheses (Go allows 10,000)


def parse(source: str, functions: Collection[str]) -> Tree:
    """Parse `source`; raises TemplateSyntaxError (1-based line/column) when it does not parse."""
    if len(source) > MAX_SOURCE:
        raise syntax_error(source, MAX_SOURCE, f"template longer than {MAX_SOURCE} characters")
    return _Parser(source, functions).parse()


def _is_empty(nodes: tuple[Node, ...]) -> bool:
    """Go's IsEmptyTree: nothing but white space (such a definition may be replaced)."""
    return all(isinstance(node, Text) and not node.text.strip() for node in nodes)


class _Parser:
    def __init__(self, source: str, functions: Collection[str]) -> None:
        self.source = source
        self.functions = functions
        self.tokens = tokenize(source)
        self.i = 0
        self.vars: list[str] = ["$"]
        self.range_depth = 0
        self.depth = 0
        self.defining = False
        self.defines: dict[str, tuple[Node, ...]] = {}
        self.calls: list[tuple[str, int]] = []

    def enter(self, tok: Token | int) -> None:
        """Count one level of nesting; deep nesting is refused rather than overflowing the stack."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(tok, f"max nesting depth ({MAX_DEPTH}) exceeded")

    # -- token helpers -------------------------------------------------------------------------
    def peek(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind is not Kind.EOF:
            self.i += 1
        return tok

    def error(self, tok: Token | int, message: str) -> TemplateSyntaxError:
        pos = tok if isinstance(tok, int) else tok.pos
        return syntax_error(self.source, pos, message)

    def expect(self, kind: Kind, context: str) -> Token:
        tok = self.next()
        if tok.kind is not kind:
            raise self.error(tok, f"unexpected {_describe(tok)} in {context}")
        return tok

    # -- lists and control structures --------------------------------------------------------
    def parse(self) -> Tree:
        nodes, term, tok = self.parse_list()
        if term != "EOF":
            raise self.error(tok, f"unexpected {{{{{term}}}}}")
        for name, pos in self.calls:
            if name not in self.defines:
                raise self.error(pos, f"no such template {name!r}")
        return Tree(nodes, self.defines)

    def parse_list(self) -> tuple[tuple[Node, ...], str, Token]:
        """Parse nodes until EOF, `{{end}}`, `{{else}}` or `{{else if|with …`."""
        nodes: list[Node] = []
        while True:
            tok = self.next()
            if tok.kind is Kind.EOF:
                return tuple(nodes), "EOF", tok
            if tok.kind is Kind.TEXT:
                nodes.append(Text(tok.pos, tok.text))
                continue
            # tok is LEFT
            head = self.peek()
            if head.kind is Kind.KEYWORD:
                self.next()
                word = str(head.value)
                if word == "end":
                    self.expect(Kind.RIGHT, "end")
                    return tuple(nodes), "end", head
                if word == "else":
                    follow = self.peek()
                    if follow.kind is Kind.KEYWORD and follow.value in ("if", "with"):
                        return tuple(nodes), f"else {follow.value}", head
                    self.expect(Kind.RIGHT, "else")
                    return tuple(nodes), "else", head
                if word == "define":
                    self.parse_define(head, tok.pos)
                    continue
                nodes.append(self.parse_keyword(head, tok.pos))
                continue
            nodes.append(self.parse_action(tok))

    def parse_keyword(self, head: Token, left: int) -> Node:
        word = str(head.value)
        if word in _CONTROL:
            return self.parse_control(head, word, left)
        if word in ("break", "continue"):
            if self.range_depth == 0:
                raise self.error(head, f"{{{{{word}}}}} outside {{{{range}}}}")
            self.expect(Kind.RIGHT, word)
            return Break(head.pos) if word == "break" else Continue(head.pos)
        if word == "template":
            return self.parse_template(head)
        return self.parse_block(head, left)

    # -- named templates ----------------------------------------------------------------------
    def template_name(self, context: str) -> Token:
        tok = self.next()
        if tok.kind is not Kind.STRING:
            raise self.error(tok, f"unexpected {_describe(tok)} in {context}")
        return tok

    def parse_define(self, head: Token, left: int) -> None:
        """`{{define "name"}}…{{end}}`, only at the top level of the template (as in Go)."""
        if self.depth or self.defining:
            raise self.error(head, "{{define}} is only allowed at the top level of a template")
        name = self.template_name("define clause")
        self.expect(Kind.RIGHT, "define clause")
        self.add_definition(name, self.parse_body("define", left))

    def parse_block(self, head: Token, left: int) -> TemplateCall:
        """`{{block "name" pipeline}}…{{end}}`: defines "name" and calls it at once."""
        name = self.template_name("block clause")
        self.enter(left)
        pipe = self.parse_pipeline("block clause", Kind.RIGHT, decl_ok=True)
        self.expect(Kind.RIGHT, "block clause")
        self.add_definition(name, self.parse_body("block", left))
        self.depth -= 1
        return TemplateCall(name.pos, str(name.value), pipe)

    def parse_template(self, head: Token) -> TemplateCall:
        """`{{template "name"}}` or `{{template "name" pipeline}}`; declarations in the
        pipeline stay in scope after it, as in Go."""
        name = self.template_name("template clause")
        pipe = None
        if self.peek().kind is not Kind.RIGHT:
            pipe = self.parse_pipeline("template clause", Kind.RIGHT, decl_ok=True)
        self.expect(Kind.RIGHT, "template clause")
        self.calls.append((str(name.value), name.pos))
        return TemplateCall(name.pos, str(name.value), pipe)

    def parse_body(self, word: str, left: int) -> tuple[Node, ...]:
        """The body of a named template, up to its `{{end}}`: it sees only `$` (its dot)."""
        saved = (self.vars, self.range_depth, self.defining)
        self.vars, self.range_depth, self.defining = ["$"], 0, True
        body, term, term_tok = self.parse_list()
        self.vars, self.range_depth, self.defining = saved
        if term == "EOF":
            raise self.error(left, f"unexpected EOF: missing {{{{end}}}} for {{{{{word}}}}}")
        if term != "end":
            raise self.error(term_tok, f"unexpected {{{{{term.split()[0]}}}}} in {word} clause")
        return body

    def add_definition(self, name: Token, body: tuple[Node, ...]) -> None:
        """Go's rule: a definition replaces an empty one, an empty one changes nothing, and
        two non-empty definitions of one name are an error."""
        key = str(name.value)
        existing = self.defines.get(key)
        if existing is None or _is_empty(existing):
            self.defines[key] = body
        elif not _is_empty(body):
            raise self.error(name, f"multiple definition of template {key!r}")

    def parse_control(self, head: Token, word: str, left: int) -> Node:
        """`left` is the position of the action's `{{`, where a missing `{{end}}` is reported."""
        self.enter(left)
        mark = len(self.vars)
        pipe = self.parse_pipeline(word, Kind.RIGHT, decl_ok=True)
        self.expect(Kind.RIGHT, word)
        if word == "range":
            self.range_depth += 1
        body, term, term_tok = self.parse_list()
        if word == "range":
            self.range_depth -= 1
        orelse: tuple[Node, ...] = ()
        if term.startswith("else "):
            # `{{else if …}}` is `{{else}}{{if …}}…{{end}}` sharing the outer `{{end}}`.
            nested_word = term.split()[1]
            if nested_word != word:
                raise self.error(term_tok, f"{{{{else {nested_word}}}}} inside {{{{{word}}}}}")
            nested_head = self.next()
            orelse = (self.parse_control(nested_head, nested_word, left),)
        elif term == "else":
            orelse, term, term_tok = self.parse_list()
            if term != "end":
                if term == "EOF":
                    raise self.error(
                        left, f"unexpected EOF: missing {{{{end}}}} for {{{{{word}}}}}"
                    )
                raise self.error(term_tok, f"expected {{{{end}}}}, found {{{{{term}}}}}")
        elif term != "end":
            raise self.error(left, f"unexpected EOF: missing {{{{end}}}} for {{{{{word}}}}}")
        del self.vars[mark:]
        self.depth -= 1
        if word == "if":
            return If(head.pos, pipe, body, orelse)
        if word == "with":
            return With(head.pos, pipe, body, orelse)
        return Range(head.pos, pipe, body, orelse)

    def parse_action(self, left: Token) -> Node:
        pipe = self.parse_pipeline("command", Kind.RIGHT, decl_ok=True)
        self.expect(Kind.RIGHT, "command")
        return Action(left.pos, pipe)

    # -- pipelines and commands -------------------------------------------------------------
    def parse_pipeline(self, context: str, end: Kind, *, decl_ok: bool) -> Pipe:
        start = self.peek()
        decls, is_assign = self.parse_decls(context) if decl_ok else ((), False)
        cmds: list[Command] = []
        while True:
            tok = self.peek()
            if tok.kind is end or (tok.kind is Kind.RIGHT and end is Kind.RPAREN):
                break
            cmds.append(self.parse_command(context))
            if self.peek().kind is Kind.PIPE:
                pipe_tok = self.next()
                if self.peek().kind in (end, Kind.RIGHT, Kind.RPAREN, Kind.EOF):
                    raise self.error(pipe_tok, "missing command after | in pipeline")
        if not cmds:
            if decls:
                raise self.error(self.peek(), f"missing value for {context}")
            raise self.error(start, f"missing value for {context}")
        for stage, cmd in enumerate(cmds[1:], start=2):
            if isinstance(cmd.args[0], _LITERALS):
                raise self.error(cmd.pos, f"non executable command in pipeline stage {stage}")
        return Pipe(start.pos, decls, is_assign, tuple(cmds))

    def parse_decls(self, context: str) -> tuple[tuple[str, ...], bool]:
        toks = self.tokens
        i = self.i
        if toks[i].kind is not Kind.VARIABLE:
            return (), False
        names = [str(toks[i].value)]
        j = i + 1
        if toks[j].kind is Kind.COMMA and context == "range" and toks[j + 1].kind is Kind.VARIABLE:
            names.append(str(toks[j + 1].value))
            j += 2
        if toks[j].kind not in (Kind.DECLARE, Kind.ASSIGN):
            return (), False
        is_assign = toks[j].kind is Kind.ASSIGN
        for k, name in enumerate(names):
            if is_assign and name not in self.vars:
                raise self.error(toks[i + 2 * k], f"undefined variable {name!r}")
        self.i = j + 1
        if not is_assign:
            self.vars.extend(names)
        return tuple(names), is_assign

    def parse_command(self, context: str) -> Command:
        start = self.peek()
        args: list[Operand] = []
        while True:
            tok = self.peek()
            if tok.kind in (Kind.RIGHT, Kind.RPAREN, Kind.PIPE, Kind.EOF):
                break
            if args and not tok.space_before:
                raise self.error(tok, f"unexpected {_describe(tok)} in operand")
            args.append(self.parse_operand())
        if not args:
            raise self.error(start, f"missing value for {context}")
        if len(args) == 1 and isinstance(args[0], Nil):
            raise self.error(start, "nil is not a command")
        return Command(start.pos, tuple(args))

    def parse_operand(self) -> Operand:
        node = self.parse_term()
        names: list[str] = []
        while self.peek().kind is Kind.FIELD and not self.peek().space_before:
            names.append(str(self.next().value))
        if not names:
            return node
        if isinstance(node, Field):
            return Field(node.pos, node.names + tuple(names))
        if isinstance(node, Variable):
            return Variable(node.pos, node.name, node.names + tuple(names))
        if isinstance(node, (Bool, Nil, Number, String, Dot)):
            raise self.error(node.pos, f"unexpected . after term {self.source_of(node)!r}")
        return Chain(node.pos, node, tuple(names))

    def source_of(self, node: Any) -> str:
        return self.source[node.pos : node.pos + 10].split("}}")[0].split(".")[0] or "."

    def parse_term(self) -> Operand:
        tok = self.next()
        kind = tok.kind
        if kind is Kind.IDENT:
            name = str(tok.value)
            if name not in self.functions:
                raise self.error(tok, f"function {name!r} not defined")
            return Identifier(tok.pos, name)
        if kind is Kind.DOT:
            return Dot(tok.pos)
        if kind is Kind.NIL:
            return Nil(tok.pos)
        if kind is Kind.BOOL:
            return Bool(tok.pos, bool(tok.value))
        if kind is Kind.STRING:
            return String(tok.pos, str(tok.value))
        if kind is Kind.NUMBER:
            return Number(tok.pos, self.number_value(tok), tok.text)
        if kind is Kind.FIELD:
            return Field(tok.pos, (str(tok.value),))
        if kind is Kind.VARIABLE:
            name = str(tok.value)
            if name not in self.vars:
                raise self.error(tok, f"undefined variable {name!r}")
            return Variable(tok.pos, name, ())
        if kind is Kind.LPAREN:
            self.enter(tok)
            pipe = self.parse_pipeline("parenthesized pipeline", Kind.RPAREN, decl_ok=True)
            close = self.next()
            if close.kind is not Kind.RPAREN:
                raise self.error(close, "unclosed left paren")
            self.depth -= 1
            return pipe
        raise self.error(tok, f"unexpected {_describe(tok)} in operand")

    def number_value(self, tok: Token) -> int | float:
        text = tok.text.replace("_", "")
        if text.endswith("i"):
            raise self.error(tok, "complex numbers are not supported")
        body = text.lstrip("+-")
        try:
            if body[:2].lower() in ("0x", "0o", "0b"):
                if body[:2].lower() == "0x" and "p" in body.lower():
                    value: int | float = float.fromhex(text)
                else:
                    value = int(text, 0)
            elif any(c in body for c in ".eE"):
                value = float(text)
            elif len(body) > 1 and body.startswith("0"):
                value = int(text, 8)  # Go's legacy octal literal
            else:
                value = int(text)
        except ValueError:
            raise self.error(tok, f"bad number syntax: {tok.text!r}") from None
        except OverflowError:  # float.fromhex beyond float64; Go: "illegal number syntax"
            value = math.inf
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            raise self.error(tok, f"number overflows int64: {tok.text}")
        if isinstance(value, float) and math.isinf(value):
            raise self.error(tok, f"number overflows float64: {tok.text}")
        return value


def _describe(tok: Token) -> str:
    if tok.kind is Kind.EOF:
        return "EOF"
    if tok.kind is Kind.RIGHT:
        return '"}}"'
    return f"{tok.kind.value} {tok.text!r}" if tok.text else tok.kind.value
