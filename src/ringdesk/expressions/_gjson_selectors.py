"""GJSON path parts that build new JSON instead of scanning: modifiers, literals, multipaths.

Ported from tidwall/gjson (`execModifier`, `execStatic`, `parseSubSelectors`, ...): splitting
`@name:args`, `!literal` and `[a,b]` / `{k:a,b}` off a path; `_gjson_scan.get` evaluates them.
"""

from __future__ import annotations

from ringdesk.expressions._gjson_path import MODIFIERS
from ringdesk.expressions._gjson_text import parse, parse_squash, squash, squash_from_lead

__all__ = [
    "exec_modifier",
    "exec_static",
    "is_simple_name",
    "name_of_last",
    "parse_sub_selectors",
    "split_modifier",
]


def exec_static(path: str) -> tuple[str, str] | None:
    """A `!literal` path (starts with '!'): (rest of the path, literal JSON) or None."""
    name = path[1:]
    if name and name[0] in '{["+-0123456789':
        # Go's parseSquash: the lead character opens depth 1, whatever it is
        res = parse_squash(name, 0)[1] if name[0] in "{[" else squash_from_lead(name)
        return name[len(res) :], res
    path_out = ""
    for i in range(1, len(path)):
        if path[i] in "|.":
            path_out = path[i:]
            name = path[1:i]
            break
    if name.lower() in ("true", "false", "null", "nan", "inf"):
        return path_out, name
    return None


def split_modifier(path: str) -> tuple[str, str, str]:
    """Split `@name:args rest` (path starts with '@') into (name, args, rest) like gjson."""
    name = path[1:]
    path_out = ""
    has_args = False
    for i in range(1, len(path)):
        ch = path[i]
        if ch == ":":
            path_out = path[i + 1 :]
            name = path[1:i]
            has_args = len(path_out) > 0
            break
        if ch in "|.":
            path_out = path[i:]
            name = path[1:i]
            break
    args = ""
    if has_args:
        if path_out[0] in '{["' and parse(path_out).exists:
            args = squash(path_out)
            path_out = path_out[len(args) :]
        else:
            i = 0
            while i < len(path_out):
                ch = path_out[i]
                if ch == "|":
                    break
                if ch in '{["(':
                    i += len(squash(path_out[i:])) - 1
                i += 1
            args = path_out[:i]
            path_out = path_out[i:]
    return name, args, path_out


def exec_modifier(s: str, path: str) -> tuple[str, str] | None:
    """Run the modifier `path` starts with over `s`: (rest of the path, JSON) or None."""
    name, args, path_out = split_modifier(path)
    fn = MODIFIERS.get(name)
    if fn is None:
        return None
    return path_out, fn(s, args)


def parse_sub_selectors(path: str) -> tuple[list[tuple[str, str]], str] | None:
    """Split a multipath `[a,b]` / `{k:a,b}`: ([(name, path)], rest) or None if unclosed."""
    sels: list[tuple[str, str]] = []
    modifier = 0
    depth = 1
    colon = 0
    start = 1
    i = 1
    n = len(path)

    def push() -> None:
        nonlocal colon, modifier, start
        if colon == 0:
            sels.append(("", path[start:i]))
        else:
            sels.append((path[start:colon], path[colon + 1 : i]))
        colon = 0
        modifier = 0
        start = i + 1

    while i < n:
        ch = path[i]
        if ch == "\\":
            i += 1
        elif ch == "@":
            if modifier == 0 and i > 0 and path[i - 1] in ".|":
                modifier = i
        elif ch == ":":
            if modifier == 0 and colon == 0 and depth == 1:
                colon = i
        elif ch == ",":
            if depth == 1:
                push()
        elif ch == '"':
            i += 1
            while i < n:
                if path[i] == "\\":
                    i += 1
                elif path[i] == '"':
                    break
                i += 1
        elif ch in "[({":
            depth += 1
        elif ch in "])}":
            depth -= 1
            if depth == 0:
                push()
                return sels, path[i + 1 :]
        i += 1
    return None


def name_of_last(path: str) -> str:
    """The last component of `path`: the key a multipath `{a.b}` names its member by."""
    for i in range(len(path) - 1, -1, -1):
        if path[i] in "|.":
            if i > 0 and path[i - 1] == "\\":
                continue
            return path[i + 1 :]
    return path


def is_simple_name(component: str) -> bool:
    """True when `component` may name a multipath member as is (else it is named `_`)."""
    return not any(ch < " " or ch in "[]{}()#|!" for ch in component)
