"""Adapter to the expression engines (`ringdesk.expressions.*`) used by template validation.

The engines are imported lazily and each helper returns `None` ("cannot tell") when an engine
is not installed yet, so validation degrades to structural checks instead of failing.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

__all__ = [
    "SyntaxProblem",
    "budget_error",
    "engine",
    "gjson_error",
    "jsonpath_error",
    "referenced_variables",
    "render",
    "template_error",
]


@dataclass(frozen=True)
class SyntaxProblem:
    """What, and where inside the expression: 1-based line/column and the 0-based `offset`
    (when known)."""

    message: str
    line: int | None = None
    column: int | None = None
    offset: int | None = None


def engine(name: str) -> ModuleType | None:
    """`ringdesk.expressions.<name>` if it is importable and complete enough, else None."""
    try:
        module = importlib.import_module(f"ringdesk.expressions.{name}")
    except ImportError:
        return None
    return module if hasattr(module, "compile") else None


def template_error(text: str) -> SyntaxProblem | None:
    """The syntax error of a `{{…}}` template, or None (valid, or no engine)."""
    gotemplate = engine("gotemplate")
    if gotemplate is None:
        return None
    from ringdesk.expressions import ExpressionError, TemplateSyntaxError

    try:
        gotemplate.compile(text)
    except TemplateSyntaxError as exc:
        return SyntaxProblem(exc.message, exc.line, exc.column, exc.position)
    except ExpressionError as exc:
        return SyntaxProblem(exc.message)
    return None


def budget_error(text: str, variables: Iterable[str] = ()) -> SyntaxProblem | None:
    """A template that goes over the evaluation budget with plausible (long) data, or None.

    Catches templates that loop past the step limit or multiply their input (a `printf`
    doubling a variable again and again) before they are saved and run for every call."""
    gotemplate = engine("gotemplate")
    if gotemplate is None or not hasattr(gotemplate, "check_budget"):
        return None
    from ringdesk.expressions import ExpressionError

    try:
        exceeded = gotemplate.check_budget(text, variables)
    except ExpressionError:
        return None  # a syntax error is reported by template_error
    if exceeded is None:
        return None
    return SyntaxProblem(exceeded.message, exceeded.line, exceeded.column, exceeded.position)


def referenced_variables(text: str) -> set[str] | None:
    gotemplate = engine("gotemplate")
    if gotemplate is None or not hasattr(gotemplate, "referenced_variables"):
        return None
    from ringdesk.expressions import ExpressionError

    try:
        return set(gotemplate.referenced_variables(text))
    except ExpressionError:
        return None


def render(text: str, data: Mapping[str, Any], escape: str = "text") -> str | None:
    """Render with sample `data`; None when there is no engine or rendering fails."""
    gotemplate = engine("gotemplate")
    if gotemplate is None or not hasattr(gotemplate, "render"):
        return None
    try:
        return str(gotemplate.render(text, data, escape=escape))
    except Exception:  # a sample render is advisory; real errors come from compile
        return None


def _path_error(kind: str, path: str) -> SyntaxProblem | None:
    module = engine(kind)
    if module is None:
        return None
    from ringdesk.expressions import ExpressionError

    try:
        module.compile(path)
    except ExpressionError as exc:
        column = None if exc.position is None else exc.position + 1
        return SyntaxProblem(exc.message, None, column, exc.position)
    return None


def gjson_error(path: str) -> SyntaxProblem | None:
    return _path_error("gjson", path)


def jsonpath_error(path: str) -> SyntaxProblem | None:
    return _path_error("jsonpath", path)
