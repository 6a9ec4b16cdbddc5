"""The command-line reference, walked from the click command tree of `ringdesk.cli.main`."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import click

from ringdesk.cli import main
from ringdesk_docgen.markdown import code, table

__all__ = ["cli_markdown", "command_paths"]

_PROG = "ringdesk"


def _walk(
    command: click.Command, path: tuple[str, ...], parent: click.Context | None
) -> Iterator[tuple[tuple[str, ...], click.Command, click.Context]]:
    ctx = click.Context(command, info_name=path[-1], parent=parent)
    yield path, command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from _walk(sub, (*path, name), ctx)


def command_paths() -> list[str]:
    """Every command as typed: `ringdesk`, `ringdesk db upgrade`, ..."""
    return [" ".join(path) for path, _, _ in _walk(main, (_PROG,), None)]


def _option_row(param: click.Parameter, ctx: click.Context) -> list[str]:
    names = ", ".join(code(o) for o in (*param.opts, *param.secondary_opts))
    if isinstance(param, click.Option) and param.is_flag:
        kind = "flag"
    else:
        kind = param.type.get_metavar(param, ctx) or param.type.name
    default = ""
    if isinstance(param, click.Option) and param.show_default and param.default is not None:
        default = code(param.default)
    help_text = getattr(param, "help", None) or ""
    if getattr(param, "required", False):
        help_text = f"required. {help_text}".strip()
    if getattr(param, "multiple", False):
        help_text = f"{help_text} May be given several times.".strip()
    return [names, kind, default, help_text]


def _section(path: tuple[str, ...], command: click.Command, ctx: click.Context) -> list[str]:
    level = "#" * min(len(path) + 1, 4)
    parts = [f"{level} {' '.join(path)}", ""]
    usage = " ".join(command.collect_usage_pieces(ctx))
    parts += [f"```text\n{' '.join(path)} {usage}\n```", ""]
    if command.help:
        parts += [inspect.cleandoc(command.help), ""]
    options = [p for p in command.params if isinstance(p, click.Option)]
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    if arguments:
        rows = [
            [code(a.human_readable_name), a.type.name, "required" if a.required else "optional"]
            for a in arguments
        ]
        parts += [table(["argument", "type", ""], rows), ""]
    if options:
        parts += [
            table(
                ["option", "value", "default", "meaning"], [_option_row(o, ctx) for o in options]
            ),
            "",
        ]
    if isinstance(command, click.Group):
        subs = [
            (code(f"{' '.join(path)} {name}"), (command.get_command(ctx, name) or command))
            for name in command.list_commands(ctx)
        ]
        parts += [
            table(["command", "what it does"], [(n, c.get_short_help_str(90)) for n, c in subs]),
            "",
        ]
    return parts


def cli_markdown() -> str:
    """A section per command and group, in tree order, with usage, help and options."""
    parts: list[str] = []
    for path, command, ctx in _walk(main, (_PROG,), None):
        parts += _section(path, command, ctx)
    return "\n".join(parts)
