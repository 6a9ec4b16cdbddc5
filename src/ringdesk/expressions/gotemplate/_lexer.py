"""Tokenizer for the Go text/template dialect: splits text from `{{…}}` actions and lexes actions.

Follows Go's `text/template/parse` lexer (trim markers `{{- `/` -}}`, comments `{{/* */}}`,
raw strings, numbers, `$variables`, `.Fields`) plus the ringdesk extension that `'…'` is a
string literal (the PBX's templates quote arguments that way) instead of a Go rune constant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from ringdesk.expressions import TemplateSyntaxError

__all__ = ["KEYWORDS", "Kind", "Token", "locate", "syntax_error", "tokenize"]

LEFT_DELIM = "{{"
RIGHT_DELIM = "}}"


class Kind(Enum):
    """Token kinds, named after Go's `itemType`s."""

    TEXT = "text"
    LEFT = "{{"
    RIGHT = "}}"
    IDENT = "identifier"
    KEYWORD = "keyword"
    FIELD = "field"
    VARIABLE = "variable"
    DOT = "."
    STRING = "string"
    NUMBER = "number"
    BOOL = "bool"
    NIL = "nil"
    PIPE = "|"
    LPAREN = "("
    RPAREN = ")"
    DECLARE = ":="
    ASSIGN = "="
    COMMA = ","
    EOF = "EOF"


KEYWORDS = frozenset(
    {"if", "else", "end", "range", "with", "break", "continue", "define", "template", "block"}
)


@dataclass(frozen=True, slots=True)
class Token:
    """One lexed item; `pos` is the 0-based offset in the template, `value` is decoded."""

    kind: Kind
    text: str
    pos: int
    value: object = None
    space_before: bool = False


def locate(source: str, pos: int) -> tuple[int, int]:
    """1-based (line, column) of the 0-based offset `pos` in `source`."""
    pos = max(0, min(pos, len(source)))
    line = source.count("\n", 0, pos) + 1
    column = pos - (source.rfind("\n", 0, pos) + 1) + 1
    return line, column


def syntax_error(source: str, pos: int, message: str) -> TemplateSyntaxError:
    """A TemplateSyntaxError located at `pos` in `source`."""
    line, column = locate(source, pos)
    return TemplateSyntaxError(message, line=line, column=column, position=pos, expression=source)


_NUMBER = re.compile(
    r"""[+-]?(
        0[xX][0-9a-fA-F_]*(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?
      | 0[bB][01_]+
      | 0[oO][0-7_]+
      | ([0-9][0-9_]*)?\.?[0-9_]*([eE][+-]?[0-9_]+)?
    )i?""",
    re.VERBOSE,
)
# Go's identifiers: Unicode letters, digits and `_` (`\w`), not starting with a digit.
_IDENT = re.compile(r"[^\W\d]\w*")
_ALNUM = re.compile(r"\w*")
_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    '"': '"',
    "'": "'",
}


def _is_space(ch: str) -> bool:
    return ch in " \t\r\n"


def tokenize(source: str) -> list[Token]:
    """Lex the whole template; raises TemplateSyntaxError for malformed actions."""
    tokens: list[Token] = []
    pos = 0
    n = len(source)
    trim_next_text = False
    while pos < n:
        start = source.find(LEFT_DELIM, pos)
        text_end = n if start < 0 else start
        trim_this = (
            start >= 0 and source[start + 2 : start + 3] == "-" and _is_space_at(source, start + 3)
        )
        text = source[pos:text_end]
        if trim_next_text:
            text = text.lstrip(" \t\r\n")
        if trim_this:
            text = text.rstrip(" \t\r\n")
        if text:
            tokens.append(Token(Kind.TEXT, text, pos, text))
        if start < 0:
            break
        pos, trim_next_text = _lex_action(source, start, trim_this, tokens)
    tokens.append(Token(Kind.EOF, "", n))
    return tokens


def _is_space_at(source: str, pos: int) -> bool:
    return pos < len(source) and _is_space(source[pos])


def _right_trim_at(source: str, pos: int) -> bool:
    """True when ` -}}` starts at `pos` (a space, then the trim marker)."""
    return _is_space(source[pos]) and source.startswith("-}}", pos + 1)


def _lex_action(source: str, start: int, trim_left: bool, out: list[Token]) -> tuple[int, bool]:
    """Lex one action starting at `start` (the `{{`); returns (position after it, trim-right)."""
    pos = start + 2 + (2 if trim_left else 0)
    n = len(source)
    # Comments: {{/* … */}} (with optional trim markers) produce no tokens.
    if source.startswith("/*", pos):
        close = source.find("*/", pos + 2)
        if close < 0:
            raise syntax_error(source, start, "unclosed comment")
        pos = close + 2
        if source.startswith(" -}}", pos) or (
            pos < n and _is_space(source[pos]) and source.startswith("-}}", pos + 1)
        ):
            return pos + 4, True
        if source.startswith("}}", pos):
            return pos + 2, False
        raise syntax_error(source, pos, "comment ends before closing delimiter")
    out.append(Token(Kind.LEFT, LEFT_DELIM, start))
    paren_depth = 0
    space = False
    while True:
        if pos >= n:
            raise syntax_error(source, start, "unclosed action")
        ch = source[pos]
        if _is_space(ch):
            if _right_trim_at(source, pos):
                out.append(Token(Kind.RIGHT, RIGHT_DELIM, pos + 2, space_before=True))
                return pos + 4, True
            pos += 1
            space = True
            continue
        if source.startswith(RIGHT_DELIM, pos):
            if paren_depth > 0:
                raise syntax_error(source, pos, "unclosed left paren")
            out.append(Token(Kind.RIGHT, RIGHT_DELIM, pos, space_before=space))
            return pos + 2, False
        tok, pos = _lex_item(source, pos, start, space)
        if tok.kind is Kind.LPAREN:
            paren_depth += 1
        elif tok.kind is Kind.RPAREN:
            paren_depth -= 1
            if paren_depth < 0:
                raise syntax_error(source, tok.pos, "unexpected right paren")
        out.append(tok)
        space = False


def _lex_item(source: str, pos: int, action_start: int, space: bool) -> tuple[Token, int]:
    """Lex one item inside an action at `pos`."""
    ch = source[pos]
    nxt = source[pos + 1] if pos + 1 < len(source) else ""
    simple = {"|": Kind.PIPE, "(": Kind.LPAREN, ")": Kind.RPAREN, ",": Kind.COMMA, "=": Kind.ASSIGN}
    if ch == ":":
        if nxt != "=":
            raise syntax_error(source, pos, "expected :=")
        return Token(Kind.DECLARE, ":=", pos, space_before=space), pos + 2
    if ch in simple:
        return Token(simple[ch], ch, pos, space_before=space), pos + 1
    if ch in "\"'":
        return _lex_quote(source, pos, ch, space)
    if ch == "`":
        close = source.find("`", pos + 1)
        if close < 0:
            raise syntax_error(source, pos, "unterminated raw quoted string")
        raw = source[pos + 1 : close]
        return Token(Kind.STRING, source[pos : close + 1], pos, raw, space), close + 1
    if ch == "$":
        m = _ALNUM.match(source, pos + 1)
        end = m.end() if m else pos + 1
        return Token(Kind.VARIABLE, source[pos:end], pos, source[pos:end], space), end
    if ch == ".":
        if nxt.isdigit():
            return _lex_number(source, pos, space)
        m = _ALNUM.match(source, pos + 1)
        end = m.end() if m else pos + 1
        if end == pos + 1:
            return Token(Kind.DOT, ".", pos, space_before=space), pos + 1
        name = source[pos + 1 : end]
        return Token(Kind.FIELD, source[pos:end], pos, name, space), end
    if ch.isdigit() or (ch in "+-" and (nxt.isdigit() or nxt == ".")):
        return _lex_number(source, pos, space)
    m = _IDENT.match(source, pos)
    if m:
        word = m.group()
        end = m.end()
        if word in ("true", "false"):
            return Token(Kind.BOOL, word, pos, word == "true", space), end
        if word == "nil":
            return Token(Kind.NIL, word, pos, None, space), end
        if word in KEYWORDS:
            return Token(Kind.KEYWORD, word, pos, word, space), end
        return Token(Kind.IDENT, word, pos, word, space), end
    raise syntax_error(source, pos, f"unrecognized character in action: {ch!r}")


def _lex_quote(source: str, pos: int, quote: str, space: bool) -> tuple[Token, int]:
    """Lex a `"…"` (Go) or `'…'` (ringdesk) string with Go's backslash escapes."""
    i = pos + 1
    n = len(source)
    chars: list[str] = []
    while True:
        if i >= n or source[i] == "\n":
            raise syntax_error(source, pos, "unterminated quoted string")
        ch = source[i]
        if ch == quote:
            break
        if ch != "\\":
            chars.append(ch)
            i += 1
            continue
        if i + 1 >= n:
            raise syntax_error(source, pos, "unterminated quoted string")
        esc = source[i + 1]
        if esc in _SIMPLE_ESCAPES:
            chars.append(_SIMPLE_ESCAPES[esc])
            i += 2
        elif esc in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[esc]
            digits = source[i + 2 : i + 2 + width]
            if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise syntax_error(source, i, f"invalid escape \\{esc} in quoted string")
            code = int(digits, 16)
            if esc == "x":
                chars.append(chr(code))  # a byte; decoded as Latin-1 code point
            elif code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise syntax_error(source, i, "invalid Unicode code point in quoted string")
            else:
                chars.append(chr(code))
            i += 2 + width
        elif esc in "01234567":
            digits = source[i + 1 : i + 4]
            if len(digits) != 3 or not all(c in "01234567" for c in digits) or digits > "377":
                raise syntax_error(source, i, "invalid octal escape in quoted string")
            chars.append(chr(int(digits, 8)))
            i += 4
        else:
            raise syntax_error(source, i, f"unknown escape sequence \\{esc}")
    return Token(Kind.STRING, source[pos : i + 1], pos, "".join(chars), space), i + 1


def _lex_number(source: str, pos: int, space: bool) -> tuple[Token, int]:
    m = _NUMBER.match(source, pos)
    end = m.end() if m else pos
    # Go: a number must be followed by a non-alphanumeric character.
    tail = _ALNUM.match(source, end)
    stop = tail.end() if tail else end
    if stop > end:
        raise syntax_error(source, pos, f"bad number syntax: {source[pos:stop]!r}")
    text = source[pos:end]
    if text in ("", "+", "-", ".", "+.", "-."):
        raise syntax_error(source, pos, f"bad number syntax: {text!r}")
    return Token(Kind.NUMBER, text, pos, text, space), end
