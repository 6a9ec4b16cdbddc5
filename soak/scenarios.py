"""Two targeted fault scenarios of issue 12, each timed from the helpdesk's side:

- `cap-kill`: an outbox worker is SIGKILLed while its requests hold every slot of the
  template's concurrency cap (the helpdesk stalls them); it is restarted at once and fresh
  call logs are queued. Reported: seconds from the kill to the next call log received.
- `starve`: helpdesk A hangs 30 s on every request with 1 000 call logs queued for it; then
  integration B (same template, another helpdesk) gets one. Reported: seconds until B's
  helpdesk has it.

`python -m soak.scenarios cap-kill|starve [--bound SECONDS]`; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from ringdesk.events.webhook import SIGNATURE_HEADER, sign
from soak.connect import connect_integration, tie_extensions
from soak.pg import create_database, postgres_server
from soak.processes import Supervisor, free_port, ringdesk_cli
from soak.run import _base_env, _stop_process, start_helpdesk

__all__ = ["main"]


class Rig:
    """PostgreSQL, one serve (accepting events only: no worker in it), helpdesks, workers."""

    def __init__(self, stack: ExitStack, helpdesks: int):
        from cryptography.fernet import Fernet

        self.workdir = Path(tempfile.mkdtemp(prefix="ringdesk-scenario-"))
        stack.callback(shutil.rmtree, self.workdir, ignore_errors=True)
        (self.workdir / "logs").mkdir()
        db_url = create_database(stack.enter_context(postgres_server()))
        port = free_port()
        self.secret = secrets.token_hex(16)
        self.env = {
            **_base_env(),
            "RINGDESK_DATABASE_URL": db_url,
            "RINGDESK_SECRET_KEY": Fernet.generate_key().decode(),
            "RINGDESK_WEBHOOK_SECRET": self.secret,
            "RINGDESK_DATA_DIR": str(self.workdir),
            "RINGDESK_ALLOW_PRIVATE_NETWORKS": "true",
            "RINGDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "RINGDESK_RUN_WORKERS": "false",
            "PYTHONUNBUFFERED": "1",
        }
        ringdesk_cli(self.env, "db", "upgrade")
        self.helpdesks = []
        for n in range(helpdesks):
            hd_port = free_port()
            proc = start_helpdesk(hd_port, 10, self.workdir / "logs" / f"helpdesk-{n}.log")
            stack.callback(_stop_process, proc)
            self.helpdesks.append(f"http://127.0.0.1:{hd_port}")
        self.sup = Supervisor(self.env, self.workdir / "logs")
        stack.callback(self.sup.stop_all)
        self.serve = self.sup.add_serve(0, port, killable=False)
        self.sup.start(self.serve)
        if not self.sup.wait_ready(self.serve):
            raise RuntimeError("serve did not start")
        token = ringdesk_cli(self.env, "admin", "create-token", "--label", "scenario")
        self.api = httpx.Client(
            base_url=self.serve.url, headers={"Authorization": f"Bearer {token}"}, timeout=120
        )
        stack.callback(self.api.close)
        tie_extensions(self.api)

    def worker(self, index: int) -> Any:
        slot = self.sup.add_worker(index)
        self.sup.start(slot)
        return slot

    def post_calls(self, tag: str, count: int) -> None:
        async def post_all() -> None:
            gate = asyncio.Semaphore(16)
            async with httpx.AsyncClient(timeout=60) as client:

                async def one(n: int) -> None:
                    body = {
                        "type": "call.ended",
                        "call_id": f"{tag}-{n}",
                        "direction": "inbound",
                        "from": {"number": "+49307000001", "name": "Known Caller"},
                        "to": {"number": "1001"},
                        "extension": "1001",
                        "timestamp": int(time.time()),
                        "status": "answered",
                        "talk_seconds": 42,
                        "answered_by": "1001",
                    }
                    raw = json.dumps(body).encode()
                    headers = {
                        "Content-Type": "application/json",
                        SIGNATURE_HEADER: sign(raw, self.secret),
                    }
                    async with gate:
                        response = await client.post(
                            f"{self.serve.url}/api/v1/events", content=raw, headers=headers
                        )
                        response.raise_for_status()

                await asyncio.gather(*(one(n) for n in range(count)))

        asyncio.run(post_all())


def _state(helpdesk: str) -> dict[str, Any]:
    return dict(httpx.get(f"{helpdesk}/_demo/state", timeout=60).json())


def _fault(helpdesk: str, body: dict[str, Any]) -> None:
    httpx.post(f"{helpdesk}/_demo/faults", json=body, timeout=10).raise_for_status()


def _wait(predicate: Callable[[], bool], bound: float, every: float = 0.5) -> float | None:
    """Seconds until `predicate()` holds, or None after `bound` seconds."""
    started = time.monotonic()
    while time.monotonic() - started < bound:
        if predicate():
            return time.monotonic() - started
        time.sleep(every)
    return None


def _logs_after(helpdesk: str, since: float, prefix: str = "") -> list[float]:
    return [
        float(at)
        for at, kind, call_id in _state(helpdesk)["arrivals"]
        if kind == "calls" and at > since and call_id.startswith(prefix)
    ]


def cap_kill(bound: float) -> dict[str, Any]:
    with ExitStack() as stack:
        rig = Rig(stack, helpdesks=1)
        helpdesk = rig.helpdesks[0]
        connect_integration(rig.api, helpdesk, name="Cap", oauth=False)
        # Every request hangs 20 s, then fails: nothing is stored by the stalled requests.
        _fault(helpdesk, {"status": 503, "count": 100_000, "latency_ms": 20_000})
        worker = rig.worker(0)
        rig.post_calls("held", 20)
        full = _wait(lambda: _state(helpdesk)["in_flight"] >= 4, 120)
        if full is None:
            return {
                "error": "the worker never filled the cap",
                "state": _state(helpdesk)["in_flight"],
            }
        rig.sup.kill(worker)
        killed = time.time()
        _fault(helpdesk, {})
        rig.sup.start(worker)
        rig.post_calls("fresh", 5)
        first = _wait(lambda: bool(_logs_after(helpdesk, killed)), bound)
        fresh = _wait(lambda: len(_logs_after(helpdesk, killed, "fresh")) >= 5, 5)
        return {
            "scenario": "SIGKILL while the worker holds all 4 cap slots (template cap 4)",
            "seconds from the kill to the next call log": first,
            "all 5 fresh call logs received by then": fresh is not None,
            "bound seconds": bound,
        }


def starve(bound: float) -> dict[str, Any]:
    with ExitStack() as stack:
        rig = Rig(stack, helpdesks=2)
        hd_a, hd_b = rig.helpdesks
        connect_integration(rig.api, hd_a, name="A", oauth=False)
        b = connect_integration(rig.api, hd_b, name="B", oauth=False)
        off = {"call_log": {"enabled": False}, "ticket": {"enabled": False}}
        rig.api.patch(f"/api/v1/integrations/{b}", json={"options": off}).raise_for_status()
        _fault(hd_a, {"latency_ms": 30_000})
        rig.post_calls("a", 1000)
        rig.worker(0)
        if _wait(lambda: _state(hd_a)["in_flight"] >= 1, 120) is None:
            return {"error": "helpdesk A never saw a request"}
        on = {"call_log": {"enabled": True}}
        rig.api.patch(f"/api/v1/integrations/{b}", json={"options": on}).raise_for_status()
        sent = time.time()
        rig.post_calls("b", 1)
        waited = _wait(lambda: bool(_logs_after(hd_b, sent, "b-")), bound)
        a_state = _state(hd_a)
        return {
            "scenario": "helpdesk A hangs 30 s per request, 1 000 logs queued; B gets 1",
            "seconds until B's helpdesk had its call log": waited,
            "A requests in flight / peak": f"{a_state['in_flight']} / {a_state['max_in_flight']}",
            "bound seconds": bound,
        }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m soak.scenarios")
    parser.add_argument("scenario", choices=["cap-kill", "starve"])
    parser.add_argument("--bound", type=float, default=420.0, help="longest wait (s)")
    args = parser.parse_args(argv)
    result = cap_kill(args.bound) if args.scenario == "cap-kill" else starve(args.bound)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
