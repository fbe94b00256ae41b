"""The portal's languages: the five catalogues' ``portal.*`` keys (client/locale/*.json), no Babel (docs/portal.md).

The language is the one chosen with the switch (kept in the session), else the browser's (Accept-Language), else
French; a key missing in a catalogue falls back to French.
"""

from __future__ import annotations

import json
from functools import cache

from cybercollege.server.guests.page import DEFAULT, LANGUAGES, LOCALE_DIR, language_of

__all__ = ["DEFAULT", "LANGUAGES", "NAMES", "choose", "strings", "translate"]

NAMES = {"fr": "Français", "en": "English", "de": "Deutsch", "es": "Español", "it": "Italiano"}
"""Each language in its own name, as the switch shows it."""
PREFIX = "portal."


@cache
def strings(lang: str) -> dict[str, str]:
    """The ``portal.*`` strings of ``lang`` (without the prefix), French where a key is missing."""

    def load(code: str) -> dict[str, str]:
        data = json.loads((LOCALE_DIR / f"{code}.json").read_text(encoding="utf-8"))
        return {k.removeprefix(PREFIX): v for k, v in data.items() if k.startswith(PREFIX)}

    return load(DEFAULT) | (load(lang) if lang in LANGUAGES else {})


def translate(lang: str, key: str, **fields: object) -> str:
    """The text of ``portal.<key>`` in ``lang``, its ``{fields}`` filled in; a missing key shows as itself."""
    text = strings(lang).get(key)
    if text is None:
        return PREFIX + key
    return text.format(**fields) if fields else text


def choose(chosen: str | None, accept_language: str) -> str:
    """The page's language: the one chosen in the session, else the browser's first supported one, else French."""
    if chosen in LANGUAGES:
        return chosen
    return language_of(None, accept_language)
