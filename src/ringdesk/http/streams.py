"""Pooled connections whose "is the server gone?" check is cheap.

httpcore's pool asks every pooled connection `has_expired()` each time a request is queued
or finishes; for an idle HTTP/1.1 connection that asks the stream for `is_readable`, which
anyio answers by building the socket's whole attribute table (getpeername, getsockname)
before polling the socket. With a template's 16 connections that was a tenth of a
delivering process's CPU. The stream here keeps the socket found at connect (and after TLS
starts) and polls it directly: the same answer, one poll(0) per check.
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx
from httpcore import AsyncNetworkBackend, AsyncNetworkStream

__all__ = ["ReadinessBackend", "is_readable", "pooled_transport"]


def is_readable(sock: socket.socket | None) -> bool:
    """True if reading `sock` would not block: for an idle keep-alive connection that
    means the server closed it (or sent something unasked), so it must not be reused.
    A missing or closed socket counts as readable, as in httpcore."""
    if sock is None:
        return True
    fd = sock.fileno()
    if fd == -1:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class _Stream(AsyncNetworkStream):
    """An httpcore stream that answers `is_readable` from its own socket."""

    def __init__(self, inner: AsyncNetworkStream):
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's stream interface)
    ) -> AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return is_readable(self._socket)
        return self._inner.get_extra_info(info)


class ReadinessBackend(AsyncNetworkBackend):
    """Wraps a network backend (anyio's by default) so its streams check readiness cheaply."""

    def __init__(self, inner: AsyncNetworkBackend | None = None):
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's backend interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> AsyncNetworkStream:
        stream = await self._inner.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )
        return _Stream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's backend interface)
        socket_options: Iterable[Any] | None = None,
    ) -> AsyncNetworkStream:
        stream = await self._inner.connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options
        )
        return _Stream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def pooled_transport(
    backend: AsyncNetworkBackend | None = None, **options: Any
) -> httpx.AsyncHTTPTransport:
    """httpx's pooled transport (`options` as for `httpx.AsyncHTTPTransport`) connecting
    through `backend`, by default a `ReadinessBackend`. httpx takes no network backend, so
    it is set on its httpcore pool."""
    transport = httpx.AsyncHTTPTransport(**options)
    transport._pool._network_backend = backend or ReadinessBackend()
    return transport
