"""The template editor's form ⇄ model conversion (pure).

Form inputs are named by dotted paths into the model (`general.name`,
`headers.3.value`, `contact_search.contact_types.0.mapping.fields.2.path`). The editor keeps
what the admin typed as a nested "raw" dict (blank rows included) so a page can be
re-rendered without losing input; `to_template` cleans it and builds the `Template`.
Problems (validation or conversion) are matched back to the input they concern.
"""

from __future__ import annotations

import base64
import binascii
import re
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from ringdesk.templates.model import Basic, Bearer, OAuth2, Refresh, Template

__all__ = [
    "LIMITS",
    "OPTIONAL_SECTIONS",
    "SECTIONS",
    "FieldProblem",
    "FormProblems",
    "add_row",
    "from_template",
    "limit_for",
    "match_problems",
    "nest",
    "remove_row",
    "to_template",
    "view",
]

# Rows the editor lets an admin add, and their limits (A2: 5 fields, H1: 20 headers).
LIMITS: dict[str, int] = {
    "authentication.fields": 5,
    "headers": 20,
    "follow_up_requests": 20,
    "contact_search.contact_types": 10,
    "create_contact.contact_types": 10,
    "mapping.fields": 20,
    "extra_variables": 10,
    "extra_requests": 10,
    "outputs": 20,
}
# Section ids in the order of the source document, with their headings.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("general", "General"),
    ("user_association", "User association"),
    ("authentication", "Authentication"),
    ("headers", "Headers"),
    ("follow_up_requests", "Follow-up requests"),
    ("contact_search", "Contact search"),
    ("create_contact", "Create contact"),
    ("call_log", "Call log"),
    ("ticket", "Ticket"),
)
# Optional sections: a switch (`<section>.enabled`) turns them on; off and untouched = absent.
OPTIONAL_SECTIONS = ("user_association", "create_contact", "call_log", "ticket")
# Model fields that are bookkeeping, not inputs.
_NOT_INPUTS = frozenset({"locations", "positions", "invalid_values"})
# Optional blocks (None when absent) that a form always sends inputs for: absent again when
# every input is blank or at its default.
_DROP_WHEN_BLANK = frozenset({"duplicate_check"})
# Integer inputs where blank means "not set" (None) rather than "use the default".
_BLANK_IS_NONE = frozenset({"max_concurrent_requests", "interval_minutes", "secret_flag"})


@dataclass(frozen=True)
class FieldProblem:
    severity: str
    message: str
    key: str | None  # the form input it belongs to, when known
    section: str  # section id ("" when unknown)
    line: int | None = None
    column: int | None = None

    @property
    def where(self) -> str:
        """`line 3, column 14` (what is known of it), for the page."""
        if self.line is None:
            return ""
        return f"line {self.line}" + (f", column {self.column}" if self.column else "")


@dataclass
class FormProblems:
    by_key: dict[str, list[FieldProblem]] = field(default_factory=dict)
    by_section: dict[str, list[FieldProblem]] = field(default_factory=dict)
    all: list[FieldProblem] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.all)


# ---- model introspection -------------------------------------------------------------


def _unwrap(annotation: Any) -> tuple[str, Any]:
    """("model", cls) | ("list", item_cls) | ("value", annotation)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if models:
            return "model", models[0]
        return "value", annotation
    if origin is tuple:
        item = typing.get_args(annotation)[0]
        if isinstance(item, type) and issubclass(item, BaseModel):
            return "list", item
        return "value", annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model", annotation
    return "value", annotation


def _defaults(cls: type[BaseModel]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, info in cls.model_fields.items():
        if name in _NOT_INPUTS:
            continue
        kind, sub = _unwrap(info.annotation)
        default = info.get_default(call_default_factory=True)
        if kind == "model":
            out[name] = _defaults(sub)
            if isinstance(default, BaseModel):  # e.g. RequestSpec(method="POST")
                dumped = _stringify(default.model_dump())
                out[name].update(
                    {k: v for k, v in dumped.items() if isinstance(v, str | int | float)}
                )
        elif kind == "list":
            out[name] = []
        elif info.is_required():
            out[name] = ""
        else:
            out[name] = "" if default is None else _stringify(default)
    return out


def _fill(cls: type[BaseModel], raw: Any) -> dict[str, Any]:
    """`raw` laid over the defaults of `cls`: every key a template may look up exists."""
    out = _defaults(cls)
    if not isinstance(raw, Mapping):
        return out
    for name, info in cls.model_fields.items():
        if name not in raw or name in _NOT_INPUTS:
            continue
        kind, sub = _unwrap(info.annotation)
        value = raw[name]
        if kind == "model":
            base = out[name] if isinstance(out[name], dict) else {}
            filled = _fill(sub, value)
            out[name] = {
                **filled,
                **{k: v for k, v in base.items() if k not in (value or {}) and v is not None},
            }
        elif kind == "list":
            out[name] = [_fill(sub, item) for item in (value or [])]
        else:
            out[name] = "" if value is None else value
    return out


# ---- form → raw ----------------------------------------------------------------------


def nest(items: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Flat dotted form keys → nested dicts; numeric segments become ordered lists."""
    root: dict[str, Any] = {}
    for key, value in items:
        if not key or key.startswith("_") or key in {"csrf_token", "action", "xml", "tab"}:
            continue
        parts = key.split(".")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[parts[-1]] = value
    nested: dict[str, Any] = _lists(root)
    return nested


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(k.isdigit() for k in node):
        return [_lists(node[k]) for k in sorted(node, key=int)]
    return {k: _lists(v) for k, v in node.items()}


def _get_list(raw: dict[str, Any], path: str) -> list[Any]:
    node: Any = raw
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    last = parts[-1]
    if isinstance(node.get(last), list):
        lst: list[Any] = node[last]
    else:
        lst = []
        node[last] = lst
    return lst


def limit_for(path: str) -> int:
    for suffix, limit in LIMITS.items():
        if path == suffix or path.endswith("." + suffix):
            return limit
    return 20


def add_row(raw: dict[str, Any], path: str) -> None:
    """Append a blank row to the list at `path` (unless it is at its limit)."""
    rows = _get_list(raw, path)
    if len(rows) < limit_for(path):
        rows.append({})


def remove_row(raw: dict[str, Any], path: str) -> None:
    """Remove the row `path` = `<list path>.<index>`."""
    list_path, _, index = path.rpartition(".")
    rows = _get_list(raw, list_path)
    if index.isdigit() and int(index) < len(rows):
        del rows[int(index)]


# ---- raw → model ---------------------------------------------------------------------


# Selects always send a value: they do not make a row or block "filled in".
_ALWAYS_SET = frozenset(
    {
        "method",
        "type",
        "mode",
        "credential_type",
        "token_content_type",
        "content_type",
        "trigger",
        "source",
    }
)


def _blank(cls: type[BaseModel], raw: Any) -> bool:
    """Whether the form data `raw` for a `cls` says nothing: every input empty or at its
    default (selects, which always send a value, do not count)."""
    if not isinstance(raw, Mapping):
        return raw in ("", None)
    defaults = _defaults(cls)
    for name, info in cls.model_fields.items():
        if name in _NOT_INPUTS or name in _ALWAYS_SET or name not in raw:
            continue
        kind, sub = _unwrap(info.annotation)
        value = raw[name]
        if kind == "model":
            if not _blank(sub, value):
                return False
        elif kind == "list":
            if not all(_blank(sub, row) for row in value or []):
                return False
        elif value not in ("", None) and value != defaults.get(name):
            return False
    return True


def _clean(cls: type[BaseModel], raw: Any) -> dict[str, Any]:
    """Typed-ish data for `cls.model_validate`: checkboxes to bools, blank rows dropped."""
    out: dict[str, Any] = {}
    data = raw if isinstance(raw, Mapping) else {}
    for name, info in cls.model_fields.items():
        if name in _NOT_INPUTS:
            continue
        kind, sub = _unwrap(info.annotation)
        value = data.get(name)
        if kind == "model":
            if sub.__name__ == "Logo":
                logo = _logo(value)
                if logo is not None:
                    out[name] = logo
                continue
            if name in _DROP_WHEN_BLANK and _blank(sub, value):
                continue
            if value is not None:
                default = info.get_default(call_default_factory=True)
                base = default.model_dump() if isinstance(default, BaseModel) else {}
                out[name] = {**base, **_clean(sub, value)}
        elif kind == "list":
            rows = value if isinstance(value, list) else []
            out[name] = [_clean(sub, r) for r in rows if not _blank(sub, r)]
        elif info.annotation is bool:
            out[name] = value in ("on", "true", "1", True)
        elif value is None:
            continue
        elif value == "" and name in _BLANK_IS_NONE:
            out[name] = None
        elif value == "" and name in {"method"}:
            continue
        elif value == "" and _is_int(info.annotation):
            continue  # blank number: the model's default
        else:
            out[name] = value.strip() if _is_int(info.annotation) else value
    return out


def _is_int(annotation: Any) -> bool:
    return annotation is int or int in typing.get_args(annotation)


def _logo(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, Mapping) or not value.get("data"):
        return None
    try:
        data = base64.b64decode(str(value["data"]), validate=True)
    except (binascii.Error, ValueError):
        return None
    return {"content_type": str(value.get("content_type") or "image/png"), "data": data}


def to_template(raw: dict[str, Any]) -> tuple[Template | None, list[FieldProblem]]:
    """Build the template the form describes, or the conversion problems (bad numbers...)."""
    data = _clean(Template, raw)
    auth = data.get("authentication", {})
    method = auth.get("method", "none")
    raw_auth = raw.get("authentication", {})
    blocks: dict[str, type[BaseModel]] = {"basic": Basic, "oauth2": OAuth2, "bearer": Bearer}
    for block, cls in blocks.items():
        if block in auth and block != method and _blank(cls, raw_auth.get(block)):
            del auth[block]
    oauth = auth.get("oauth2")
    if isinstance(oauth, dict) and "refresh" in oauth:
        refresh_raw = raw_auth.get("oauth2", {}).get("refresh", {})
        if _blank(Refresh, refresh_raw):
            del oauth["refresh"]
    for section in OPTIONAL_SECTIONS:
        if section not in data:
            continue
        sub = Template.model_fields[section]
        _, cls = _unwrap(sub.annotation)
        try:
            model = cls.model_validate(data[section])
        except ValidationError:
            continue  # reported below with its path
        if not getattr(model, "enabled", False) and model == cls():
            data[section] = None
    try:
        return Template.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            problems.append(
                FieldProblem("error", err["msg"], key, key.split(".")[0] if key else "")
            )
        return None, problems


# ---- model → raw / view --------------------------------------------------------------


def from_template(template: Template) -> dict[str, Any]:
    """The raw form data of a template (what `nest` would give for its filled-in form)."""
    data = template.model_dump(exclude=set(_NOT_INPUTS))
    for connect_field in data["authentication"]["fields"]:
        # A three-way choice (blank: the name decides), not a checkbox.
        flag = connect_field.get("secret_flag")
        connect_field["secret_flag"] = "" if flag is None else str(flag).lower()
    logo = template.general.logo
    data["general"]["logo"] = (
        {"content_type": logo.content_type, "data": base64.b64encode(logo.data).decode()}
        if logo
        else None
    )
    return typing.cast(dict[str, Any], _stringify(data))


def _stringify(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stringify(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_stringify(v) for v in value]
    if isinstance(value, bool):
        return "on" if value else ""
    if value is None:
        return None
    return str(value) if isinstance(value, int | float) else value


def view(raw: dict[str, Any]) -> dict[str, Any]:
    """Raw form data with every key present, for the editor page."""
    filled = _fill(Template, raw)
    logo = (raw.get("general") or {}).get("logo")
    filled["general"]["logo"] = logo if isinstance(logo, Mapping) and logo.get("data") else None
    for section in OPTIONAL_SECTIONS:
        filled[section]["enabled"] = _truthy((raw.get(section) or {}).get("enabled"))
    return filled


def _truthy(value: Any) -> bool:
    return value in ("on", "true", "1", True)


# ---- problems → inputs ---------------------------------------------------------------


def _norm(text: str) -> str:
    """Compare XML-ish paths (`Headers.Header[0]`, `Pagination@pageSize`) with form keys
    (`headers.0.name`, `pagination.page_size`): case, `_`, plurals and repeats ignored."""
    text = re.sub(r"\[(\d+)\]", r".\1", text).replace("@", ".")
    out: list[str] = []
    for part in text.split("."):
        seg = re.sub(r"[^a-z0-9]", "", part.lower())
        if seg.endswith("s") and not seg.isdigit():
            seg = seg[:-1]
        if not seg or (out and not seg.isdigit() and out[-1].endswith(seg)):
            continue  # "headers.header" is one step: the list and its element
        out.append(seg)
    return ".".join(out)


def _keys(raw: Any, prefix: str = "") -> Iterable[str]:
    if isinstance(raw, Mapping):
        for k, v in raw.items():
            yield from _keys(v, f"{prefix}{k}.")
    elif isinstance(raw, list):
        for i, v in enumerate(raw):
            yield from _keys(v, f"{prefix}{i}.")
    else:
        yield prefix.rstrip(".")


_SECTION_ALIASES = {_norm(sid): sid for sid, _ in SECTIONS} | {
    "followuprequests": "follow_up_requests",
    "followup": "follow_up_requests",
    "helpdesktemplate": "general",
}


def _section_of(text: str) -> str:
    head = _norm(text).split(".")[0] if text else ""
    return _SECTION_ALIASES.get(head, "")


def _best_key(normed: list[tuple[str, str]], wanted: str) -> str | None:
    """The input named exactly, else the first input inside it, else one ending with it."""
    for n, key in normed:
        if n == wanted:
            return key
    for n, key in normed:
        if n.startswith(wanted + "."):
            return key
    for n, key in normed:
        if n.endswith("." + wanted):
            return key
    return None


def match_problems(problems: Iterable[Any], filled: dict[str, Any]) -> FormProblems:
    """Attach each problem (`.severity .section .field .message .line`) to a form input."""
    keys = list(_keys(filled))
    normed = [(_norm(k), k) for k in keys]
    out = FormProblems()
    for problem in problems:
        if isinstance(problem, FieldProblem):
            item = problem
        else:
            section = str(getattr(problem, "section", "") or "")
            fld = str(getattr(problem, "field", "") or "")
            wanted = _norm(f"{section}.{fld}" if fld else section)
            key = None
            if fld:
                key = _best_key(normed, wanted)
                if key and key.startswith("general.logo"):
                    key = "general.logo"
            item = FieldProblem(
                str(getattr(problem, "severity", "error")),
                str(getattr(problem, "message", problem)),
                key,
                _section_of(key or section),
                getattr(problem, "line", None),
                getattr(problem, "column", None),
            )
        out.all.append(item)
        if item.key:
            out.by_key.setdefault(item.key, []).append(item)
        else:
            out.by_section.setdefault(item.section, []).append(item)
    return out
