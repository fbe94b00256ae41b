"""The people every test identity provider knows, and what Cybercollège must make of them.

Each provider fixture (LemonLDAP::NG, SimpleSAMLphp, django-cas-server, node oidc-provider) releases these
people's SDET attributes in its own shapes — several values packed into one string (``;`` or ``; ``),
repeated values, local profile forms (``ENS:UAI``) — and the interop tests and journeys check that each comes
out with the same role, school, classes and display name.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHOOL_UAI = "0699990Z"
OTHER_UAI = "0150042X"  # a second school of the teacher: its classes must not be taken for ours


@dataclass(frozen=True, slots=True)
class Person:
    """One account of the test directory and the identity expected from it (``role`` None: refused)."""

    login: str
    given: str
    family: str
    profiles: tuple[str, ...]  # ENTPersonProfils values, as ENTs write them
    classes: tuple[str, ...]  # ENTEleveClasses (pupil) or ENTAuxEnsClasses (teacher), "UAI$code"
    role: str | None
    display_name: str
    expected_classes: tuple[str, ...] = ()
    school: str = SCHOOL_UAI

    @property
    def password(self) -> str:
        return f"{self.login}-Mdp2026"

    @property
    def cn(self) -> str:
        """``cn`` as many ENTs send it: FAMILY NAME first, upper-cased (never to be shown for a pupil)."""
        return f"{self.family.upper()} {self.given}"

    @property
    def jointure(self) -> str:
        return f"AAF-{self.login.upper()}"

    def sdet(self) -> dict[str, list[str]]:
        """The SDET attributes, one list of values each (a provider packs or repeats them as it does)."""
        attrs = {
            "uid": [self.login],
            "ENTPersonJointure": [self.jointure],
            "ENTPersonProfils": list(self.profiles),
            "ENTPersonStructRattach": [self.school],
            "ENTPersonNom": [self.family],
            "ENTPersonPrenom": [self.given],
            "cn": [self.cn],
            "mail": [f"{self.login}@ac-test.fr"],
        }
        if self.classes:
            key = "ENTEleveClasses" if self.role == "pupil" else "ENTAuxEnsClasses"
            attrs[key] = list(self.classes)
        return attrs


TEACHER = Person(
    "hlefevre",
    "Hélène",
    "Lefèvre-Dubœuf",
    ("National_ENS", f"ENS:{SCHOOL_UAI}"),
    (f"{SCHOOL_UAI}$4A", f"{SCHOOL_UAI}$3C", f"{OTHER_UAI}$3EME B"),
    "teacher",
    "Hélène Lefèvre-Dubœuf",
    ("4A", "3C"),
)
PUPIL = Person("zecuyer", "Zoé", "Écuyer", ("National_ELV",), (f"{SCHOOL_UAI}$4A",), "pupil", "Zoé É.", ("4A",))
STAFF = Person("jbrun", "Jérôme", "Brun", ("National_DIR", f"DIR:{SCHOOL_UAI}"), (), "staff", "Jérôme Brun")
PARENT = Person("pgarcia", "Paulette", "García", ("National_TUT",), (), None, "")

EVERYONE = (TEACHER, PUPIL, STAFF, PARENT)
B_UAI = "0750002B"
B_TEACHER = Person(
    "vhugo", "Victor", "Hugo", ("National_ENS", f"ENS:{B_UAI}"), (f"{B_UAI}$4A",), "teacher", "Victor Hugo", ("4A",),
    school=B_UAI,
)
"""A teacher of another school, collège B's (tests/journeys/test_two_colleges.py): not one of ``EVERYONE``."""
NO_COLLEGE_UAI = "0330099W"
NO_COLLEGE_PUPIL = Person(
    "lmartin", "Lucas", "Martin", ("National_ELV",), (), "pupil", "Lucas M.", school=NO_COLLEGE_UAI
)
"""A pupil of a school that has no collège on the platform (tests/journeys/test_departement.py)."""


def packed(values: list[str], separator: str = ";") -> str:
    """Several values in one string, as LemonLDAP::NG (``; ``) and many CAS servers send them."""
    return separator.join(values)
