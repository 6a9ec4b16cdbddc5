"""The `ringdesk` command: serve, database migrations, admin tokens, templates, demo helpdesk."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any

import click

from ringdesk import __version__
from ringdesk.config import Settings

if TYPE_CHECKING:
    from ringdesk.templates.importing import Imported

__all__ = ["main"]


@click.group()
@click.version_option(__version__, prog_name="ringdesk")
def main() -> None:
    """ringdesk connects a PBX to a helpdesk through declarative templates."""


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (keep loopback behind a reverse proxy).",
)
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
def serve(host: str, port: int) -> None:
    """Migrate the database, then run the service. Until an admin exists, prints the
    one-time link that opens first-run setup."""
    import uvicorn

    from ringdesk.api.app import create_app
    from ringdesk.store.migrate import upgrade

    settings = Settings()
    upgrade(settings.database_url)
    _print_setup_link(settings)
    app = create_app(settings)
    # Everything imported and built so far lives as long as the process: keep it out of the
    # cyclic collector, whose full passes over it paused screen pops by up to ~200 ms.
    gc.collect()
    gc.freeze()
    uvicorn.run(app, host=host, port=port, log_level="info")


def _print_setup_link(settings: Settings) -> None:
    import time

    from ringdesk.store.db import Database
    from ringdesk.web.setup import SETUP_CODE_TTL, issue_setup_link

    database = Database(settings.database_url)
    try:
        link = issue_setup_link(database, settings, now=time.time())
    finally:
        database.dispose()
    if link:
        minutes = int(SETUP_CODE_TTL // 60)
        click.echo(f"No admin exists yet. Create the first one at (one-time link, {minutes} min):")
        click.echo(f"  {link}")


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations to RINGDESK_DATABASE_URL."""
    from ringdesk.store.migrate import current_revision, upgrade

    settings = Settings()
    before = current_revision(settings.database_url)
    upgrade(settings.database_url)
    after = current_revision(settings.database_url)
    if before is None:
        click.echo(f"database created at revision {after}")
    elif before == after:
        click.echo(f"database is up to date (revision {after})")
    else:
        click.echo(f"database upgraded from revision {before} to {after}")


@main.group()
def admin() -> None:
    """Administration."""


def _database(settings: Settings) -> Any:
    from ringdesk.store.db import Database
    from ringdesk.store.migrate import upgrade

    upgrade(settings.database_url)
    return Database(settings.database_url)


@admin.command("create-token")
@click.option("--name", default="", help="What the token is for (shown in token lists).")
@click.option("--label", default="", hidden=True, help="Old name of --name.")
@click.option(
    "--expires-days",
    type=click.FloatRange(min=0, min_open=True, max=3650),
    default=None,
    help="Days until the token stops working [default: never].",
)
def admin_create_token(name: str, label: str, expires_days: float | None) -> None:
    """Print a new admin API token (stored hashed; shown only now)."""
    import time

    from ringdesk.store.admin import create_token

    settings = Settings()
    database = _database(settings)
    expires = time.time() + expires_days * 86_400 if expires_days else None
    try:
        with database.session() as session:
            token = create_token(session, name or label, expires_at=expires)
    finally:
        database.dispose()
    click.echo(token)


@admin.command("list-tokens")
def admin_list_tokens() -> None:
    """List the admin API tokens: id, state, name, expiry and last use (never the secret)."""
    import time
    from datetime import UTC, datetime

    from ringdesk.api.routes.admin import token_view
    from ringdesk.store.admin import list_tokens

    def when(value: float | None) -> str:
        if value is None:
            return "-"
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M")

    settings = Settings()
    database = _database(settings)
    now = time.time()
    try:
        with database.session() as session:
            rows = [token_view(row, now=now) for row in list_tokens(session)]
    finally:
        database.dispose()
    click.echo(f"{'ID':>4}  {'STATE':8}  {'EXPIRES (UTC)':16}  {'LAST USED (UTC)':16}  NAME")
    for row in rows:
        click.echo(
            f"{row['id']:>4}  {row['state']:8}  {when(row['expires_at']):16}  "
            f"{when(row['last_used_at']):16}  {row['name']}"
        )


@admin.command("revoke-token")
@click.argument("token_id", type=int)
def admin_revoke_token(token_id: int) -> None:
    """Revoke the admin API token TOKEN_ID (see list-tokens); it stops working at once."""
    import time

    from ringdesk.store.admin import revoke_token

    settings = Settings()
    database = _database(settings)
    try:
        with database.session() as session:
            found = revoke_token(session, token_id, now=time.time())
    finally:
        database.dispose()
    if not found:
        raise click.ClickException(f"no admin token {token_id}")
    click.echo(f"admin token {token_id} revoked")


@admin.command("setup-link")
def admin_setup_link() -> None:
    """Print a fresh one-time link to first-run setup (while no admin exists)."""
    import time

    from ringdesk.web.setup import issue_setup_link

    settings = Settings()
    database = _database(settings)
    try:
        link = issue_setup_link(database, settings, now=time.time())
    finally:
        database.dispose()
    if link is None:
        raise click.ClickException(
            "setup is closed: an admin exists (add one with `ringdesk admin create-user`)"
        )
    click.echo(link)


@admin.command("create-user")
@click.argument("username")
@click.password_option(help="Asked for when not given (hidden, twice).")
def admin_create_user(username: str, password: str) -> None:
    """Create a login for the admin web UI (password hashed with argon2; it must be hard to
    guess: zxcvbn strength 3 of 4 or more)."""
    from ringdesk.web.accounts import create_admin_user

    settings = Settings()
    database = _database(settings)
    try:
        with database.session() as session:
            create_admin_user(session, username, password)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        database.dispose()
    click.echo(f"admin user {username!r} created")


@admin.command("show-webhook-secret")
def admin_show_webhook_secret() -> None:
    """Print the HMAC key that signs call events sent to /api/v1/events."""
    click.echo(Settings().resolved_webhook_secret())


@admin.command("agent-link")
@click.argument("extension")
def admin_agent_link(extension: str) -> None:
    """Print the screen-pop page URL of EXTENSION (signed; no login needed to open it)."""
    from ringdesk.screenpop.agent_tokens import current_agent_url

    settings = Settings()
    database = _database(settings)
    try:
        url = current_agent_url(
            database, settings.public_url, settings.resolved_secret_key(), extension
        )
    finally:
        database.dispose()
    click.echo(url)


@admin.command("revoke-agent-link")
@click.argument("extension")
def admin_revoke_agent_link(extension: str) -> None:
    """Revoke every agent-page link of EXTENSION made so far and print its new link; other
    extensions keep theirs."""
    import time

    from ringdesk.screenpop.agent_tokens import current_agent_url, revoke_agent_links

    settings = Settings()
    database = _database(settings)
    try:
        revoke_agent_links(database, extension, now=time.time())
        url = current_agent_url(
            database, settings.public_url, settings.resolved_secret_key(), extension
        )
    finally:
        database.dispose()
    click.echo(f"agent links of {extension} revoked; the new link is:")
    click.echo(url)


@admin.command("yeastar-webhook-url")
def admin_yeastar_webhook_url() -> None:
    """Print the URL to give a Yeastar P-Series PBX as its Open API event webhook."""
    from ringdesk.events.yeastar import url_token

    settings = Settings()
    token = url_token(settings.resolved_webhook_secret())
    click.echo(f"{settings.public_url.rstrip('/')}/api/v1/events/yeastar?token={token}")


@main.group()
def template() -> None:
    """Integration templates: validate, run against a helpdesk, import (ringdesk's or the
    PBX's format), export to the PBX's format."""


@template.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def template_validate(files: tuple[str, ...]) -> None:
    """Check template XML files; exit 1 if any has errors (warnings do not fail).

    Prints `FILE:LINE:COLUMN: section.field: message` per error and
    `warning: FILE:LINE:COLUMN: section.field: message` per warning (line and column count
    from 1), then `FILE: valid` or `FILE: invalid` on standard error.
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


@template.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the ringdesk XML here instead of storing the template.",
)
def template_import(file: str, output: str | None) -> None:
    """Import FILE: a ringdesk template as it is, or a PBX template (`<Information>` root)
    converted, printing what could not be mapped as `FILE:LINE:COLUMN: unmapped|changed:
    element: why`.

    With -o, write the ringdesk XML to OUTPUT and validate it (problems name OUTPUT's lines);
    without, store it on the configured database like the API's import (validated, at most
    10 custom templates). Exit 0 when converted (and stored), 1 when not.
    """
    from pathlib import Path

    from ringdesk.templates.codec import dump_xml, load_xml
    from ringdesk.templates.importing import import_xml
    from ringdesk.templates.report import format_problem
    from ringdesk.templates.validate import has_errors, validate

    data = Path(file).read_bytes()
    if output is not None:
        imported = import_xml(data)
        _echo_conversion(file, imported)
        if imported.template is None:
            for problem in imported.problems:
                click.echo(format_problem(file, problem))
            raise SystemExit(1)
        text = dump_xml(imported.template)
        Path(output).write_text(text, encoding="utf-8")
        problems = validate(load_xml(text))
        for problem in problems:
            click.echo(format_problem(output, problem))
        failed = has_errors(problems)
        click.echo(f"{output}: {'written, with errors' if failed else 'written'}", err=True)
        raise SystemExit(1 if failed else 0)

    from ringdesk.api.routes.templates import import_template_xml
    from ringdesk.store.db import Database
    from ringdesk.store.migrate import upgrade

    settings = Settings()
    upgrade(settings.database_url)
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            outcome = import_template_xml(session, data)
            stored = None if outcome.row is None else (outcome.row.id, outcome.row.name)
    finally:
        database.dispose()
    _echo_conversion(file, outcome.imported)
    name = file if outcome.imported.format == "ringdesk" else f"{file} (as ringdesk XML)"
    for problem in outcome.problems:
        click.echo(format_problem(name, problem))
    if stored is None:
        click.echo(f"{file}: not imported", err=True)
        raise SystemExit(1)
    click.echo(f"{file}: imported as template {stored[0]!r} ({stored[1]})", err=True)


def _echo_conversion(file: str, imported: Imported) -> None:
    """The conversion report of a PBX file (nothing for ringdesk's own format)."""
    from ringdesk.templates.pbx_report import format_findings, summary_line

    if imported.conversion is None:
        return
    for line in format_findings(file, imported.conversion.findings):
        click.echo(line)
    click.echo(f"{file}: PBX template: {summary_line(imported.conversion.statuses)}", err=True)


@template.command("export-pbx")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="Where to write the PBX template XML.",
)
def template_export_pbx(file: str, output: str) -> None:
    """Write FILE (a ringdesk template) in the PBX's template format to OUTPUT, printing what
    the PBX format cannot hold as `FILE:LINE:COLUMN: unmapped: element: why`. Exit 1 when
    FILE does not load."""
    from pathlib import Path

    from ringdesk.templates.importing import export_xml
    from ringdesk.templates.pbx_report import format_findings
    from ringdesk.templates.report import format_problem

    imported, exported = export_xml(Path(file).read_bytes())
    if exported is None:
        for problem in imported.problems:
            click.echo(format_problem(file, problem))
        raise SystemExit(1)
    Path(output).write_text(exported.xml, encoding="utf-8")
    for line in format_findings(file, exported.findings):
        click.echo(line)
    click.echo(
        f"{output}: written; {len(exported.findings)} element(s) not in the PBX format", err=True
    )


@template.command("run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--scenario",
    required=True,
    type=click.Choice(["contact-search", "users", "create-contact", "call-log", "ticket"]),
    help="Which request(s) of the template to run.",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="NAME=VALUE",
    help="A connect value, such as base_url=https://desk.example (repeat for each field).",
)
@click.option("--phone", default="", help="Caller number to search for [default: a sample number].")
def template_run(file: str, scenario: str, sets: tuple[str, ...], phone: str) -> None:
    """Run one scenario of a template against the real helpdesk, printing each request and
    response with secrets redacted; exit 1 if it failed."""
    import asyncio
    from pathlib import Path

    from ringdesk.console import format_run, run_template_text
    from ringdesk.web.views.template_editor import CONSOLE_SAMPLES

    fields = dict(item.partition("=")[::2] for item in sets)
    # The admin console's sample for the scenario (a caller, an extension, a status), so a
    # run without --phone searches for a number and logs a call from one, as the UI does.
    defaults = dict(line.partition("=")[::2] for line in CONSOLE_SAMPLES[scenario].splitlines())
    sample = {**defaults, **fields, **({"phone": phone} if phone else {})}
    run = asyncio.run(
        run_template_text(
            Path(file).read_bytes(), scenario, fields=fields, sample=sample, settings=Settings()
        )
    )
    click.echo(format_run(run))
    raise SystemExit(0 if run.ok else 1)


@main.command("demo-helpdesk")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8090, show_default=True, type=int, help="Port to listen on.")
@click.option("--token", default="demo-token", show_default=True, help="Static API token.")
@click.option(
    "--access-token-ttl",
    default=3600,
    show_default=True,
    type=int,
    help="Seconds an OAuth2 access token lives (short, to watch ringdesk refresh it).",
)
def demo_helpdesk(host: str, port: int, token: str, access_token_ttl: int) -> None:
    """Run the bundled demo helpdesk (in-memory; its page at / lists what it received)."""
    import uvicorn

    from ringdesk.demo import create_demo_app

    app = create_demo_app(api_token=token, access_token_ttl=access_token_ttl)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@main.command("simulate-call")
@click.option("--from", "from_number", required=True, help="Caller number, e.g. +4930123456.")
@click.option("--to", "to_extension", required=True, help="Extension rung, e.g. 1001.")
@click.option("--name", default="", help="Caller name sent by the PBX.")
@click.option(
    "--url",
    default=None,
    help="ringdesk base URL [default: the `make run` instance named in DATA_DIR/run.json, "
    "else RINGDESK_PUBLIC_URL].",
)
@click.option("--missed", is_flag=True, help="Nobody answers.")
@click.option("--pause", default=1.0, show_default=True, type=float, help="Seconds between events.")
@click.option("--talk", default=42, show_default=True, type=int, help="Talk seconds.")
def simulate_call(
    from_number: str,
    to_extension: str,
    name: str,
    url: str | None,
    missed: bool,
    pause: float,
    talk: int,
) -> None:
    """Post a signed ringing → answered → ended call to a running ringdesk."""
    import httpx

    from ringdesk.events.simulate import call_script, post_events

    settings = Settings()
    target, origin = _simulate_target(settings, url)
    events = call_script(
        from_number=from_number,
        to_extension=to_extension,
        name=name,
        missed=missed,
        talk_seconds=talk,
    )
    try:
        post_events(
            target,
            settings.resolved_webhook_secret(),
            events,
            pause=pause,
            echo=click.echo,
        )
    except httpx.HTTPStatusError as exc:
        raise click.ClickException(f"event not accepted: {exc}") from None
    except httpx.HTTPError as exc:
        raise click.ClickException(_unreachable(target, origin, exc)) from None


def _simulate_target(settings: Settings, url: str | None) -> tuple[str, str]:
    """The ringdesk to post to, and where that URL came from (for error messages)."""
    from ringdesk.runfile import RUN_FILE, read_run_file

    if url:
        return url, "--url"
    running = read_run_file(settings.data_dir)
    if running is not None and running.alive:
        return running.url, f"{settings.data_dir / RUN_FILE} (written by `make run`)"
    if running is not None:
        click.echo(
            f"note: {settings.data_dir / RUN_FILE} names {running.url}, but its process "
            f"(pid {running.pid}) is gone; trying {settings.public_url}",
            err=True,
        )
    return settings.public_url, "RINGDESK_PUBLIC_URL"


def _unreachable(target: str, origin: str, exc: Exception) -> str:
    reason = str(exc) or type(exc).__name__
    return (
        f"cannot reach ringdesk at {target} (from {origin}): {reason}.\n"
        "Start it with `make run` (it records its URL for this command), or pass the URL "
        "it printed: ringdesk simulate-call ... --url http://127.0.0.1:PORT"
    )
