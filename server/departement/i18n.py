"""The front door's languages: the ``departement.*`` keys of the five catalogues (client/locale/*.json).

The language is ``?lang=`` when given, else the browser's (Accept-Language), else French; a key missing in a
catalogue falls back to French. No cookie: the front door keeps nothing about anyone.
"""

from __future__ import annotations

import json
from functools import cache

from cybercollege.server.guests.page import DEFAULT, LANGUAGES, LOCALE_DIR, language_of

PREFIX = "departement."


@cache
def strings(lang: str) -> dict[str, str]:
    """The ``departement.*`` strings of ``lang`` (without the prefix), French where a key is missing."""

    def load(code: str) -> dict[str, str]:
        data = json.loads((LOCALE_DIR / f"{code}.json").read_text(encoding="utf-8"))
        return {k.removeprefix(PREFIX): v for k, v in data.items() if k.startswith(PREFIX)}

    return load(DEFAULT) | (load(lang) if lang in LANGUAGES else {})


def translate(lang: str, key: str, **fields: object) -> str:
    text = strings(lang).get(key, PREFIX + key)
    return text.format(**fields) if fields else text


def choose(asked: str | None, accept_language: str) -> str:
    """``asked`` if supported, else the browser's first supported language, else French."""
    return asked if asked in LANGUAGES else language_of(None, accept_language)
