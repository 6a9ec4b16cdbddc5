"""The `ringdesk` command: serve, database migrations, admin tokens, templates, demo helpdesk."""

from __future__ import annotations

import click

from ringdesk import __version__
from ringdesk.config import Settings

__all__ = ["main"]


@click.group()
@click.version_option(__version__, prog_name="ringdesk")
def main() -> None:
    """ringdesk connects a PBX to a helpdesk through declarative templates."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Migrate the database, then run the service."""
    import uvicorn

    from ringdesk.api.app import create_app
    from ringdesk.store.migrate import upgrade

    settings = Settings()
    upgrade(settings.database_url)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations to RINGDESK_DATABASE_URL."""
    from ringdesk.store.migrate import upgrade

    settings = Settings()
    upgrade(settings.database_url)
    click.echo("database is up to date")


@main.group()
def admin() -> None:
    """Administration."""


@admin.command("create-token")
@click.option("--label", default="", help="What the token is for.")
def admin_create_token(label: str) -> None:
    """Print a new admin API token (stored hashed; shown only now)."""
    from ringdesk.store.admin_tokens import create_token
    from ringdesk.store.db import Database
    from ringdesk.store.migrate import upgrade

    settings = Settings()
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    with database.session() as session:
        token = create_token(session, label)
    database.dispose()
    click.echo(token)


@admin.command("show-webhook-secret")
def admin_show_webhook_secret() -> None:
    """Print the HMAC key that signs call events sent to /api/v1/events."""
    click.echo(Settings().resolved_webhook_secret())


@main.group()
def template() -> None:
    """Integration templates: validate, run a scenario."""


@template.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def template_validate(files: tuple[str, ...]) -> None:
    """Check template XML files; exit 1 if any has errors (warnings do not fail).

    Prints `FILE:LINE: section.field: message` per error and
    `warning: FILE:LINE: section.field: message` per warning.
    """
    from pathlib import Path

    from ringdesk.templates.report import check_file

    failed = False
    for name in files:
        errors, lines = check_file(name, Path(name).read_bytes())
        for line in lines:
            click.echo(line)
        failed = failed or errors > 0
        click.echo(f"{name}: {'invalid' if errors else 'valid'}", err=True)
    raise SystemExit(1 if failed else 0)
