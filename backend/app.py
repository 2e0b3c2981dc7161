"""create_app(settings): the only place routes, middleware and resources are wired."""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import secrets
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from litestar import Litestar, Response, Router, get
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.middleware.base import DefineMiddleware
from litestar.exceptions import NotFoundException
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from piccolo.engine.base import Engine

from backend import apps, db
from backend.auth.guards import public
from backend.auth.middleware import session_middleware
from backend.communities.principals import load_principal
from backend.delivery import inbound
from backend.demo import demo_accounts
from backend.domains import DOMAINS
from backend.lib.input_limits import input_limits_middleware
from backend.lib.openapi import ApiDocument
from backend.lib.queues import Queues
from backend.lib.storage import make_storage
from backend.lib.transfer import compression_config, static_cache_middleware
from backend.lib.valkey import make_client
from backend.lib.web import EXCEPTION_HANDLERS, security_headers_middleware
from backend.live.service import settle_publishes
from backend.privacy.service import restore_on_login
from backend.live.service import channels_plugin
from backend.settings import ROOT, Settings, UnsafeProductionSettings, check_production, get_settings
from backend.worker import WorkerSet

log = logging.getLogger(__name__)

mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("text/javascript", ".js")

CSRF_EXEMPT = ["/api/v1/sms/inbound"]


def ensure_secret_key(settings: Settings) -> Settings:
    """Use the configured secret, or one generated once into var/secret_key (dev)."""
    if settings.secret_key:
        return settings
    if settings.is_production:
        raise RuntimeError("secret_key must be set in production (VIGIE_SECRET_KEY)")
    path = settings.var_path / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return settings.with_(secret_key=path.read_text().strip())


def route_handlers() -> list[Any]:
    """Every domain's routes, from the one list in backend/domains.py."""
    return [handler for domain in DOMAINS for handler in domain.routes]


async def shutdown_resources(workers: WorkerSet | None, queues: Queues, client: Any, storage: Any = None) -> None:
    """Let live events still under way finish, stop workers, close Valkey and media storage connections,
    even when Valkey is already gone."""
    steps = {"live events": settle_publishes(8), "workers": workers.stop() if workers else None,
             "queues": queues.disconnect(), "valkey": client.aclose(),
             "storage": storage.close() if storage else None}
    for name, step in steps.items():
        if step is None:
            continue
        try:
            await asyncio.wait_for(step, 10)
        except Exception as exc:  # shutting down: report and carry on
            log.warning("shutdown of %s failed: %r", name, exc)


@get("/sw.js", guards=[public], include_in_schema=False, media_type="text/javascript")
async def service_worker_entry() -> Response[bytes]:
    path = ROOT / "service_worker" / "sw.js"
    if not path.exists():
        raise NotFoundException()
    return Response(path.read_bytes(), media_type="text/javascript")


def openapi_config() -> OpenAPIConfig:
    """The OpenAPI document at /schema/openapi.json, public and read-only (backend/lib/openapi.py)."""
    return OpenAPIConfig(
        title="Vigie API", version="1", render_plugins=[ApiDocument()],
        openapi_router=Router("/schema", route_handlers=[], guards=[public], include_in_schema=False))


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Litestar:
    """Build the ASGI app. Resources (database, Valkey, queues, workers) open in the lifespan.

    In production, unsafe settings refuse here and demo accounts refuse at startup (lifespan).
    """
    settings = settings or get_settings()
    check_production(settings)
    settings = ensure_secret_key(settings)
    # Bound in the lifespan, not here: building an app (the API docs test, a settings check) must not
    # move the process's tables to another database.
    engine = engine or db.make_engine(settings)
    storage = make_storage(settings)  # incomplete S3 settings refuse here, in every environment

    @asynccontextmanager
    async def engine_bound(app: Litestar) -> AsyncIterator[None]:
        with apps.engine_held(engine):  # restored when the app stops; another engine running is refused
            yield

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await db.start_engine(engine)
        if settings.is_production and (found := await demo_accounts()):
            await db.stop_engine(engine)
            raise UnsafeProductionSettings([f"demo accounts exist ({', '.join(found)}): their password is public, "
                                            "delete them or use another database"])
        client = make_client(settings.valkey_url)
        queues = Queues(client)
        app.state.valkey = client
        app.state.queues = queues
        workers = None
        if settings.run_workers_in_process:
            workers = WorkerSet(settings, queues, {"settings": settings, "queues": queues, "valkey": client})
            await workers.start()
        app.state.workers = workers
        try:
            yield
        finally:
            await shutdown_resources(workers, queues, client, storage)
            await db.stop_engine(engine)

    static = [
        create_static_files_router(path="/sw", directories=[ROOT / "service_worker"], name="sw-modules",
                                   guards=[public], include_in_schema=False, middleware=[static_cache_middleware]),
        create_static_files_router(path="/", directories=[ROOT / "pwa"], html_mode=True, name="pwa",
                                   guards=[public], include_in_schema=False, middleware=[static_cache_middleware]),
    ]
    return Litestar(
        route_handlers=[*route_handlers(), service_worker_entry, *static],
        lifespan=[engine_bound, lifespan],  # entered in this order, left in the reverse
        plugins=[channels_plugin(settings)],  # live stream; touches Valkey only once someone listens
        # explicit wiring: auth builds principals with communities' loader (auth does not import
        # communities); the inbound-SMS webhook tries the domains' command words in order
        state=State({"settings": settings, "valkey": None, "queues": None, "storage": storage,
                     "load_principal": load_principal,
                     # privacy (backend/privacy) reads every domain's declarations; logging in cancels a deletion
                     "domains": DOMAINS, "restore_account": restore_on_login,
                     "sms_commands": inbound.ordered(c for d in DOMAINS for c in d.sms_commands)}),
        middleware=[DefineMiddleware(security_headers_middleware, hsts=settings.secure_cookies), session_middleware,
                    input_limits_middleware],
        csrf_config=CSRFConfig(secret=settings.secret_key, cookie_secure=settings.secure_cookies,
                               cookie_samesite="lax", exclude=CSRF_EXEMPT),
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=openapi_config(),
        compression_config=compression_config(),  # text answers gzipped; never images nor the live stream
        request_max_body_size=25 * 1024 * 1024,
        debug=False,
    )
