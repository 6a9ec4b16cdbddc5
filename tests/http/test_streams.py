"""Pooled connections: the cheap readiness check still tells a connection the server
closed from one it may reuse (issue 12, item 6: the check httpcore runs on every pooled
connection per request was a tenth of a delivering process's CPU)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from ringdesk.config import Settings
from ringdesk.http import streams
from ringdesk.http.client import make_transport
from ringdesk.http.streams import is_readable


def test_an_idle_socket_is_not_readable_until_its_peer_closes() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        assert not is_readable(ours)
        theirs.close()
        assert is_readable(ours)  # reading would return b"": the server is gone


def test_a_missing_or_closed_socket_counts_as_readable() -> None:
    sock = socket.socket()
    sock.close()
    assert is_readable(None)
    assert is_readable(sock)


class _OneShotServer:
    """Answers each request with keep-alive, then closes the connection a moment later, as
    a helpdesk's load balancer does with idle connections. Counts connections."""

    def __init__(self) -> None:
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok")
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.close()
        await writer.wait_closed()


@pytest.mark.parametrize("check", ["ours", "never readable"])
async def test_a_connection_the_server_closed_is_not_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, check: str
) -> None:
    # The control case proves the test can fail: without a working readiness check the
    # pool reuses the dead connection and the second request breaks.
    if check == "never readable":
        monkeypatch.setattr(streams, "is_readable", lambda _sock: False)
    server = _OneShotServer()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        data_dir=tmp_path,
        secret_key=Fernet.generate_key().decode(),
        allow_private_networks=True,
        run_workers=False,
    )
    transport = make_transport(settings)
    try:
        async with httpx.AsyncClient(transport=transport) as client:
            first = await client.get(f"http://127.0.0.1:{port}/a")
            assert first.text == "ok"
            await asyncio.sleep(0.2)  # the server has closed the kept-alive connection
            if check == "never readable":
                with pytest.raises(httpx.RemoteProtocolError):
                    await client.get(f"http://127.0.0.1:{port}/b")
                return
            second = await client.get(f"http://127.0.0.1:{port}/b")
            assert second.text == "ok"
            assert server.connections == 2
    finally:
        await transport.aclose()
        await asyncio.sleep(0.1)  # the server's handlers close their sockets
        listener.close()
        await listener.wait_closed()
