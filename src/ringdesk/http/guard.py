"""The outbound address guard: helpdesk URLs may not reach loopback, private, link-local,
multicast or reserved addresses unless the operator allows private networks.

The check runs after DNS resolution, on every address a name resolves to, and the
connection is made to the address that was checked (a name that resolves to a public
address for the check and to 127.0.0.1 for the connect — DNS rebinding — gets nowhere).
It plugs into httpcore as a network backend, so TLS still verifies the real host name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
from httpcore import AsyncNetworkBackend, AsyncNetworkStream

__all__ = ["BlockedAddressError", "GuardedBackend", "check_addresses", "is_public_address"]


class BlockedAddressError(httpcore.ConnectError):
    """The destination resolves to an address the guard refuses."""


def is_public_address(address: str) -> bool:
    """True for globally routable unicast addresses only."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_global
        and not ip.is_multicast
        and not ip.is_loopback
        and not ip.is_link_local
        and not ip.is_private
        and not ip.is_reserved
        and not ip.is_unspecified
    )


def check_addresses(host: str, addresses: Iterable[str]) -> list[str]:
    """Return the addresses if every one is public; raise `BlockedAddressError` otherwise."""
    found = list(addresses)
    if not found:
        raise BlockedAddressError(f"{host} does not resolve")
    for address in found:
        if not is_public_address(address):
            raise BlockedAddressError(
                f"{host} resolves to {address}, a non-public address "
                "(set RINGDESK_ALLOW_PRIVATE_NETWORKS=true to allow it)"
            )
    return found


async def resolve(host: str, port: int) -> list[str]:
    """All addresses of `host` (an IP literal resolves to itself)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        return [host.strip("[]")]
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror}") from None
    seen: dict[str, None] = {}
    for info in infos:
        seen.setdefault(str(info[4][0]), None)
    return list(seen)


class GuardedBackend(AsyncNetworkBackend):
    """An httpcore network backend that resolves, checks, then connects to a checked IP."""

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
        addresses = check_addresses(host, await resolve(host, port))
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None  # noqa: S101  (addresses is never empty here)
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's backend interface)
        socket_options: Iterable[Any] | None = None,
    ) -> AsyncNetworkStream:
        raise BlockedAddressError("unix sockets are not helpdesks")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
