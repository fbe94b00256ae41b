"""Structured logs: one line per event, as JSON or as ``key=value`` text. Never tokens or tickets: every line
is redacted as it is formatted (:func:`redact`), whoever wrote it (aiohttp's error and access logs included),
and an HTTP request aiohttp cannot parse is one bounded warning, without the request or a traceback."""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


SECRET_PARAMS = (
    "ticket", "code", "token", "access_token", "refresh_token", "id_token", "state", "session_state", "nonce",
    "samlresponse", "samlrequest", "relaystate", "signature", "sigalg", "logoutrequest", "secret", "password",
    "key", "sid", "resume", "login_hint", "id_token_hint",
)
"""Query (and form) parameters whose values never reach a log: CAS tickets, OIDC codes and states, SAML
messages, our tokens and resume values."""
_PATTERNS = [
    (re.compile(r"([?&;](?:" + "|".join(SECRET_PARAMS) + r")=)[^&;\s\"'#\\]*", re.IGNORECASE), r"\1<redacted>"),
    (re.compile(r"((?:authorization|proxy-authorization|cookie|set-cookie|x-[\w-]*(?:token|key|secret)[\w-]*)"
                r"['\"]?\s*[:=,]\s*['\"]?)[^\r\n\"'\\]*", re.IGNORECASE), r"\1<redacted>"),
    (re.compile(r"(bearer\s+)[\w.~+/=-]+", re.IGNORECASE), r"\1<redacted>"),
    (re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*"), "<redacted-jwt>"),
    (re.compile(r"\b(?:ST|PT|PGT|PGTIOU|TGT)-[\w.-]{4,}"), "<redacted-ticket>"),
    (re.compile(r"(/invite/)[^/\s?#\"'\\]+"), r"\1<redacted>"),
]


def redact(text: str) -> str:
    """``text`` without secret values: query parameters (:data:`SECRET_PARAMS`), credential headers, bearer
    tokens, JWTs, CAS tickets and invitation codes in paths."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(self._format(record))

    def _format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        line.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(self._format(record))

    def _format(self, record: logging.LogRecord) -> str:
        extra = " ".join(f"{k}={v}" for k, v in record.__dict__.items() if k not in _RESERVED)
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        text = f"{stamp} {record.levelname:<7} {record.name}: {record.getMessage()} {extra}".rstrip()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class BadRequests(logging.Filter):
    """On aiohttp's server logger: a request it cannot parse (a bad request line, a header too long, a
    WebSocket handshake it refuses) becomes one ``bad_http_request`` warning naming the error's type, within
    :data:`WARNINGS_PER_MINUTE`, instead of an error with the request's text and a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if not _unparsable(exc):
            return True
        suppressed = _spend(record.name, "bad_http_request")
        if suppressed is None:
            return False
        peer = record.args[0] if isinstance(record.args, tuple) and record.args else None
        record.msg, record.args, record.exc_info, record.exc_text = "bad_http_request", (), None, None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.peer, record.error = peer, type(exc).__name__
        if suppressed:
            record.suppressed = suppressed
        return True


def _unparsable(exc: BaseException | None) -> bool:
    """aiohttp's HttpProcessingError (a request it could not parse), known by name: the core imports no aiohttp."""
    return exc is not None and any(
        c.__name__ == "HttpProcessingError" and c.__module__.startswith("aiohttp") for c in type(exc).__mro__
    )


def setup(fmt: str = "text", level: str = "INFO") -> None:
    """Configure the root logger once (the CLI calls this)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    server = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, BadRequests) for f in server.filters):
        server.addFilter(BadRequests())


WARNINGS_PER_MINUTE = 60
"""Lines one kind of bad-input warning (a logger and an event name: ``bad_message``, ``flood``...) may write per
minute, after a burst of as many: a flood of bad input cannot fill the disk. The next line written says how
many were left out (``suppressed=N``)."""


class _Budget:
    __slots__ = ("last", "suppressed", "tokens")

    def __init__(self, now: float) -> None:
        self.tokens, self.last, self.suppressed = float(WARNINGS_PER_MINUTE), now, 0


_budgets: dict[tuple[str, str], _Budget] = {}


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log ``name`` with structured ``fields``."""
    if logger.isEnabledFor(level):
        logger.log(level, name, extra=fields)


def bad_input(logger: logging.Logger, name: str, **fields: Any) -> None:
    """A warning about what a client sent (malformed, flood, refused): within :data:`WARNINGS_PER_MINUTE`."""
    if not logger.isEnabledFor(logging.WARNING):
        return
    suppressed = _spend(logger.name, name)
    if suppressed is None:
        return
    if suppressed:
        fields["suppressed"] = suppressed
    logger.log(logging.WARNING, name, extra=fields)


def _spend(logger: str, name: str) -> int | None:
    """None when this kind of line is over its budget; else how many were left out since the last one."""
    now = time.monotonic()
    budget = _budgets.get((logger, name))
    if budget is None:
        budget = _budgets[(logger, name)] = _Budget(now)
    budget.tokens = min(float(WARNINGS_PER_MINUTE), budget.tokens + (now - budget.last) * WARNINGS_PER_MINUTE / 60)
    budget.last = now
    if budget.tokens < 1.0:
        budget.suppressed += 1
        return None
    budget.tokens -= 1.0
    suppressed, budget.suppressed = budget.suppressed, 0
    return suppressed
