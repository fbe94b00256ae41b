"""Server-sent events for the portal's live pages (the lobby): bounded, one stream per session, heartbeats.

A stream sends ``event: <name>`` with the page fragment ``render()`` gives whenever :meth:`Stream.poke` says
something changed and the fragment differs from the last one sent, and a comment line every
:data:`HEARTBEAT` seconds otherwise (a dead connection shows on the next write). A new stream of the same
session ends the previous one; signing out (:meth:`LiveStreams.close`) and the server's shutdown
(:meth:`LiveStreams.close_all`) end them at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from aiohttp import web

from cybercollege.server.portal import headers

HEARTBEAT = 15.0
"""Seconds between two heartbeats of an idle stream."""
MAX_STREAMS = 500
"""Streams open at once on this server (one per signed-in session at most)."""


class Stream:
    """One open stream: woken by :meth:`poke`, ended by :meth:`end`."""

    def __init__(self) -> None:
        self.wake = asyncio.Event()
        self.ended = False

    def poke(self) -> None:
        self.wake.set()

    def end(self) -> None:
        self.ended = True
        self.wake.set()


class TooManyStreams(Exception):
    """:data:`MAX_STREAMS` are open."""


class LiveStreams:
    """The open streams, by session id."""

    def __init__(self, limit: int = MAX_STREAMS, heartbeat: float = HEARTBEAT) -> None:
        self.limit = limit
        self.heartbeat = heartbeat
        self.by_session: dict[str, Stream] = {}

    def close(self, session_id: str) -> None:
        """End the stream of ``session_id``, if it has one."""
        stream = self.by_session.pop(session_id, None)
        if stream is not None:
            stream.end()

    def close_all(self) -> None:
        for session_id in list(self.by_session):
            self.close(session_id)

    async def serve(
        self,
        request: web.Request,
        session_id: str,
        name: str,
        render: Callable[[], str],
        watch: set[Callable[[], None]],
        alive: Callable[[], bool],
    ) -> web.StreamResponse:
        """Stream ``render()`` as ``event: name`` whenever a watcher in ``watch`` is called and it changed, while
        ``alive()`` (the session still signed in)."""
        self.close(session_id)  # one stream per session: a reload replaces the previous one
        if len(self.by_session) >= self.limit:
            raise TooManyStreams
        stream = self.by_session[session_id] = Stream()
        watch.add(stream.poke)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store",
                                               "X-Accel-Buffering": "no", **headers.HEADERS})  # fmt: skip
        try:
            await response.prepare(request)
            await response.write(f"retry: {int(self.heartbeat * 1000)}\n\n".encode())
            last = None
            while not stream.ended and alive():
                fragment = render()
                if fragment != last:
                    await response.write(message(name, fragment))
                    last = fragment
                stream.wake.clear()
                try:
                    await asyncio.wait_for(stream.wake.wait(), self.heartbeat)
                except TimeoutError:
                    await response.write(b": heartbeat\n\n")
        except ConnectionError:
            pass  # the browser went away: the next write found out
        finally:
            watch.discard(stream.poke)
            if self.by_session.get(session_id) is stream:
                del self.by_session[session_id]
        with contextlib.suppress(ConnectionError):
            await response.write_eof()
        return response


def message(name: str, data: str) -> bytes:
    """One server-sent event: its name and its data, a ``data:`` line per line."""
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {name}\n{lines}\n".encode()
