"""The aiohttp application: HTTP routes, the WebSocket endpoint, start-up and graceful shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import secrets
import signal
from datetime import timedelta
from pathlib import Path

from aiohttp import web

from cybercollege import worlds
from cybercollege.protocol import CloseCode, encode
from cybercollege.protocol import limits as L
from cybercollege.protocol.messages import Closing
from cybercollege.server.auth.directory import DemoDirectory
from cybercollege.server.auth.ent import session_store
from cybercollege.server.auth.ent.config import EntConfig, load_ents
from cybercollege.server.auth.ent.routes import setup_ent
from cybercollege.server.auth.ent.service import College
from cybercollege.server.auth.feature import Authorization
from cybercollege.server.auth.tokens import TokenService
from cybercollege.server.classroom.feature import Classrooms
from cybercollege.server.classroom.lessons.feature import Lessons
from cybercollege.server.classroom.teacher import TeacherTools
from cybercollege.server.cluster import lock as college_lock
from cybercollege.server.cluster import presence
from cybercollege.server.cluster.feature import Cluster
from cybercollege.server.conference import Sfu
from cybercollege.server.conference.conferencing import Conferencing
from cybercollege.server.conference.config import sfu_config
from cybercollege.server.config import Settings
from cybercollege.server.core.feature import Feature
from cybercollege.server.core.logs import event
from cybercollege.server.core.world import World
from cybercollege.server.edge import audit, content, gateway, metrics
from cybercollege.server.edge.downloads import setup_downloads
from cybercollege.server.edge.services import SERVICES, Services
from cybercollege.server.guests.feature import Guests
from cybercollege.server.http import TOKENS
from cybercollege.server.persistence import Store, WriteBehind
from cybercollege.server.portal.app import setup_portal

log = logging.getLogger("cybercollege.app")

SHUTDOWN_RETRY_MS = 5000


ENTRIES: web.AppKey[list[content.Entry]] = web.AppKey("entries", list)
LOCK: web.AppKey[college_lock.CollegeLock] = web.AppKey("college_lock", college_lock.NoLock)


def build(settings: Settings, ents: list[EntConfig] | None = None) -> web.Application:
    """The application, ready for ``web.run_app`` or a test server.

    ``ents`` overrides the ENTs of ``settings.ent_config`` (for embedding and tests).
    """
    problems = settings.check()
    if problems:
        raise SystemExit("configuration refused: " + "; ".join(problems))
    spec = worlds.load_world(settings.world_path())
    settings = settings.of_college(spec.id)  # each collège its own recordings: they never mix
    tokens = TokenService(settings.secret or secrets.token_urlsafe(48), settings.token_ttl, audience=spec.id)
    store = Store(settings.database_url, college=spec.id)
    writer = WriteBehind(store, settings.flush_interval)
    directory = DemoDirectory.load() if settings.demo else None
    cluster = Cluster(presence.create(settings.broker_url), tokens)
    lock = college_lock.create(
        settings.broker_url, spec.id, cluster.presence.node, _stop_serving, settings.standby_takeover_seconds
    )
    features = features_of(settings, writer, tokens, directory, cluster)
    entries = content.catalogue(spec.files(), _world_root(settings.world_path()), settings.assets)
    services = Services(
        settings=settings,
        world=World(spec, settings, writer, features),
        tokens=tokens,
        store=store,
        writer=writer,
        directory=directory,
        files={e.sha256: e for e in entries},
        world_hash=content.world_hash(entries),
        limits=_limits(settings),
        cluster=cluster,
    )
    app = web.Application(client_max_size=1024 * 1024)
    app[SERVICES] = services
    app[TOKENS] = tokens
    app[ENTRIES] = entries
    app[LOCK] = lock
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics_route)
    app.router.add_get("/world/manifest", manifest)
    app.router.add_get("/files/{sha256}", file_route)
    app.router.add_get("/ws", gateway.websocket)
    setup_downloads(app, settings)  # the client builds, each opening on this server
    for feature in features:
        for route in feature.routes():
            app.router.add_route(route.method, route.path, route.handler)
    if ents is None:
        ents = load_ents(settings.ent_config) if settings.ent_config else []
    schools = frozenset(services.world.schools)
    if not schools:
        log.warning("the world names no schools: users of any school sign in (docs/worlds.md, schools)")
    setup_ent(
        app,
        ents,
        tokens,
        public_url=settings.base_url(),
        demo=directory,
        on_logout=services.logout,
        access_ttl=min(900, settings.token_ttl),
        college=College(spec.id, spec.name, schools),
        sessions=session_store.create(settings.broker_url, spec.id),
    )
    setup_portal(  # the web face of the edge, over the features (docs/adr/0015): the home page and /portal/
        app,
        world=services.world,
        guests=services.world.features.get(Guests),
        tokens=tokens,
        settings=settings,
        schools=schools,
        school_name=spec.name,
    )
    app.on_startup.append(_start)
    app.on_shutdown.append(_shutdown)
    app.on_cleanup.append(_cleanup)
    return app


def features_of(
    settings: Settings,
    writer: WriteBehind,
    tokens: TokenService,
    directory: DemoDirectory | None,
    cluster: Cluster,
) -> list[Feature]:
    """Every feature of the world server: the one place that lists them (docs/adr/0004)."""
    return [
        Classrooms(writer),
        TeacherTools(),
        Guests(tokens, directory),
        Conferencing(Sfu(sfu_config(settings))),
        cluster,
        Authorization(tokens, writer.store, settings.broker_url),
        Lessons(writer.store, settings.timezone),
    ]


def _world_root(path: Path) -> Path:
    return path if path.is_dir() else path.parent


def _limits(settings: Settings) -> dict[str, int]:
    return {
        "max_frame_bytes": L.MAX_FRAME_BYTES,
        "max_chat_chars": L.MAX_CHAT_CHARS,
        "move_rate": int(settings.move_rate),
        "chat_burst": settings.chat_burst,
        "chat_per_minute": int(settings.chat_rate * 60),
        "max_speed_cm_s": int(settings.max_speed * 100),
        "resume_grace_s": int(settings.resume_grace),
        "interest_cap": settings.interest_cap,
    }


# --- lifecycle -------------------------------------------------------------------------------------


async def _start(app: web.Application) -> None:
    s: Services = app[SERVICES]
    await app[LOCK].acquire()  # a standby waits here, its port not open yet
    await s.store.start()
    s.audit_handler = audit.attach(s.writer)
    for feature in s.world.features.all:
        await feature.start()
    s.writer.start()
    gc.collect()
    gc.freeze()  # the world, the code and the libraries stay: later full collections need not scan them
    s.tasks.append(asyncio.create_task(s.world.run(), name="tick"))
    s.tasks.append(asyncio.create_task(_retention(s), name="retention"))
    event(log, "started", world=s.world.spec.id, rooms=len(s.world.rooms), demo=s.settings.demo)


async def _shutdown(app: web.Application) -> None:
    """SIGTERM: tell every client, send the last frames, save places and chat, close."""
    s: Services = app[SERVICES]
    s.stopping = True
    s.world.closing()
    closing = encode(Closing("le serveur redémarre", SHUTDOWN_RETRY_MS))
    sessions = [a.session for a in s.world.avatars.values() if a.session is not None]
    for session in sessions:
        session.push(closing)
    await asyncio.sleep(2.5 / s.settings.tick_hz)  # let the tick deliver the CLOSING frames
    for session in sessions:
        with contextlib.suppress(Exception):
            await session.close(CloseCode.GOING_AWAY, "server shutting down")
    for task in s.tasks:
        task.cancel()
    await asyncio.gather(*s.tasks, return_exceptions=True)
    for feature in s.world.features.all:
        try:
            await feature.stop()
        except Exception:
            log.error("feature %s did not stop cleanly", feature.name, exc_info=True)
    s.world.remove_all()
    await s.writer.stop()
    event(log, "stopped", pending=s.writer.pending)


async def _cleanup(app: web.Application) -> None:
    s = app[SERVICES]
    if s.audit_handler is not None:
        logging.getLogger("cybercollege.ent").removeHandler(s.audit_handler)
    await s.cluster.close()
    await s.store.close()
    await app[LOCK].release()  # after the last places were saved: the standby starts from them


def _stop_serving() -> None:
    """The collège lock went to another process (this one was paused too long): stop as on SIGTERM."""
    os.kill(os.getpid(), signal.SIGTERM)


async def _retention(s: Services) -> None:
    """Apply the retention periods (docs/persistence.md), at start and every hour."""
    while True:
        try:
            await s.store.purge_expired(chat_retention=timedelta(days=s.settings.chat_retention_days))
        except Exception:
            log.warning("retention purge failed", exc_info=True)
        await asyncio.sleep(3600)


# --- routes ----------------------------------------------------------------------------------------


async def health(request: web.Request) -> web.Response:
    s: Services = request.app[SERVICES]
    status = 503 if s.stopping else 200
    return web.json_response(
        {
            "status": "stopping" if s.stopping else "ok",
            "tick": s.world.tick_no,
            "avatars": len(s.world.avatars),
        },
        status=status,
    )


async def metrics_route(request: web.Request) -> web.Response:
    """``GET /metrics`` (Prometheus); with ``metrics_token``, only for ``Authorization: Bearer <token>``."""
    settings = request.app[SERVICES].settings
    if settings.metrics_token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not secrets.compare_digest(given.encode(), settings.metrics_token.encode()):
            raise web.HTTPUnauthorized(text="metrics: Authorization: Bearer <metrics_token> expected")
    elif settings.production:
        raise web.HTTPNotFound(text="metrics are off in production without a metrics_token")
    body = metrics.render(request.app[SERVICES])
    return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})


async def manifest(request: web.Request) -> web.Response:
    s: Services = request.app[SERVICES]
    files = [{"path": e.path, "sha256": e.sha256, "size": e.size} for e in request.app[ENTRIES]]
    return web.json_response(
        {"world": s.world.spec.id, "hash": s.world_hash, "files": files},
        headers={"Cache-Control": "no-cache"},
    )


async def file_route(request: web.Request) -> web.StreamResponse:
    sha = request.match_info["sha256"]
    entry = request.app[SERVICES].files.get(sha)
    if entry is None:
        raise web.HTTPNotFound(text=f"no file with sha256 {sha[:64]}")
    if request.headers.get("If-None-Match") == f'"{sha}"':
        return web.Response(status=304)
    return web.FileResponse(
        entry.file,
        headers={"Cache-Control": "public, max-age=31536000, immutable", "ETag": f'"{sha}"'},
    )
