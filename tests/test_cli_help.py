"""The `ringdesk` help texts: every option explains itself, no help cites the team's
requirement IDs (users do not have that list), and `template validate --help` describes the
lines the command really prints."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ringdesk.cli import main

INVALID = Path(__file__).parent / "templates" / "corpus" / "invalid" / "a_six_fields.xml"
REQUIREMENT_ID = re.compile(r"\b[A-L]\d{1,2}\b")


def _commands(
    command: click.Command, path: str = "ringdesk"
) -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            yield from _commands(sub, f"{path} {name}")


COMMANDS = list(_commands(main))


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_option_has_help_and_no_requirement_ids(path: str, command: click.Command):
    undocumented = [
        param.opts[0]
        for param in command.params
        if isinstance(param, click.Option) and not param.hidden and not param.help
    ]
    assert undocumented == [], path
    texts = [
        command.help or "",
        *(p.help or "" for p in command.params if isinstance(p, click.Option)),
    ]
    assert [t for t in texts if REQUIREMENT_ID.search(t)] == [], path


def test_validate_help_describes_the_lines_it_prints():
    runner = CliRunner()
    help_text = runner.invoke(main, ["template", "validate", "--help"]).output
    assert "`FILE:LINE:COLUMN: section.field: message`" in " ".join(help_text.split())
    result = runner.invoke(main, ["template", "validate", str(INVALID)])
    line = result.output.splitlines()[0]
    assert re.match(rf"{re.escape(str(INVALID))}:\d+:\d+: [\w.\[\]]+: .+", line), line
