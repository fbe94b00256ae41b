"""The portal's languages: the five catalogues' ``portal.*`` keys (client/locale/*.json), no Babel (docs/portal.md).

The language is the one chosen with the switch (kept in the session), else the browser's (Accept-Language), else
French; a key missing in a catalogue falls back to French.
"""

from __future__ import annotations

import json
from functools import cache

from cybercollege.server.guests.page import DEFAULT, LANGUAGES, LOCALE_DIR, language_of

__all__ = ["DEFAULT", "LANGUAGES", "NAMES", "Catalogue", "choose", "strings", "translate"]

NAMES = {"fr": "Français", "en": "English", "de": "Deutsch", "es": "Español", "it": "Italiano"}
"""Each language in its own name, as the switch shows it."""
PREFIX = "portal."


class Catalogue:
    """The strings of one web face (``portal.*``, ``departement.*``) in the five languages, French where a key is
    missing in another; ``translate`` shows a missing key as itself."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.strings = cache(self._strings)

    def _strings(self, lang: str) -> dict[str, str]:
        def load(code: str) -> dict[str, str]:
            data = json.loads((LOCALE_DIR / f"{code}.json").read_text(encoding="utf-8"))
            return {k.removeprefix(self.prefix): v for k, v in data.items() if k.startswith(self.prefix)}

        return load(DEFAULT) | (load(lang) if lang in LANGUAGES else {})

    def translate(self, lang: str, key: str, **fields: object) -> str:
        """The text of ``<prefix><key>`` in ``lang``, its ``{fields}`` filled in."""
        text = self.strings(lang).get(key)
        if text is None:
            return self.prefix + key
        return text.format(**fields) if fields else text


PORTAL = Catalogue(PREFIX)
strings = PORTAL.strings
"""The ``portal.*`` strings of a language (without the prefix)."""
translate = PORTAL.translate


def choose(chosen: str | None, accept_language: str) -> str:
    """The page's language: the one chosen in the session, else the browser's first supported one, else French."""
    if chosen in LANGUAGES:
        return chosen
    return language_of(None, accept_language)
