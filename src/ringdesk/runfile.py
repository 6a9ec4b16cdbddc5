"""The run file `DATA_DIR/run.json`: where a `make run` instance listens, written when it has
started and removed when it stops, so `ringdesk simulate-call` finds it without `--url`.

It holds `{"pid", "url", "demo_url", "started_at"}`. A file whose process is gone (a run
killed with SIGKILL) is stale: `read_run_file` says so instead of pointing at a dead port.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RUN_FILE", "RunInfo", "read_run_file", "remove_run_file", "write_run_file"]

RUN_FILE = "run.json"


@dataclass(frozen=True)
class RunInfo:
    """A running (or, when `alive` is False, vanished) `make run` instance."""

    pid: int
    url: str
    demo_url: str
    started_at: float
    alive: bool


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def write_run_file(data_dir: Path, *, url: str, demo_url: str, pid: int | None = None) -> Path:
    """Write the run file atomically (readers never see half of it); returns its path."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / RUN_FILE
    body = {
        "pid": os.getpid() if pid is None else pid,
        "url": url,
        "demo_url": demo_url,
        "started_at": time.time(),
    }
    partial = path.with_suffix(".json.tmp")
    partial.write_text(json.dumps(body, indent=2) + "\n")
    partial.replace(path)
    return path


def read_run_file(data_dir: Path) -> RunInfo | None:
    """The instance the run file names, or None when there is no (readable) run file."""
    try:
        body = json.loads((data_dir / RUN_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(body, dict) or not isinstance(body.get("url"), str):
        return None
    pid = body.get("pid")
    pid = pid if isinstance(pid, int) else -1
    started = body.get("started_at")
    return RunInfo(
        pid=pid,
        url=body["url"],
        demo_url=str(body.get("demo_url") or ""),
        started_at=float(started) if isinstance(started, int | float) else 0.0,
        alive=_pid_alive(pid),
    )


def remove_run_file(data_dir: Path, *, pid: int | None = None) -> None:
    """Remove the run file if it is this process's (`pid`): a second `make run` that moved
    to other ports must not delete the first one's file when it stops."""
    pid = os.getpid() if pid is None else pid
    info = read_run_file(data_dir)
    if info is not None and info.pid != pid:
        return
    (data_dir / RUN_FILE).unlink(missing_ok=True)
