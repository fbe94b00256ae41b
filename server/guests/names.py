"""Guest names that cannot impersonate: no teacher's title, no name that looks like a member of the school.

Names are compared by a *skeleton* (after Unicode's confusable detection, UTS #39, in small): compatibility
forms folded (NFKC: full-width "Ｍme" is "Mme"), case folded, Cyrillic and Greek look-alikes mapped to Latin
("Lеa" with a Cyrillic е is "lea"), accents dropped, only letters and single spaces kept.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

LOOK_ALIKES = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l",
    "ԛ": "q", "ԝ": "w", "ɡ": "g",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ω": "w", "μ": "m",
    # others
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ß": "ss",
})  # fmt: skip

TITLES = frozenset({
    "prof", "professeur", "professeure", "madame", "monsieur", "mme", "mlle", "mademoiselle", "m", "mr", "mrs",
    "ms", "miss", "sir", "dr", "docteur", "directeur", "directrice", "principal", "principale", "cpe",
    "enseignant", "enseignante", "maitre", "maitresse", "herr", "frau", "lehrer", "lehrerin", "professor",
    "professorin", "teacher", "senor", "senora", "profesor", "profesora", "signor", "signora", "professore",
    "professoressa",
})  # fmt: skip
"""Titles (skeletons): with a member's name, they make a guest look like one of the school's adults."""


def skeleton(text: str) -> str:
    """What a name looks like, for comparison (see the module's docstring)."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(LOOK_ALIKES)
    bare = "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))
    words = "".join(c if c.isalpha() else " " for c in bare).split()
    return " ".join(words)


def impersonation(name: str, members: Iterable[str]) -> str | None:
    """Why ``name`` may not be a guest's name (in French, for the guest), or None.

    ``members``: the display names of the school's people the server knows (connected, in the directory). A
    name is refused when it looks like one of them: the same name ("Claire Durand", "Clаire Durand"), a title
    with a member's name ("Professeur Durand", "Ｍme Ｄurand"), or a pupil's first name and initial spelled
    out ("Lеa Martin" for "Léa M."). A partner teacher's own title and name ("Frau Schmidt") is fine.
    """
    words = skeleton(name).split()
    core = [w for w in words if w not in TITLES]
    titled = len(core) < len(words)
    for member in members:
        other = skeleton(member).split()
        if not other or not core:
            continue
        initial = len(other) == 2 and len(other[1]) == 1
        if (
            core == other
            or (titled and set(core) <= set(other))
            or (initial and len(core) >= 2 and core[0] == other[0] and core[1].startswith(other[1]))
        ):
            return "Ce nom ressemble à celui d'une personne du collège : choisissez votre prénom."
    return None
