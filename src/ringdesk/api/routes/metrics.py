"""REST resource: metrics in Prometheus text format (I8).

Served at `/api/v1/metrics` and at `/metrics` (`root_router`). Every scrape needs the admin
token, unless the client address is in a network of `RINGDESK_METRICS_ALLOW` (empty by
default: loopback is no exception, since behind a reverse proxy every client is loopback).
"""

from __future__ import annotations

import ipaddress

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from ringdesk.api.deps import ServicesDep, require_admin
from ringdesk.metrics import CONTENT_TYPE
from ringdesk.services import Services
from ringdesk.store import outbox

__all__ = ["root_router", "router"]

router = APIRouter(tags=["metrics"])
root_router = APIRouter(tags=["metrics"])


def _allowed(request: Request, services: Services) -> bool:
    """Whether the client address is in a network of `RINGDESK_METRICS_ALLOW`."""
    networks = services.settings.metrics_networks()
    if not networks or request.client is None:
        return False
    try:
        address = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def _refresh(services: Services) -> None:
    with services.database.session() as session:
        counts, oldest = outbox.status_counts(session)
    services.metrics.set_outbox(counts, oldest, now=services.clock.now())


async def _scrape(request: Request, services: Services) -> Response:
    if not _allowed(request, services):
        require_admin(request, services)
    await run_in_threadpool(_refresh, services)
    return Response(services.metrics.render(), media_type=CONTENT_TYPE)


@router.get("/metrics", response_class=Response)
async def get_metrics(request: Request, services: ServicesDep) -> Response:
    """Prometheus text format: requests, outbox depth/age, pop latency, refresh failures."""
    return await _scrape(request, services)


@root_router.get("/metrics", response_class=Response, include_in_schema=False)
async def get_root_metrics(request: Request, services: ServicesDep) -> Response:
    """Same as `/api/v1/metrics`, at the path Prometheus scrapes by default."""
    return await _scrape(request, services)
