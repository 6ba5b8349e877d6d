"""The dashboard: corpus counts, the risk histogram, newest alerts and the review queue's numbers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from tipwatch.report.charts import vbar_svg
from tipwatch.services import review, watches
from tipwatch.web.auth import Principal, store_of
from tipwatch.web.pages.common import page_role, render

router = APIRouter(tags=["pages"])
BINS = 20
ALERTS_SHOWN = 10


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, principal: Annotated[Principal, Depends(page_role("viewer"))]) -> HTMLResponse:
    store = store_of(request)
    totals = store.reports.totals(0.5)
    histogram = store.reports.risk_histogram(BINS)
    chart = vbar_svg(
        "Posts by risk score",
        [(f"{i / BINS:.2f}", n) for i, n in enumerate(histogram)],
        tick_every=4,
    )
    alerts = watches.alerts(store, unseen_only=False, limit=ALERTS_SHOWN)
    return render(
        request,
        "dashboard.html",
        principal,
        totals=totals,
        chart=chart,
        alerts=alerts,
        stats=review.stats(store),
    )
