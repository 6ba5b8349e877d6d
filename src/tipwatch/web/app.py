"""The web application: ``create_app(config)`` opens the store once, adds the security middleware (headers, body
size limit) and includes one router per area. Add a router with one ``include_router`` line below, and give each of
its routes a rule (``Depends(require_role(...))``, ``require_scope``, ``require_face_search``) and a line in the
access table of tests/web/test_web_route_access.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from tipwatch import __version__
from tipwatch.config import Config, load_config
from tipwatch.services.ingest import discard_leftovers
from tipwatch.services.jobs import fail_abandoned
from tipwatch.store.facade import open_store
from tipwatch.web.middleware import BodySizeLimit, SecurityHeaders
from tipwatch.web.pages import audit as audit_page
from tipwatch.web.pages import banks as banks_page
from tipwatch.web.pages import cases as cases_page
from tipwatch.web.pages import dashboard as dashboard_page
from tipwatch.web.pages import evidence as evidence_page
from tipwatch.web.pages import exchange as exchange_page
from tipwatch.web.pages import exports as exports_page
from tipwatch.web.pages import faces as faces_page
from tipwatch.web.pages import login as login_page
from tipwatch.web.pages import networks as networks_page
from tipwatch.web.pages import notices as notices_page
from tipwatch.web.pages import posts as posts_page
from tipwatch.web.pages import review as review_page
from tipwatch.web.pages import search as search_page
from tipwatch.web.pages import watchlists as watchlists_page
from tipwatch.web.pages.common import static_files
from tipwatch.web.routes import (
    admin,
    audit,
    auth,
    banks,
    cases,
    evidence,
    exchange,
    exports,
    faces,
    feeds,
    health,
    jobs,
    networks,
    notices,
    posts,
    review,
    scan,
    search,
    trends,
    watchlists,
)

OPENAPI_URL = "/api/v1/openapi.json"


def create_app(config: Config) -> FastAPI:
    store = open_store(config.default_database_url())
    secret = config.server_secret()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Jobs left queued or running by a process that stopped (a restart) are marked failed, not left running.
        await run_in_threadpool(fail_abandoned, store)
        await run_in_threadpool(discard_leftovers, store, config.data_dir)
        yield
        runner = getattr(app.state, "job_runner", None)
        if runner is not None:  # the running job finishes; queued ones are failed by the next start or read
            await run_in_threadpool(runner.close)
        store.close()

    # No /docs or /redoc pages: they load scripts from a CDN and run inline scripts, which the CSP forbids.
    app = FastAPI(
        title="tipwatch", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=OPENAPI_URL
    )
    app.state.config, app.state.store, app.state.secret = config, store, secret
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=config.max_request_bytes,
        larger={"/evidence/verify": config.max_bundle_upload_bytes},  # the one upload of a whole bundle
    )
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(admin.router)
    app.include_router(audit.router)
    app.mount("/static", static_files(), name="static")
    # Pages (HTML) for analysts in a browser.
    app.include_router(login_page.router)
    app.include_router(dashboard_page.router)
    app.include_router(review_page.router)
    app.include_router(posts_page.router)
    app.include_router(networks_page.router)
    app.include_router(search_page.router)
    app.include_router(cases_page.router)
    app.include_router(watchlists_page.router)
    app.include_router(faces_page.router)
    app.include_router(audit_page.router)
    app.include_router(banks_page.router)
    app.include_router(notices_page.router)
    # The JSON API under /api/v1.
    app.include_router(scan.router)
    app.include_router(posts.router)
    app.include_router(networks.router)
    app.include_router(search.router)
    app.include_router(watchlists.router)
    app.include_router(trends.router)
    app.include_router(review.router)
    app.include_router(cases.router)
    app.include_router(banks.router)
    app.include_router(evidence.router)
    app.include_router(evidence_page.router)
    app.include_router(faces.router)
    app.include_router(jobs.router)
    app.include_router(exchange.router)
    app.include_router(exchange_page.router)
    app.include_router(exports.router)
    app.include_router(exports_page.router)
    app.include_router(feeds.router)
    app.include_router(notices.router)
    return app


def app_from_environment() -> FastAPI:
    """The app from the environment and TIPWATCH_CONFIG (what ``tipwatch serve`` starts in each worker)."""
    return create_app(load_config())
