"""Human-readable validation reports (`ringdesk template validate`): one line per problem."""

from __future__ import annotations

from ringdesk.errors import TemplateError
from ringdesk.templates.codec import UnknownElementError, load_xml
from ringdesk.templates.validate import Problem, validate

__all__ = ["check_file", "format_problem", "load_problem"]


def load_problem(exc: TemplateError) -> Problem:
    """A load failure (bad XML, unknown element...) as a `Problem`."""
    section, field = "XML", ""
    if isinstance(exc, UnknownElementError):
        section, _, field = exc.path.partition(".")
    return Problem("error", section, field, exc.line, exc.message, exc.column)


def format_problem(name: str, problem: Problem) -> str:
    """`FILE:LINE:COLUMN: section.field: message` (`FILE:LINE:` when the column is unknown),
    with `warning: ` in front for warnings."""
    where = ".".join(p for p in (problem.section, problem.field) if p) or "template"
    text = f"{name}:{problem.where}: {where}: {problem.message}"
    return text if problem.severity == "error" else f"warning: {text}"


def check_file(name: str, data: bytes) -> tuple[int, list[str]]:
    """Validate one file's bytes: (number of errors, report lines)."""
    try:
        problems = validate(load_xml(data))
    except TemplateError as exc:
        problems = [load_problem(exc)]
    errors = sum(1 for p in problems if p.severity == "error")
    return errors, [format_problem(name, p) for p in problems]
