"""Convert the `{{…}}` text of a PBX template to ringdesk's dialect (pure).

Both speak Go's text/template with the same four PBX functions (`TimeFormat`, `ToMillis`,
`Capitalize`, `UrlEncode`), so most text carries over as it is. What changes, and is noted
with its offset for the report:

- a PBX variable whose ringdesk name differs is renamed (`{{.ContactsId}}` →
  `{{.ContactId}}`, `{{.CallerNumber}}` → `{{.Call_From}}` in a call log...), per scenario
  (`pbx_vocabulary.RENAMES`); one without an equivalent is kept and noted;
- a function ringdesk does not have is dropped: `{{Fn .x}}` and `{{.x | Fn}}` become `{{.x}}`,
  any other use removes the whole action; a PBX function written in another case gets
  ringdesk's spelling.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from ringdesk.expressions import TemplateSyntaxError, gotemplate
from ringdesk.expressions.gotemplate.funcs import FUNCS
from ringdesk.templates.pbx_report import FindingKind
from ringdesk.templates.pbx_vocabulary import PBX_FUNCTIONS, RENAMES, Rename

__all__ = ["Converted", "Note", "convert_text"]

_KEYWORDS = frozenset(
    {"if", "else", "end", "range", "with", "break", "continue", "define", "template", "block"}
)
_LITERALS = frozenset({"true", "false", "nil"})
_FOLDED = {name.lower(): name for name in PBX_FUNCTIONS}
_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<close>-?\}\})
    | (?P<comment>/\*.*?\*/)
    | (?P<string>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`[^`]*`)
    | (?P<field>\.[^\W\d]\w*(?:\.[^\W\d]\w*)*)
    | (?P<var>\$\w*(?:\.[^\W\d]\w*)*)
    | (?P<number>[+-]?\d[\w.]*)
    | (?P<ident>[^\W\d]\w*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_OPERANDS = frozenset({"field", "var", "string", "number", "ident"})


@dataclass(frozen=True)
class Note:
    """Something the conversion changed or could not map, `offset` characters into the text."""

    offset: int
    kind: FindingKind
    message: str


@dataclass(frozen=True)
class Converted:
    text: str
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int  # offset in the whole text
    end: int


def _action(text: str, start: int) -> tuple[list[_Token], int] | None:
    """The tokens of the action opening at `start` (`{{`) and the offset after its `}}`;
    None when it never closes."""
    tokens: list[_Token] = []
    position = start + 2
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:  # pragma: no cover - `other` matches any character
            return None
        kind = match.lastgroup or "other"
        if kind == "close":
            return tokens, match.end()
        tokens.append(_Token(kind, match.group(), match.start(), match.end()))
        position = match.end()
    return None


def convert_text(
    text: str,
    scenario: str,
    *,
    keep: Collection[str] = (),
    renames: Mapping[str, Rename] | None = None,
) -> Converted:
    """`text` in ringdesk's dialect for `scenario` (a key of `RENAMES`), with notes. Names in
    `keep` (connect fields, outputs of earlier requests) are never renamed. `renames`
    replaces the scenario's table (the export renames the other way)."""
    if "{{" not in text:
        return Converted(text)
    table = RENAMES.get(scenario, {}) if renames is None else renames
    renames = {k: v for k, v in table.items() if k not in keep}
    out: list[str] = []
    notes: list[Note] = []
    position = 0
    while (start := text.find("{{", position)) != -1:
        found = _action(text, start)
        if found is None:
            break
        tokens, end = found
        out.append(text[position:start])
        out.append(_convert_action(text[start:end], start, tokens, renames, notes))
        position = end
    out.append(text[position:])
    converted = "".join(out)
    try:
        gotemplate.compile(converted)
    except TemplateSyntaxError as exc:
        notes.append(Note(0, "unmapped", f"does not parse as a template: {exc.message}"))
    return Converted(converted, tuple(notes))


def _convert_action(
    source: str, start: int, tokens: list[_Token], renames: Mapping[str, Rename], notes: list[Note]
) -> str:
    """One action (`source` = `{{…}}` starting at `start` in the text), converted."""
    significant = [t for t in tokens if t.kind not in ("space", "comment")]
    bare = [t for t in significant if t.text != "-"]  # without trim markers
    edits: list[tuple[int, int, str]] = []
    for index, token in enumerate(significant):
        if token.kind == "field" and not _chained(significant, index):
            head, dot, rest = token.text[1:].partition(".")
            rename = renames.get(head)
            if rename is None:
                continue
            if rename.expand and bare == [token]:
                notes.append(Note(token.start, "changed", f"{{{{.{head}}}}}: {rename.why}"))
                return rename.expand
            if rename.to:
                notes.append(
                    Note(
                        token.start,
                        "changed",
                        f"{{{{.{head}}}}} → {{{{.{rename.to}}}}}: {rename.why}",
                    )
                )
                edits.append((token.start, token.end, f".{rename.to}{dot}{rest}"))
            else:
                why = rename.why or "no ringdesk equivalent"
                notes.append(
                    Note(token.start, "unmapped", f"{{{{.{head}}}}} kept, renders empty: {why}")
                )
        elif token.kind == "ident" and token.text not in _KEYWORDS | _LITERALS:
            if token.text in FUNCS:
                continue
            canonical = _FOLDED.get(token.text.lower())
            if canonical is not None:
                notes.append(Note(token.start, "changed", f"{token.text} is spelt {canonical}"))
                edits.append((token.start, token.end, canonical))
                continue
            return _drop_function(source, start, significant, index, notes)
    for edit_start, edit_end, replacement in sorted(edits, reverse=True):
        source = source[: edit_start - start] + replacement + source[edit_end - start :]
    return source


def _chained(tokens: list[_Token], index: int) -> bool:
    """`(…).Field` or `$x.Field`: a field of a value, not a variable."""
    if index == 0:
        return False
    before = tokens[index - 1]
    return before.end == tokens[index].start and before.text == ")"


def _drop_function(
    source: str, start: int, tokens: list[_Token], index: int, notes: list[Note]
) -> str:
    """The action without the unknown function at `tokens[index]`: `{{Fn X}}` or `{{X | Fn}}`
    keep X; anything else is removed."""
    fn = tokens[index]
    after = tokens[index + 1 : index + 3]
    ends = {")", "|", "-"}
    first_of_command = index == 0 or tokens[index - 1].text in ("(", "-")
    if (
        first_of_command
        and after
        and after[0].kind in _OPERANDS
        and (len(after) == 1 or after[1].text in ends)
    ):
        keep = after[0]
        notes.append(
            Note(
                fn.start,
                "changed",
                f"function {fn.text} has no ringdesk equivalent: "
                f"replaced by its argument {keep.text}",
            )
        )
        return source[: fn.start - start] + source[keep.start - start :]
    before = tokens[index - 1] if index > 0 else None
    if before is not None and before.text == "|" and (not after or after[0].text in ends):
        notes.append(
            Note(
                fn.start,
                "changed",
                f"function {fn.text} has no ringdesk equivalent: dropped from the pipeline",
            )
        )
        return source[: before.start - start].rstrip() + source[fn.end - start :]
    notes.append(
        Note(
            fn.start,
            "changed",
            f"function {fn.text} has no ringdesk equivalent: the action {source} was removed",
        )
    )
    return ""
