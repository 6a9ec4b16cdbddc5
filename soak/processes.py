"""The ringdesk processes of a soak run: N `ringdesk serve` and M `python -m ringdesk.outbox`,
each with its own log file; SIGKILL one and start it again; RSS from /proc.

Every process is started with the same environment (database, keys, webhook secret), so
any of them can take over another's work, as in a real deployment.
"""

from __future__ import annotations

import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

__all__ = ["Managed", "Supervisor", "free_port", "ringdesk_cli", "rss_bytes"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_bytes(pid: int) -> int | None:
    """Resident set size of `pid` (None once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return None


@dataclass
class Managed:
    """One ringdesk process slot: what to run, and the process running it now."""

    name: str
    argv: list[str]
    log: Path
    port: int | None = None
    killable: bool = True
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: list[float] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class Supervisor:
    """Starts, kills and restarts the run's ringdesk processes; stops them all at the end."""

    def __init__(self, env: dict[str, str], logdir: Path, *, python: str = sys.executable):
        """`python`: the interpreter that runs ringdesk (another checkout's virtualenv
        for a before/after benchmark)."""
        self.env = env
        self.logdir = logdir
        self.python = python
        self.slots: list[Managed] = []

    def add_serve(self, index: int, port: int, *, killable: bool = True) -> Managed:
        argv = [self.python, "-m", "ringdesk", "serve", "--port", str(port)]
        slot = Managed(f"serve-{index}", argv, self.logdir / f"serve-{index}.log", port, killable)
        self.slots.append(slot)
        return slot

    def add_worker(self, index: int, extra: list[str] | None = None) -> Managed:
        argv = [self.python, "-m", "ringdesk.outbox", *(extra or [])]
        slot = Managed(f"worker-{index}", argv, self.logdir / f"worker-{index}.log")
        self.slots.append(slot)
        return slot

    @property
    def serves(self) -> list[Managed]:
        return [s for s in self.slots if s.port is not None]

    def start(self, slot: Managed) -> None:
        with slot.log.open("ab") as log:  # the child keeps its own descriptor
            log.write(f"--- start {slot.starts + 1} at {time.time():.3f}\n".encode())
            log.flush()
            slot.proc = subprocess.Popen(
                slot.argv,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # Ctrl-C of the harness is ours to pass on
            )
        slot.starts += 1

    def wait_ready(self, slot: Managed, timeout: float = 60) -> bool:
        """For a serve: until /healthz answers; for a worker: until it is running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not slot.alive():
                return False
            if slot.port is None:
                return True
            try:
                if httpx.get(f"{slot.url}/healthz", timeout=2).status_code < 500:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        return False

    def start_all(self) -> None:
        for slot in self.slots:
            self.start(slot)
        for slot in self.slots:
            if not self.wait_ready(slot):
                raise RuntimeError(f"{slot.name} did not start; see {slot.log}")

    def kill(self, slot: Managed) -> int:
        """SIGKILL `slot`'s process and reap it; returns the pid killed."""
        if slot.proc is None:
            raise RuntimeError(f"{slot.name} was never started")
        pid = slot.proc.pid
        slot.proc.send_signal(signal.SIGKILL)
        slot.proc.wait(timeout=30)
        slot.kills.append(time.time())
        with slot.log.open("ab") as log:
            log.write(f"--- SIGKILL pid {pid} at {time.time():.3f}\n".encode())
        return pid

    def kill_random(self, rng: random.Random) -> Managed | None:
        """SIGKILL one killable, running process and start it again at once."""
        candidates = [s for s in self.slots if s.killable and s.alive()]
        if not candidates:
            return None
        slot = rng.choice(candidates)
        self.kill(slot)
        self.start(slot)
        return slot

    def stop_all(self, grace: float = 15) -> None:
        """SIGTERM everything, SIGKILL what is still running after `grace` seconds."""
        running = [s.proc for s in self.slots if s.proc is not None and s.proc.poll() is None]
        for proc in running:
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)

    def pids(self) -> dict[str, int]:
        return {s.name: s.proc.pid for s in self.slots if s.proc is not None and s.alive()}


def ringdesk_cli(env: dict[str, str], *args: str) -> str:
    """Run `python -m ringdesk ARGS` and return its stdout (raises on failure)."""
    result = subprocess.run(
        [sys.executable, "-m", "ringdesk", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout.strip()
