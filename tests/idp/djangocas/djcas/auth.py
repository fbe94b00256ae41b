"""``CAS_AUTH_CLASS``: Django's password check, and the attributes of tests/idp/people.py."""

from __future__ import annotations

from cas_server.auth import DjangoAuthUser

from tests.idp.people import EVERYONE, Person, packed

PEOPLE = {person.login: person for person in EVERYONE}
REPEATED = {"ENTAuxEnsClasses", "ENTEleveClasses"}  # one <cas:X> element per value
PACKED = {"ENTPersonProfils"}  # all values in one element, joined with ";"


def released(person: Person) -> dict[str, str | list[str]]:
    """``person.sdet()`` in django-cas-server's shapes: a list is sent as repeated elements."""
    out: dict[str, str | list[str]] = {}
    for name, values in person.sdet().items():
        out[name] = list(values) if name in REPEATED else packed(values, ";") if name in PACKED else values[0]
    return out


class PeopleAuthUser(DjangoAuthUser):
    """Users of Django's auth table (created with people.py's passwords); attributes from people.py."""

    def attributs(self) -> dict[str, str | list[str]]:
        person = PEOPLE.get(self.username) if self.user else None
        return released(person) if person else {}
