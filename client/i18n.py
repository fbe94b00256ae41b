"""Every user-visible string of the client, through one catalogue per language (client/locale/*.json).

French is the default and the reference: a key missing elsewhere falls back to French.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = {"fr": "Français", "en": "English", "es": "Español", "de": "Deutsch", "it": "Italiano"}
DEFAULT = "fr"

_current = DEFAULT


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The strings of ``lang`` by key."""
    return json.loads((LOCALE_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def set_language(lang: str) -> None:
    global _current
    _current = lang if lang in LANGUAGES else DEFAULT


def language() -> str:
    return _current


def tr(key: str, **values: object) -> str:
    """The text of ``key`` in the current language, with ``{name}`` fields filled from ``values``."""
    text = catalogue(_current).get(key) or catalogue(DEFAULT).get(key) or key
    return text.format(**values) if values else text
