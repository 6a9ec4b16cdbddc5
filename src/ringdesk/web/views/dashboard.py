"""The operators' dashboard page (`/admin/dashboard`): a frame of charts that
`static/dashboard.js` draws with uPlot (served from `static/vendor/uplot`) from
`GET /api/v1/dashboard?hours=N`, refreshed every minute."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ringdesk.web.auth import current_admin
from ringdesk.web.render import render

__all__ = ["RANGES", "router"]

router = APIRouter(dependencies=[Depends(current_admin)], include_in_schema=False)

# The time ranges offered, in hours, with their tab labels.
RANGES = ((6, "6 hours"), (24, "24 hours"), (72, "3 days"), (168, "7 days"))


@router.get("/admin/dashboard")
def dashboard(request: Request, hours: int = 24) -> Response:
    hours = hours if hours in dict(RANGES) else 24
    return render(request, "dashboard.html", hours=hours, ranges=RANGES)
