"""Expression engines used inside templates: GJSON paths, the Go-template dialect, JSONPath."""

from __future__ import annotations

__all__ = ["BudgetExceeded", "ExpressionError", "TemplateSyntaxError"]


class ExpressionError(ValueError):
    """An expression (GJSON path, JSONPath, template) is invalid; `position` is 0-based."""

    def __init__(self, message: str, *, position: int | None = None, expression: str = ""):
        self.message = message
        self.position = position
        self.expression = expression
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"{message}{where}")


class TemplateSyntaxError(ExpressionError):
    """A `{{…}}` template does not parse; `line` and `column` are 1-based within the template."""

    def __init__(
        self,
        message: str,
        *,
        line: int,
        column: int,
        position: int | None = None,
        expression: str = "",
    ):
        self.line = line
        self.column = column
        super().__init__(message, position=position, expression=expression)
        self.args = (f"line {line}, column {column}: {message}",)

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


class BudgetExceeded(ExpressionError):
    """An evaluation went over one limit of its `budget.Budget`.

    `limit` names the Budget field that was exceeded (`max_value`, `max_output`, `max_steps`,
    `max_seconds` or `max_depth`). For templates `line` and `column` (1-based) locate the
    action that was running; for GJSON paths they are None.
    """

    def __init__(
        self,
        message: str,
        *,
        limit: str,
        line: int | None = None,
        column: int | None = None,
        position: int | None = None,
        expression: str = "",
    ):
        self.limit = limit
        self.line = line
        self.column = column
        super().__init__(message, position=position, expression=expression)
        if line is not None:
            self.args = (str(self),)

    def __str__(self) -> str:
        if self.line is not None:
            return f"line {self.line}, column {self.column}: {self.message}"
        return super().__str__()
