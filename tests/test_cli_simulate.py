"""`make run` keeps its ports across quick restarts and records where it listens; `ringdesk
simulate-call` finds it there, or says exactly which `--url` to pass (issue 16)."""

from __future__ import annotations

import importlib.util
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ringdesk.api.app import create_app
from ringdesk.cli import main
from ringdesk.runfile import RUN_FILE, read_run_file, remove_run_file, write_run_file
from ringdesk.store.tables import CallEventRow
from tests.live import free_port, serve_app

ROOT = Path(__file__).resolve().parents[1]


def _run_demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_demo", ROOT / "scripts" / "run_demo.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _time_wait_port() -> int:
    """A port whose server side closed first: it lingers in TIME_WAIT, nobody listens."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = int(server.getsockname()[1])
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the side that closes first keeps the TIME_WAIT
        client.recv(1)
        client.close()
    return port


# ---- the run file --------------------------------------------------------------------------


def test_run_file_round_trip(tmp_path):
    path = write_run_file(tmp_path, url="http://127.0.0.1:8080", demo_url="http://127.0.0.1:8090")
    assert path == tmp_path / RUN_FILE
    info = read_run_file(tmp_path)
    assert info is not None
    assert (info.url, info.demo_url, info.pid, info.alive) == (
        "http://127.0.0.1:8080",
        "http://127.0.0.1:8090",
        os.getpid(),
        True,
    )
    remove_run_file(tmp_path)
    assert read_run_file(tmp_path) is None


def test_run_file_of_a_gone_process_is_stale(tmp_path):
    write_run_file(tmp_path, url="http://127.0.0.1:8080", demo_url="", pid=_dead_pid())
    info = read_run_file(tmp_path)
    assert info is not None
    assert info.alive is False


def test_remove_leaves_another_runs_file(tmp_path):
    """A second `make run` that stops must not delete the file the first one wrote."""
    write_run_file(tmp_path, url="http://127.0.0.1:8080", demo_url="", pid=os.getppid())
    remove_run_file(tmp_path)
    assert (tmp_path / RUN_FILE).exists()


@pytest.mark.parametrize("text", ["", "{", "[]", '{"url": 5}'], ids=["empty", "cut", "list", "bad"])
def test_unreadable_run_file_is_ignored(tmp_path, text):
    (tmp_path / RUN_FILE).write_text(text)
    assert read_run_file(tmp_path) is None


# ---- make run's port check -----------------------------------------------------------------


def test_a_port_in_time_wait_is_free_for_make_run():
    port = _time_wait_port()
    assert _run_demo().port_free(port)


def test_a_port_someone_listens_on_is_busy():
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = int(other.getsockname()[1])
        run_demo = _run_demo()
        assert not run_demo.port_free(port)
        assert run_demo.pick_port(port) != port


# ---- simulate-call finds the instance --------------------------------------------------------


def _simulate(settings, *extra: str) -> object:
    env = {
        "RINGDESK_WEBHOOK_SECRET": settings.resolved_webhook_secret(),
        "RINGDESK_SECRET_KEY": settings.resolved_secret_key(),
        "RINGDESK_DATA_DIR": str(settings.data_dir),
        "RINGDESK_PUBLIC_URL": f"http://127.0.0.1:{free_port()}",  # nobody there
    }
    args = ["simulate-call", "--from", "+4930123456", "--to", "1001", "--pause", "0", *extra]
    return CliRunner().invoke(main, args, env=env)


def test_simulate_call_uses_the_run_file(settings, database):
    with serve_app(create_app(settings)) as url:
        write_run_file(settings.data_dir, url=url, demo_url="")
        result = _simulate(settings)
    assert result.exit_code == 0, result.output
    assert result.output.count("→ 200") == 3
    with database.session() as session:
        assert len(list(session.scalars(select(CallEventRow)))) == 3


def test_simulate_call_without_ringdesk_says_which_url_to_pass(settings):
    result = _simulate(settings)
    assert result.exit_code == 1
    assert "cannot reach ringdesk at http://127.0.0.1:" in result.output
    assert "(from RINGDESK_PUBLIC_URL)" in result.output
    assert "--url http://127.0.0.1:PORT" in result.output
    assert "Traceback" not in result.output


def test_simulate_call_names_a_stale_run_file(settings):
    write_run_file(settings.data_dir, url="http://127.0.0.1:1", demo_url="", pid=_dead_pid())
    result = _simulate(settings)
    assert result.exit_code == 1
    assert "is gone" in result.output
    assert "cannot reach ringdesk" in result.output


# ---- the real `make run`, stopped and started again at once ---------------------------------


def _start_make_run(tmp_path: Path, rd_port: int, demo_port: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "RINGDESK_PORT": str(rd_port),
        "DEMO_PORT": str(demo_port),
        "RINGDESK_DATA_DIR": str(tmp_path / "var"),
        "RINGDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'ringdesk.db'}",
        "RINGDESK_RUN_WORKERS": "false",
    }
    subprocess.run(
        [sys.executable, "-m", "ringdesk", "db", "upgrade"], env=env, check=True, timeout=60
    )
    return subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "run_demo.py")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _until_ready(process: subprocess.Popen[str]) -> str:
    """make run's output up to its "Ctrl-C" line (it is then configured and recorded)."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Ctrl-C stops"):
            return "".join(lines)
    process.kill()
    raise AssertionError("make run did not come up:\n" + "".join(lines))


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=10)


def _port_outside_the_ephemeral_range() -> int:
    """A free port the kernel never hands out as a client's local port: an ephemeral one
    (what `free_port` gives) can be taken by any outgoing connection between the two runs
    below, and the restart would then rightly move away from it."""
    low, _high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    for port in random.sample(range(max(1024, low - 12000), low), 200):
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port below the ephemeral range")


@pytest.mark.e2e
def test_make_run_restarts_on_the_same_ports(tmp_path):
    rd_port, demo_port = _port_outside_the_ephemeral_range(), _port_outside_the_ephemeral_range()
    while demo_port == rd_port:
        demo_port = _port_outside_the_ephemeral_range()
    first = _start_make_run(tmp_path, rd_port, demo_port)
    try:
        output = _until_ready(first)
        info = read_run_file(tmp_path / "var")
        assert info is not None
        assert info.url == f"http://127.0.0.1:{rd_port}"
        assert info.demo_url == f"http://127.0.0.1:{demo_port}"
        # A request leaves a connection the server closes at shutdown: TIME_WAIT follows.
        assert httpx.get(f"{info.url}/healthz").status_code == 200
    finally:
        _stop(first)
    assert "in use" not in output
    assert read_run_file(tmp_path / "var") is None

    second = _start_make_run(tmp_path, rd_port, demo_port)
    try:
        output = _until_ready(second)
        assert "in use" not in output, output
        info = read_run_file(tmp_path / "var")
        assert info is not None
        assert info.url == f"http://127.0.0.1:{rd_port}"
    finally:
        _stop(second)
