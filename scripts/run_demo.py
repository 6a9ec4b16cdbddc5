"""`make run`: start the demo helpdesk and ringdesk together, pre-configure ringdesk through
its REST API, and print where to look.

Both servers run as subprocesses on loopback; helpdesk URLs on loopback are allowed for this
run only (`RINGDESK_ALLOW_PRIVATE_NETWORKS=true`). A failing setup step is reported and the
servers keep running, so the UI can be used to finish by hand. The admin token used for the
setup is revoked afterwards (a live token closes first-run setup), and the one-time setup
link for the first admin account is printed. Ctrl-C stops both.

The ports stay the same across quick restarts: a port whose last connections linger in
TIME_WAIT is free to a server that sets SO_REUSEADDR (uvicorn does), so the check does too;
only a port another program listens on makes the run move to a free one, and says so. Once
both servers answer, `DATA_DIR/run.json` (`ringdesk.runfile`) records the URLs for
`ringdesk simulate-call`; it is removed when the run stops.

Environment: `RINGDESK_PORT` (8080), `DEMO_PORT` (8090), plus every `RINGDESK_*` setting.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from ringdesk.config import Settings
from ringdesk.runfile import read_run_file, remove_run_file, write_run_file

INTEGRATION_NAME = "Demo helpdesk"
DEMO_TOKEN = "demo-token"  # noqa: S105 (the demo helpdesk's well-known token)
EXTENSION = {"name": "Alice Archer", "email": "alice@example.com"}


def say(message: str = "") -> None:
    print(message, flush=True)  # noqa: T201 (a console script)


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on `port` now. SO_REUSEADDR, as uvicorn binds: without
    it, the previous run's connections in TIME_WAIT make the port look taken for a minute."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def pick_port(wanted: int, holder: str = "another program") -> int:
    """`wanted`, unless something really listens on it: then a free port, said aloud."""
    if port_free(wanted):
        return wanted
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    say(f"port {wanted} is in use by {holder}; using {port} instead")
    return port


def _holder(data_dir: Path) -> str:
    running = read_run_file(data_dir)
    if running is not None and running.alive:
        return f"another `make run` (pid {running.pid}, {running.url})"
    return "another program"


def wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return False


def ringdesk_cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "ringdesk", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip()


class Setup:
    """The configuration steps; each one reports and never stops the others."""

    def __init__(self, api: httpx.Client, demo_url: str):
        self.api = api
        self.demo_url = demo_url
        self.failed: list[str] = []
        self.integration_id: int | None = None

    def step(self, title: str, action: Callable[[], Any]) -> Any:
        try:
            result = action()
        except Exception as exc:  # report any failure and carry on (tolerant by design)
            detail = exc.response.text[:300] if isinstance(exc, httpx.HTTPStatusError) else exc
            say(f"  ✗ {title}: {detail}")
            self.failed.append(title)
            return None
        say(f"  ✓ {title}")
        return result

    def _checked(self, response: httpx.Response) -> Any:
        response.raise_for_status()
        return response.json() if response.content else None

    def extension(self) -> None:
        self._checked(self.api.put("/api/v1/extensions/1001", json=EXTENSION))

    def integration(self) -> None:
        fields = {"base_url": self.demo_url, "api_token": DEMO_TOKEN}
        existing = [
            row
            for row in self._checked(self.api.get("/api/v1/integrations"))
            if row.get("name") == INTEGRATION_NAME and row.get("template_id") == "demo"
        ]
        if existing:  # a previous run: point it at this run's demo helpdesk
            self.integration_id = int(existing[0]["id"])
            self._checked(
                self.api.patch(
                    f"/api/v1/integrations/{self.integration_id}", json={"fields": fields}
                )
            )
            return
        body = {
            "template_id": "demo",
            "name": INTEGRATION_NAME,
            "fields": fields,
            "options": {
                "sync_contact_types": ["Contacts"],
                "create_contact": {"enabled": True, "contact_type": "Contacts"},
                "call_log": {"enabled": True},
                "ticket": {"enabled": True, "when": "missed"},
            },
        }
        self.integration_id = int(
            self._checked(self.api.post("/api/v1/integrations", json=body))["id"]
        )

    def _integration_path(self, suffix: str) -> str:
        if self.integration_id is None:
            raise RuntimeError("no integration")
        return f"/api/v1/integrations/{self.integration_id}{suffix}"

    def connect(self) -> None:
        result = self._checked(self.api.post(self._integration_path("/connect")))
        if result.get("status") != "connected":
            raise RuntimeError(f"status {result.get('status')!r}")

    def users(self) -> None:
        self._checked(self.api.post(self._integration_path("/users/sync")))
        self._checked(self.api.post(self._integration_path("/users/auto-associate")))

    def contacts(self) -> None:
        self._checked(self.api.post(self._integration_path("/contacts/sync")))


def main() -> int:
    data_dir = Settings().data_dir
    holder = _holder(data_dir)
    rd_port = pick_port(int(os.environ.get("RINGDESK_PORT", "8080")), holder)
    demo_port = pick_port(int(os.environ.get("DEMO_PORT", "8090")), holder)
    rd_url = f"http://127.0.0.1:{rd_port}"
    demo_url = f"http://127.0.0.1:{demo_port}"
    env = {
        **os.environ,
        "RINGDESK_ALLOW_PRIVATE_NETWORKS": "true",
        "RINGDESK_PUBLIC_URL": os.environ.get("RINGDESK_PUBLIC_URL", rd_url),
    }
    python = [sys.executable, "-m", "ringdesk"]
    demo = subprocess.Popen([*python, "demo-helpdesk", "--port", str(demo_port)], env=env)
    ringdesk = subprocess.Popen([*python, "serve", "--port", str(rd_port)], env=env)
    processes = [ringdesk, demo]

    def stop(*_args: object) -> None:
        remove_run_file(data_dir)
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        say("starting the demo helpdesk and ringdesk…")
        up_demo = wait_until_up(f"{demo_url}/_demo/state", demo)
        up_rd = wait_until_up(f"{rd_url}/healthz", ringdesk)
        if not (up_demo and up_rd):
            down = [
                name for name, up in (("demo helpdesk", up_demo), ("ringdesk", up_rd)) if not up
            ]
            say(f"  ✗ did not start: {', '.join(down)}")
            stop()
            return 1
        write_run_file(data_dir, url=rd_url, demo_url=demo_url)
        say("configuring ringdesk through its REST API:")
        token = None
        try:
            token = ringdesk_cli(
                env, "admin", "create-token", "--name", "make run", "--expires-days", "1"
            )
            say("  ✓ admin token created (revoked again when the setup is done)")
        except (subprocess.SubprocessError, OSError) as exc:
            say(f"  ✗ admin token: {exc}")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        with httpx.Client(base_url=rd_url, headers=headers, timeout=30) as api:
            setup = Setup(api, demo_url)
            setup.step("extension 1001 (alice@example.com)", setup.extension)
            setup.step("integration from the built-in 'demo' template", setup.integration)
            setup.step("connect the integration", setup.connect)
            setup.step("sync helpdesk users and associate by email", setup.users)
            setup.step("sync helpdesk contacts into the phonebook", setup.contacts)
            if token:
                # A live admin token counts as an admin and closes first-run setup.
                setup.step(
                    "revoke the setup token",
                    lambda: setup._checked(api.delete("/api/v1/admin/tokens/current")),
                )
            if setup.failed:
                say(f"  {len(setup.failed)} step(s) failed; finish them in the admin UI.")
        agent_link = ""
        try:
            agent_link = ringdesk_cli(env, "admin", "agent-link", "1001")
        except (subprocess.SubprocessError, OSError) as exc:
            say(f"  ✗ agent link: {exc}")
        setup_link = ""
        try:
            setup_link = ringdesk_cli(env, "admin", "setup-link")
        except subprocess.CalledProcessError:
            setup_link = (
                "(an admin exists already: log in, or add one with "
                "`.venv/bin/ringdesk admin create-user NAME`)"
            )
        except (subprocess.SubprocessError, OSError) as exc:
            say(f"  ✗ setup link: {exc}")
        say()
        say(f"first admin account: {setup_link}")
        say(f"ringdesk admin UI:   {rd_url}/admin")
        say(f"dashboard:           {rd_url}/admin/dashboard")
        say(f"PBX webhook setup:   {rd_url}/admin/settings")
        say(f"API docs:            {rd_url}/docs  (offline; also {rd_url}/redoc)")
        say(f"agent page (1001):   {agent_link}")
        say(f"demo helpdesk:       {demo_url}/")
        say()
        say("simulate a call (in another terminal, same directory):")
        say("  .venv/bin/ringdesk simulate-call --from +4930123456 --to 1001")
        say(f"  (add --missed for a missed call and a ticket; it finds {rd_url} in")
        say(f"  {data_dir / 'run.json'}, or pass --url {rd_url})")
        say()
        say("Ctrl-C stops both servers.")
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        say("a server stopped; stopping the other")
        return 1
    except KeyboardInterrupt:
        say("\nstopping…")
        return 0
    finally:
        stop()


if __name__ == "__main__":
    raise SystemExit(main())
