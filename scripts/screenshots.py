"""Regenerate the documentation's screenshots (docs/images/*.png) from the running product.

Starts a throwaway ringdesk and demo helpdesk on free loopback ports (a temporary database
and data dir), configures them as `make run` does, places a few simulated calls, and shoots
the agent page, the dashboard and the settings page with Debian's Chromium through
Playwright. Each PNG is reduced to a 256-colour palette with Pillow, so the images stay
small in the repository.

    .venv/bin/python scripts/screenshots.py [--out docs/images]

Needs the `chromium` package (RINGDESK_TEST_CHROMIUM names another binary). Run it after a
change to the admin UI or the agent page and look at the images before committing them.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from PIL import Image
from playwright.sync_api import ViewportSize
from run_demo import Setup, wait_until_up

from ringdesk.events.simulate import call_script, post_events

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("RINGDESK_TEST_CHROMIUM", "/usr/bin/chromium")
ADMIN = ("docs", "screenshots of a quiet harbour")
VIEWPORT: ViewportSize = {"width": 1100, "height": 760}
SHOWN_URL = "http://127.0.0.1:8080"
CALLS = [  # (caller, missed): a known caller, an unknown one, one more known
    ("+4930123456", False),
    ("+4915700000000", True),
    ("+12125550100", False),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def servers(work: Path) -> Iterator[tuple[str, str, dict[str, str]]]:
    """ringdesk and the demo helpdesk as subprocesses; yields their URLs and environment."""
    rd_port, demo_port = free_port(), free_port()
    rd_url, demo_url = f"http://127.0.0.1:{rd_port}", f"http://127.0.0.1:{demo_port}"
    # The pages show what `make run` shows: URLs on port 8080 and the key file in var/ (the
    # processes run in `work`, with the default relative paths), whatever ports are free.
    env = {
        **os.environ,
        "RINGDESK_DATABASE_URL": "sqlite:///./var/ringdesk.db",
        "RINGDESK_DATA_DIR": "./var",
        "RINGDESK_PUBLIC_URL": SHOWN_URL,
        "RINGDESK_ALLOW_PRIVATE_NETWORKS": "true",
    }
    python = [sys.executable, "-m", "ringdesk"]
    demo, ringdesk = (
        subprocess.Popen(
            [*python, *args],
            env=env,
            cwd=work,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for args in (["demo-helpdesk", "--port", str(demo_port)], ["serve", "--port", str(rd_port)])
    )
    try:
        if not (
            wait_until_up(f"{demo_url}/_demo/state", demo)
            and wait_until_up(f"{rd_url}/healthz", ringdesk)
        ):
            raise SystemExit("ringdesk or the demo helpdesk did not start")
        yield rd_url, demo_url, {**env, "SCREENSHOTS_WORK": str(work)}
    finally:
        for process in (ringdesk, demo):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "ringdesk", *args],
        env=env,
        cwd=env["SCREENSHOTS_WORK"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout.strip()


def configure(rd_url: str, demo_url: str, env: dict[str, str]) -> None:
    """The `make run` setup (extension 1001, the demo integration, users, contacts) and an
    admin login for the browser."""
    cli(env, "admin", "create-user", ADMIN[0], "--password", ADMIN[1])
    token = cli(env, "admin", "create-token", "--name", "screenshots", "--expires-days", "1")
    with httpx.Client(base_url=rd_url, headers={"Authorization": f"Bearer {token}"}) as api:
        setup = Setup(api, demo_url)
        for title, step in [
            ("extension", setup.extension),
            ("integration", setup.integration),
            ("connect", setup.connect),
            ("users", setup.users),
            ("contacts", setup.contacts),
        ]:
            setup.step(title, step)
        if setup.failed:
            raise SystemExit(f"setup failed: {', '.join(setup.failed)}")


def place_call(rd_url: str, env: dict[str, str], caller: str, missed: bool) -> None:
    secret = cli(env, "admin", "show-webhook-secret")
    events = call_script(
        from_number=caller, to_extension="1001", name="", missed=missed, talk_seconds=95
    )
    post_events(rd_url, secret, events, pause=0.3, echo=lambda _line: None)


def optimise(path: Path) -> None:
    """A 256-colour palette PNG: UI screenshots lose nothing visible and shrink severalfold."""
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def shoot(rd_url: str, env: dict[str, str], out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    agent_url = rd_url + cli(env, "admin", "agent-link", "1001").removeprefix(SHOWN_URL)
    shots: list[Path] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(agent_url)
            page.get_by_text("Connected").first.wait_for()
            for caller, missed in CALLS:
                place_call(rd_url, env, caller, missed)
            place_call(rd_url, env, CALLS[0][0], False)
            page.get_by_text("Analytical Engines").first.wait_for()
            shots.append(out / "agent-page.png")
            page.screenshot(path=shots[-1])

            admin = browser.new_page(viewport=VIEWPORT)
            admin.goto(f"{rd_url}/admin/login")
            admin.get_by_label("Username").fill(ADMIN[0])
            admin.get_by_label("Password").fill(ADMIN[1])
            admin.get_by_role("button", name="Log in").click()
            admin.wait_for_url(f"{rd_url}/admin/integrations")
            time.sleep(3)  # the call logs and the ticket reach the demo helpdesk
            for name, path in [
                ("dashboard", "/admin/dashboard"),
                ("settings", "/admin/settings"),
            ]:
                admin.goto(rd_url + path)
                admin.wait_for_load_state("networkidle")
                shots.append(out / f"{name}.png")
                admin.screenshot(path=shots[-1])
        finally:
            browser.close()
    return shots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="ringdesk-shots-") as tmp,
        servers(Path(tmp)) as (rd_url, demo_url, env),
    ):
        configure(rd_url, demo_url, env)
        shots = shoot(rd_url, env, args.out)
    for path in shots:
        optimise(path)
        size = path.stat().st_size // 1024
        print(f"{path}: {size} KiB")  # noqa: T201 (a console script)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
