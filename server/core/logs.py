"""Structured logs: one line per event, as JSON or as ``key=value`` text. Never tokens or tickets."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
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
        extra = " ".join(f"{k}={v}" for k, v in record.__dict__.items() if k not in _RESERVED)
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        text = f"{stamp} {record.levelname:<7} {record.name}: {record.getMessage()} {extra}".rstrip()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def setup(fmt: str = "text", level: str = "INFO") -> None:
    """Configure the root logger once (the CLI calls this)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


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
    now = time.monotonic()
    budget = _budgets.get((logger.name, name))
    if budget is None:
        budget = _budgets[(logger.name, name)] = _Budget(now)
    budget.tokens = min(float(WARNINGS_PER_MINUTE), budget.tokens + (now - budget.last) * WARNINGS_PER_MINUTE / 60)
    budget.last = now
    if budget.tokens < 1.0:
        budget.suppressed += 1
        return
    budget.tokens -= 1.0
    if budget.suppressed:
        fields["suppressed"], budget.suppressed = budget.suppressed, 0
    logger.log(logging.WARNING, name, extra=fields)
