"""CSRF tokens: one per session, in a hidden field of every form, checked on every POST (docs/portal.md).

A form sends it as the field ``csrf``; a script (and the JSON API reached with the cookie) as the header
``X-CSRF-Token``. A refused POST gets a French page with status 403 (:class:`CsrfRefused`).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

FIELD = "csrf"
HEADER = "X-CSRF-Token"


class CsrfRefused(Exception):
    """A POST without its session's token (or with another one)."""


def matches(expected: str, given: object) -> bool:
    """``given`` is the session's token (constant-time comparison)."""
    return isinstance(given, str) and bool(given) and secrets.compare_digest(given.encode(), expected.encode())


def check(expected: str, form: Mapping[str, object], headers: Mapping[str, str]) -> None:
    """Raise :class:`CsrfRefused` unless the form field or the header carries ``expected``."""
    if not (matches(expected, form.get(FIELD)) or matches(expected, headers.get(HEADER))):
        raise CsrfRefused
