"""The test console engine and `ringdesk template run` (I3, I6), against the demo helpdesk
over real sockets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet

import ringdesk
from ringdesk.cli import main
from ringdesk.console import ConsoleRun, format_run, run_scenario
from ringdesk.demo.app import DEFAULT_API_TOKEN, create_demo_app
from tests.live import serve_app

DEMO = Path(ringdesk.__file__).parent / "templates" / "builtin" / "demo.xml"


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("RINGDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("RINGDESK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RINGDESK_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("RINGDESK_WEBHOOK_SECRET", "cli-webhook-secret")
    monkeypatch.setenv("RINGDESK_ALLOW_PRIVATE_NETWORKS", "true")


def _run(*args: str):
    return CliRunner().invoke(main, ["template", "run", str(DEMO), *args])


def test_template_run_prints_redacted_exchanges(cli_env):
    """covers I3/I6: each request and response is printed; the API token never is."""
    with serve_app(create_demo_app()) as demo:
        result = _run(
            "--scenario",
            "contact-search",
            "--set",
            f"base_url={demo}",
            "--set",
            f"api_token={DEFAULT_API_TOKEN}",
            "--phone",
            "+4930123456",
        )
    assert result.exit_code == 0, result.output
    assert f"--- request 1: GET {demo}/api/contacts/search?phone=%2B4930123456" in result.output
    assert "--- response 1: 200" in result.output
    assert "=== contact-search: ok" in result.output
    assert '"BusinessNumber": "+4930123456"' in result.output
    assert DEFAULT_API_TOKEN not in result.output


@pytest.mark.parametrize(
    ("scenario", "sent"),
    [
        ("contact-search", "/api/contacts/search?phone=%2B4930123456"),
        ("call-log", '"from":"+4930123456"'),
        ("ticket", '"subject":"Inbound Missed - from +4930123456 to 1001"'),
    ],
    ids=["contact-search", "call-log", "ticket"],
)
def test_template_run_without_phone_uses_the_console_sample(cli_env, scenario, sent):
    """Without --phone the run uses the admin console's sample caller, as the UI does; it
    used to search for an empty number ("sample.phone ... is required") and log calls from
    nobody."""
    with serve_app(create_demo_app()) as demo:
        result = _run(
            "--scenario",
            scenario,
            "--set",
            f"base_url={demo}",
            "--set",
            f"api_token={DEFAULT_API_TOKEN}",
        )
    assert result.exit_code == 0, result.output
    assert f"=== {scenario}: ok" in result.output
    assert sent in result.output


@pytest.mark.parametrize("scenario", ["call-log", "ticket"])
def test_call_log_and_ticket_runs_print_the_call_variables(cli_env, scenario):
    """covers I3: the docs promise that a call-log or ticket run shows every variable of the
    sample call (how an author learns what {{.Time}} or {{.Call_Status}} give)."""
    with serve_app(create_demo_app()) as demo:
        result = _run(
            "--scenario",
            scenario,
            "--set",
            f"base_url={demo}",
            "--set",
            f"api_token={DEFAULT_API_TOKEN}",
        )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output.split(f"=== {scenario}: ok\n", 1)[1])
    variables = printed["variables"]
    assert variables["CallId"] == "console-test"
    assert variables["Call_From"] == "+4930123456"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", variables["Time"])
    assert variables["Subject"]
    assert DEFAULT_API_TOKEN not in result.output


def test_template_run_failure_exits_1(cli_env):
    with serve_app(create_demo_app()) as demo:
        result = _run(
            "--scenario", "users", "--set", f"base_url={demo}", "--set", "api_token=wrong-token-x"
        )
    assert result.exit_code == 1
    assert "=== users: FAILED" in result.output
    assert "--- response 1: 401" in result.output
    assert "wrong-token-x" not in result.output


def test_unknown_scenario_is_refused():
    assert _run("--scenario", "nope").exit_code == 2


async def test_run_scenario_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown scenario"):
        await run_scenario(object(), object(), "nope", {})


def test_format_run_without_exchanges():
    text = format_run(ConsoleRun(scenario="users", ok=False, error="HelpdeskError: boom"))
    assert text.splitlines()[:2] == ["=== users: FAILED", "HelpdeskError: boom"]
