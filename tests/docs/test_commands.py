"""Every command the README and the docs tell a reader to type exists: each `make TARGET` is
a Makefile target, and each `ringdesk …` names a real command with options it has. A renamed
command or option fails here instead of leaving a new user at a dead end."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from ringdesk.cli import main
from tests.docs.pages import ROOT, code_blocks, pages

README = ROOT / "README.md"
SHELL_BLOCKS = {"", "sh", "bash", "shell", "console"}
_PROMPT = re.compile(r"^\s*\$\s+")
_START = re.compile(
    r"^(?:sudo\s+)?(?:\.venv/bin/|\S*/bin/)?(?P<tool>ringdesk|make)\s+(?P<rest>.*)$"
)


def _command_lines(page: Path) -> list[str]:
    """Commands in inline code and in shell blocks (prompts removed, `\\` lines joined)."""
    text = page.read_text(encoding="utf-8")
    found = [span for span in re.findall(r"`([^`\n]+)`", text)]
    for block in code_blocks(page):
        # Output blocks (`text`) show commands after a `$ ` prompt; shell blocks are commands.
        prompted_only = block.lang not in SHELL_BLOCKS
        joined = re.sub(r"\\\n\s*", " ", block.text)
        for line in joined.splitlines():
            if _PROMPT.match(line) or not prompted_only:
                found.append(_PROMPT.sub("", line))
    return [line.strip() for line in found if _START.match(line.strip())]


def _words(rest: str) -> list[str]:
    """The words of a command up to a comment, a pipe or a second command."""
    rest = re.split(r"\s+#|\s*(?:\||&&|;|>)\s*", rest, maxsplit=1)[0]
    return [w.strip("[]") for w in rest.split() if w.strip("[]")]


def _targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][\w-]*):", makefile, re.M))


def _check_ringdesk(words: list[str]) -> str | None:
    """Why `ringdesk WORDS` is not a command line ringdesk accepts, or None."""
    command: click.Command = main
    path = ["ringdesk"]
    rest = list(words)
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        if rest[0].isupper():  # a placeholder such as COMMAND
            return None
        sub = command.get_command(click.Context(command), rest[0])
        if sub is None:
            return f"{' '.join(path)} has no command {rest[0]!r}"
        command, path = sub, [*path, rest.pop(0)]
    known = {opt for param in command.params for opt in param.opts} | {"--help"}
    if command is main:
        known.add("--version")
    for word in rest:
        option = word.split("=", 1)[0]
        if option.startswith("-") and option != "-" and option not in known:
            return f"{' '.join(path)} has no option {option}"
    return None


def _cases() -> list[tuple[str, str]]:
    return [
        (f"{page.relative_to(ROOT)}: {line}", line)
        for page in [README, *pages()]
        for line in _command_lines(page)
    ]


CASES = _cases()


def test_the_readme_and_getting_started_name_their_commands():
    lines = {line for where, line in CASES if where.startswith(("README", "docs/getting"))}
    assert "make run" in " ".join(lines)
    assert any("simulate-call" in line for line in lines)


@pytest.mark.parametrize(("where", "line"), CASES, ids=[where for where, _ in CASES])
def test_every_documented_command_exists(where: str, line: str):
    match = _START.match(line)
    assert match
    words = _words(match["rest"])
    if match["tool"] == "make":
        targets = [w for w in words if "=" not in w and not w.startswith("-")]
        assert set(targets) <= _targets(), f"{where}: no make target {targets}"
    else:
        assert _check_ringdesk(words) is None, where


@pytest.mark.parametrize(
    ("words", "problem"),
    [
        (["template", "export", "x.xml"], "ringdesk template has no command 'export'"),
        (["simulate-call", "--form", "1"], "ringdesk simulate-call has no option --form"),
        (["template", "run", "f.xml", "--scenario", "users", "--set", "a=b"], None),
        (["admin"], None),
        (["COMMAND", "--help"], None),
    ],
    ids=["unknown-command", "unknown-option", "valid", "group", "placeholder"],
)
def test_the_checker_finds_wrong_commands(words: list[str], problem: str | None):
    assert _check_ringdesk(words) == problem
