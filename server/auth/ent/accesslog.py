"""An aiohttp access logger that never writes query strings (they carry CAS tickets and OIDC codes).

Use it for the world server: ``web.AppRunner(app, access_log_class=PathOnlyAccessLogger)``.
"""

from __future__ import annotations

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse


class PathOnlyAccessLogger(AbstractAccessLogger):
    """``<ip> "<method> <path>" <status> <ms>ms`` — the path without its query string."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %s %.1fms', request.remote, request.method, request.path, response.status, time * 1000
        )
