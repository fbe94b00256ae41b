"""The five catalogues (client/locale/*.json: the client's strings and the server's ``web.*``, ``sheet.*`` and
``attendance.*`` ones) hold the same keys with the same placeholders, German says "Sie" throughout, and Spanish
and Italian say "tú" and "tu" throughout (pupils and teachers alike, portal included: docs/client.md)."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

LOCALE_DIR = Path(__file__).resolve().parents[2] / "client" / "locale"
LANGUAGES = ("fr", "en", "de", "es", "it")
INFORMAL_GERMAN = re.compile(r"\b(du|dein|deine|deinen|deinem|deiner|deines|dich|dir|euch|euer|eure|euren|eurem)\b",
                             re.IGNORECASE)  # fmt: skip

FORMAL_SPANISH = re.compile(
    r"\b(usted|ustedes|escríbalo|ciérrela|admítalos|elíjala|bórrelo|descárguelo|elija|indique|vuelva|recargue|escriba"
    r"|seleccione"
    r"|compruebe|espere|pulse|corrija|revoque|cancele|busque|descargue|envíe|invite|prepare|programe|inicie"
    r"|inténtelo|ha cerrado la sesión|ha recibido un|ya tiene|no tiene ninguna)\b",
    re.IGNORECASE)
"""Spanish ``usted``, its imperatives and third-person forms that address the reader."""
FORMAL_ITALIAN = re.compile(
    r"\b(Lei|Suo|Sua|Suoi|Sue|(?i:scelga|inserisca|prema|attenda|controlli|chieda|scriva|apra|torni|verifichi|riprovi"
    r"|ricarichi|prepari|segua|entri|indichi|annulli|programmi|indicate|scegliete|correggete|revocate|revocatene"
    r"|inviate|createne|cercate|scaricate|ricaricate|riprovate|ammetteteli|rimandate|apritene|avete|potete"
    r"|vostr[aeio]))\b")
"""Italian ``Lei`` (capitalised possessives), its imperatives, and ``voi`` addressing one teacher."""
FORMAL_EXCEPTIONS = {"it": {"portal.recordings.open", "portal.recordings.one_title"}}
"""Keys whose words only look formal (none yet in Spanish)."""


def catalogue(lang: str) -> dict[str, str]:
    return json.loads((LOCALE_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields ``str.format`` fills in (``{{`` is a literal brace)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "fr"])
def test_every_catalogue_has_the_same_keys_and_placeholders_as_french(lang: str) -> None:
    reference, other = catalogue("fr"), catalogue(lang)
    assert sorted(set(reference) - set(other)) == [], f"missing in {lang}.json"
    assert sorted(set(other) - set(reference)) == [], f"in {lang}.json but not in fr.json"
    wrong = {key: (placeholders(reference[key]), placeholders(text)) for key, text in other.items()
             if placeholders(text) != placeholders(reference[key])}  # fmt: skip
    assert wrong == {}, f"{lang}.json: placeholders differ from French"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_string_is_empty_or_untrimmed(lang: str) -> None:
    bad = [key for key, text in catalogue(lang).items() if not text.strip() or text != text.strip()]
    assert bad == []


def test_german_says_sie_throughout() -> None:
    informal = {key: text for key, text in catalogue("de").items() if INFORMAL_GERMAN.search(text)}
    assert informal == {}, "German uses the formal Sie/Ihr: these strings say du/dein/dich/dir/euch/euer"


@pytest.mark.parametrize(("lang", "formal"), [("es", FORMAL_SPANISH), ("it", FORMAL_ITALIAN)])
def test_spanish_and_italian_say_tu_throughout(lang: str, formal: re.Pattern[str]) -> None:
    found = {key: text for key, text in catalogue(lang).items()
             if formal.search(text) and key not in FORMAL_EXCEPTIONS.get(lang, set())}  # fmt: skip
    assert found == {}, f"{lang}: one register, tú / tu (as a school speaks to a 12-year-old and to a colleague)"


def test_the_formal_register_check_finds_them() -> None:
    for text in ("Elija su ENT", "Escríbalo aquí", "Ha cerrado la sesión", "aquí no hay nada para usted"):
        assert FORMAL_SPANISH.search(text), text
    for text in ("Elige tu ENT", "Escríbelo aquí", "Has cerrado la sesión", "Inténtalo de nuevo", "la sala"):
        assert not FORMAL_SPANISH.search(text), text
    for text in ("Scelga il Suo ENT", "Ricarichi la pagina", "Indicate il paese", "le vostre classi"):
        assert FORMAL_ITALIAN.search(text), text
    for text in ("Scegli il tuo ENT", "Ricarica la pagina", "la sua aula", "Riprova", "lezioni passate"):
        assert not FORMAL_ITALIAN.search(text), text


def test_the_informal_pronoun_check_finds_them() -> None:
    """The check itself: it catches each informal form at a word boundary, not inside other words."""
    for text in ("Du bist dran", "Prüfe deine Felder", "komm zu dir", "Seid ihr bereit? Wir sehen euch."):
        assert INFORMAL_GERMAN.search(text), text
    for text in ("Sie dürfen", "Durchsage", "Dienstag", "Ihr Name", "direkt", "Teuer"):
        assert not INFORMAL_GERMAN.search(text), text
