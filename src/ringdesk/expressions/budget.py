"""Resource budgets: how much one evaluation of a template or GJSON path may build and do.

Templates are written by integration authors and filled with data from PBXs and helpdesks;
neither may make ringdesk build a gigabyte string, loop for minutes or overflow the stack.
`Budget` (frozen) holds the limits; `DEFAULT_BUDGET` applies unless a caller passes its own
(`gotemplate.render(..., budget=...)`, `gjson.get(..., budget=...)`). Going over any limit
raises `BudgetExceeded` naming the limit (and, in templates, the action's line and column).

What each limit bounds:

* `max_value` — characters of any one value a template builds: a variable, the result of
  `printf`/`print`/`println`/`html`/`js`/`urlquery` or any other function;
* `max_output` — characters of a template's rendered output (range/with/template bodies
  write into it, so it bounds those too);
* `max_steps` — template nodes executed, range iterations and function calls; for GJSON the
  JSON values a modifier visits (`@dig`, `@flatten`, `@pretty`, ...);
* `max_seconds` — wall time of one evaluation;
* `max_depth` — nesting while evaluating: template control structures, parenthesised
  pipelines and `{{template}}` calls; GJSON nested paths, queries, pipes and the document
  depth a modifier recurses into.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ringdesk.expressions import BudgetExceeded

__all__ = ["DEFAULT_BUDGET", "Budget", "Meter", "describe"]


@dataclass(frozen=True, slots=True)
class Budget:
    """Limits of one evaluation; see the module docstring for what each one bounds."""

    max_value: int = 1_000_000
    max_output: int = 1_000_000
    max_steps: int = 100_000
    max_seconds: float = 1.0
    max_depth: int = 100

    def __post_init__(self) -> None:
        for name in ("max_value", "max_output", "max_steps", "max_seconds", "max_depth"):
            if not getattr(self, name) > 0:
                raise ValueError(f"Budget.{name} must be positive")


DEFAULT_BUDGET = Budget()


class Meter:
    """Counts one evaluation's steps and nesting depth and watches its deadline.

    `step()` and `enter()` raise `BudgetExceeded`; `leave()` undoes one `enter()`. The clock
    is read every 64 steps only, which is often enough: no single step runs long.
    """

    __slots__ = ("budget", "deadline", "depth", "polls", "steps")

    def __init__(self, budget: Budget = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self.steps = 0
        self.depth = 0
        self.polls = 0
        self.deadline = time.monotonic() + budget.max_seconds

    def poll(self) -> None:
        """Watch the clock every 32nd call, without counting a step (for work that is
        bounded otherwise, like one scan of a document)."""
        self.polls += 1
        if not self.polls & 31:
            self.check_time()

    def step(self, count: int = 1) -> None:
        """Count `count` units of work."""
        before = self.steps
        self.steps += count
        if self.steps > self.budget.max_steps:
            raise self.exceeded("max_steps")
        if (before >> 6) != (self.steps >> 6):
            self.check_time()

    def check_time(self) -> None:
        """Raise when the deadline has passed."""
        if time.monotonic() > self.deadline:
            raise self.exceeded("max_seconds")

    def enter(self) -> None:
        """One level deeper."""
        self.depth += 1
        if self.depth > self.budget.max_depth:
            raise self.exceeded("max_depth")

    def leave(self) -> None:
        """One level back up."""
        self.depth -= 1

    def exceeded(self, limit: str) -> BudgetExceeded:
        """The BudgetExceeded for `limit` (a Budget field name)."""
        return BudgetExceeded(describe(self.budget, limit), limit=limit)


def describe(budget: Budget, limit: str) -> str:
    """The message for going over `limit` of `budget`."""
    value = getattr(budget, limit)
    what = {
        "max_value": f"a value exceeds the budget of {value} characters",
        "max_output": f"the output exceeds the budget of {value} characters",
        "max_steps": f"evaluation exceeds the budget of {value} steps",
        "max_seconds": f"evaluation exceeds the budget of {value} seconds",
        "max_depth": f"nesting exceeds the budget of {value} levels",
    }[limit]
    return f"{what} ({limit})"
