"""The application factory."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import app.models  # noqa: F401  (every table, and the hygiene guards on their columns)
from app import __doc__ as description
from app import clock
from app.accounts import security
from app.accounts.router import router as accounts_router
from app.cohorts.router import router as cohorts_router
from app.config import Settings, get_settings
from app.courses import flows  # noqa: F401  (registers the render job handler)
from app.courses.definitions import load_definitions
from app.courses.router import router as courses_router
from app.courses.router import streams as courses_streams
from app.db import make_engine, make_session_factory
from app.files.router import router as files_router
from app.http.handlers import register_error_handlers
from app.http.rendering import STATIC_DIR
from app.jobs.service import Worker
from app.lectures import pings
from app.lectures.afterwards_router import router as afterwards_router
from app.lectures.broadcast import make_broadcaster
from app.lectures.poll_timer import PollTimer
from app.lectures.router import router as lectures_router
from app.records.router import router as records_router
from app.records.router import streams as records_streams
from app.security_headers import SecurityHeaders
from app.study.router import router as study_router
from app.uploads import BodySizeLimit
from app.web.accounts import router as web_accounts_router
from app.web.admin import router as web_admin_router
from app.web.afterwards import router as web_afterwards_router
from app.web.attendance import router as web_attendance_router
from app.web.cohorts import router as web_cohorts_router
from app.web.courses import router as web_courses_router
from app.web.lectures import router as web_lectures_router
from app.web.records import router as web_records_router
from app.web.trainee import router as web_trainee_router

log = logging.getLogger(__name__)


# gc.set_threshold for a served app: a collection of the youngest objects every 50,000
# allocations (Python's default: 700), the older ones as often as by default relative to it.
YOUNG_AND_OLD_COLLECTIONS = (50_000, 20, 100)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; invalid course definitions stop start-up with a message naming the file."""
    settings = settings or get_settings()
    settings.ensure_dirs()
    clock.use_offset_file(settings.clock_offset_file)
    security.configure(
        time_cost=settings.argon2_time_cost, memory_cost_kib=settings.argon2_memory_kib
    )
    definitions = load_definitions(settings.courses_dir)
    engine = make_engine(
        settings.resolved_database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = None
        if settings.run_worker:
            worker = Worker(app.state.session_factory, settings)
            worker.start()
        await app.state.broadcaster.start()
        await app.state.ping_flusher.start()
        # One poll timer and one engine per app, however many times it is started (tests
        # start one app from several clients): the last to stop stops them.
        app.state.running += 1
        app.state.poll_timer.start()
        if settings.tune_cycle_collector:
            # What start-up built (routes, schemas, mappers, translations: some 250,000
            # objects) lives as long as the process. Python's cycle collector walked it all
            # on every full collection, some 150 ms with the event loop stopped, and a hall's
            # phones connecting at once set off several: frozen, it is left out (and still
            # freed when nothing refers to it). Young objects are collected less often too: a
            # thousand open streams make many, and few of them form cycles.
            gc.collect()
            gc.freeze()
            gc.set_threshold(*YOUNG_AND_OLD_COLLECTIONS)
        yield
        app.state.running -= 1
        await app.state.ping_flusher.stop()  # a clean shutdown writes every ping it heard
        await app.state.broadcaster.stop()
        if worker is not None:
            worker.stop()
            worker.join(timeout=10)
        if not app.state.running:
            app.state.poll_timer.stop()
            engine.dispose()

    app = FastAPI(
        title="Koshu",
        description=description or "",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.definitions = definitions
    app.state.broadcaster = make_broadcaster(settings.resolved_database_url)
    app.state.poll_timer = PollTimer(
        app.state.session_factory, app.state.broadcaster, settings.poll_timer_seconds
    )
    app.state.running = 0
    app.state.ping_followers = pings.TrustedFollowers(settings.ping_trust_seconds)
    app.state.ping_flusher = pings.Flusher(
        app.state.session_factory, settings.presence_flush_seconds
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_upload_bytes)
    app.add_middleware(SecurityHeaders, production=settings.environment == "production")
    if settings.trusted_proxies.strip():
        # Added last, so it runs first: everything after it sees the real client and scheme.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    register_error_handlers(app)
    for router in (
        lectures_router,  # first: the phones' streams and pings (lectures.router.PHONES_PATHS)
        accounts_router,
        afterwards_router,
        records_router,
        study_router,
        cohorts_router,
        courses_router,
        courses_streams,
        records_streams,
        files_router,
        web_accounts_router,
        web_courses_router,
        web_cohorts_router,
        web_admin_router,
        web_lectures_router,
        web_attendance_router,
        web_afterwards_router,
        web_records_router,
        web_trainee_router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
