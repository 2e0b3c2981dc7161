"""The long-running processes of the `vigie` command (registered in backend/cli.py): `vigie serve`,
the API (one process or N on the one port), and `vigie worker`, the SAQ workers. Both freeze what
is alive once started (`freeze_gc`) and stop on SIGTERM, letting what runs finish first.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import signal
import sys

from backend.settings import Settings, get_settings

log = logging.getLogger("vigie")


def freeze_gc() -> None:
    """Once a process has started, what is alive lives as long as it: frozen, the collector's
    full passes no longer walk it. Unfrozen, each took ~90 ms (about one a second under load),
    which was the API's p99 latency (bench/api.py)."""
    gc.collect()
    gc.freeze()


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    # lazy: a command imports only what it runs (`vigie --help` and `vigie migrate` stay light)
    import uvloop
    from backend import apps, db
    from backend.app import ensure_secret_key, shutdown_resources
    from backend.lib.queues import Queues
    from backend.lib.valkey import make_client
    from backend.settings import UnsafeProductionSettings, check_production
    from backend.worker import WorkerSet

    try:
        check_production(settings)
    except UnsafeProductionSettings as exc:
        print(exc, file=sys.stderr)
        return 2
    settings = ensure_secret_key(settings)
    if not settings.valkey_url:
        print("VIGIE_VALKEY_URL is required for `vigie worker`", file=sys.stderr)
        return 2

    async def run() -> None:
        engine = apps.bind_engine(db.make_engine(settings))
        await db.start_engine(engine)
        client = make_client(settings.valkey_url)
        queues = Queues(client)
        workers = WorkerSet(settings, queues, {"settings": settings, "queues": queues, "valkey": client})
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await workers.start()
        if settings.worker_metrics_port:
            # lazy: a command imports only what it runs (`vigie --help` and `vigie migrate` stay light)
            from prometheus_client import start_http_server

            try:
                start_http_server(settings.worker_metrics_port, addr="127.0.0.1")  # loopback only
            except OSError as exc:  # port taken: run without the endpoint rather than not at all
                log.warning("worker metrics not served on 127.0.0.1:%s: %s", settings.worker_metrics_port, exc)
        freeze_gc()
        log.info("workers running (%s)", workers.context["worker_id"])
        await stop.wait()
        log.info("stopping: running jobs get %.0f s to finish", settings.worker_shutdown_grace_seconds)
        await workers.drain(settings.worker_shutdown_grace_seconds)
        await shutdown_resources(workers, queues, client)
        await db.stop_engine(engine)

    # uvloop, as `vigie serve` runs (uvicorn): a push costs a worker less of the event loop's
    # own work (callbacks, transports, the database thread's hand-overs; bench/fanout.py)
    uvloop.run(run())
    return 0


async def close_live_streams_at_stop() -> None:
    """On SIGTERM (or Ctrl-C), end the open live streams at once, then let uvicorn stop as it
    does: without this it would wait `shutdown_timeout_seconds` for the streams, which last
    minutes. Chained in front of the handler uvicorn installed (it still sees the signal)."""
    # lazy: a command imports only what it runs (`vigie --help` and `vigie migrate` stay light)
    from backend.live.service import close_streams

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(signum)

        def on_stop(sig: int, frame: object, previous: object = previous) -> None:
            loop.call_soon_threadsafe(close_streams)
            if callable(previous):
                previous(sig, frame)

        signal.signal(signum, on_stop)


def serve_app() -> object:
    """The app of one `vigie serve --workers N` process (uvicorn's factory: each process builds its own)."""
    # lazy: a command imports only what it runs (`vigie --help` and `vigie migrate` stay light)
    from backend.app import create_app

    app = create_app(get_settings())
    app.on_startup.extend([freeze_gc, close_live_streams_at_stop])
    return app


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """The API alone (production: behind a reverse proxy, with `vigie worker` beside it).

    `--workers N` (or `serve_workers`) runs N processes on the one port (uvicorn's supervisor
    restarts one that dies). On SIGTERM each stops accepting, ends its live streams (the
    browsers reconnect, to another instance behind the proxy), lets requests in flight finish
    and, after `shutdown_timeout_seconds`, cancels what is still running."""
    # lazy: a command imports only what it runs (`vigie --help` and `vigie migrate` stay light)
    import uvicorn

    # lazy: a command imports only what it runs (`vigie --help` and `vigie migrate` stay light)
    from backend.app import create_app
    from backend.settings import UnsafeProductionSettings

    workers = getattr(args, "workers", None) or settings.serve_workers
    try:
        # Built once here even with several processes: unsafe production settings refuse
        # before any process starts, and a generated secret_key exists before they read it.
        app = create_app(settings)
    except UnsafeProductionSettings as exc:
        print(exc, file=sys.stderr)
        return 2
    # server_header=False: no "server: uvicorn" telling a scanner which software to try. A failed
    # startup (demo accounts in production, see create_app's lifespan) exits with status 3.
    options = dict(host=settings.host, port=settings.port, log_level="info", access_log=settings.access_log,
                   proxy_headers=True, forwarded_allow_ips=list(settings.forwarded_allow_ips), server_header=False,
                   timeout_graceful_shutdown=settings.shutdown_timeout_seconds)
    if workers > 1:
        uvicorn.run("backend.ops.processes:serve_app", factory=True, workers=workers, **options)
    else:
        app.on_startup.extend([freeze_gc, close_live_streams_at_stop])
        uvicorn.run(app, **options)
    return 0
