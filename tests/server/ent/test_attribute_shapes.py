"""Every shape of SDET attributes real ENTs send (docs/sso.md §Attributes), mapped to the same identity.

The first cases are the ones that refused a teacher of a LemonLDAP::NG ENT: several values joined into one
string by its ``multiValuesSeparator`` (``; ``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cybercollege.server.auth.ent.attributes import MappingPolicy, identity_from_attributes
from cybercollege.server.auth.ent.cas import parse_validation
from cybercollege.server.auth.ent.config import parse_ents
from cybercollege.server.auth.ent.errors import LoginError
from cybercollege.server.core.identity import Role

RESPONSES = Path(__file__).parent / "responses"


def from_cas(name: str, policy: MappingPolicy | None = None):
    success = parse_validation((RESPONSES / name).read_bytes())
    return identity_from_attributes("ent", success.as_mapping(), user=success.user, policy=policy)


def test_lemonldap_packed_profiles_and_classes_give_a_teacher_with_her_classes():
    identity = from_cas("cas3-lemonldap-packed.xml")
    assert identity.role is Role.TEACHER
    assert identity.school_uai == "0150042X"
    assert identity.classes == ("3EME B", "4EME A")  # 5C belongs to another school
    assert identity.display_name == "Marie-Éléonore Durand"  # ENTPersonPrenom/ENTPersonNom, not cn


@pytest.mark.parametrize("separator", [";", "; "])
def test_packed_values_are_split_with_or_without_a_space(separator):
    attrs = {
        "uid": "t1",
        "ENTPersonProfils": separator.join(["National_ENS", "ENS:0150042X"]),
        "ENTAuxEnsClasses": separator.join(["0150042X$3EME B", "0150042X$4EME A"]),
    }
    identity = identity_from_attributes("e", attrs)
    assert (identity.role, identity.school_uai, identity.classes) == (Role.TEACHER, "0150042X", ("3EME B", "4EME A"))


def test_a_per_ent_separator_replaces_the_default():
    attrs = {
        "uid": "t1",
        "ENTPersonProfils": "National_ENS,National_DIR",
        "ENTAuxEnsClasses": "0150042X$4A,0150042X$3C",
    }
    identity = identity_from_attributes("e", attrs, policy=MappingPolicy(separator=","))
    assert identity.role is Role.TEACHER
    assert identity.classes == ("4A", "3C")


def test_the_separator_is_a_documented_ent_option():
    (cas,) = parse_ents(
        {"ent": [{"id": "e", "name": "E", "protocol": "cas", "server_url": "https://x", "separator": "|"}]}
    )
    assert cas.separator == "|"


def test_packed_local_profiles_dir_and_ens():
    identity = identity_from_attributes("e", {"uid": "u", "ENTPersonProfils": "DIR:0150042X;ENS:0150042X"})
    assert identity.role is Role.TEACHER  # the most capable role: a head who teaches gets the teacher tools
    assert identity.school_uai == "0150042X"


def test_a_pupil_known_only_by_cn_never_shows_her_family_name():
    identity = from_cas("cas3-pupil-cn-only.xml")
    assert identity.role is Role.PUPIL  # "National_elv" at top level, outside cas:attributes
    assert identity.classes == ("4EME A",)  # from <cas:attribute name= value=>
    assert identity.display_name == "Zoé É."


@pytest.mark.parametrize(
    ("cn", "shown"),
    [("ÉCUYER Zoé", "Zoé É."), ("Zoé Écuyer", "Zoé É."), ("DE LA FONTAINE Jean", "Jean D."), ("ÉCUYER", "Élève")],
)
def test_full_names_are_split_the_french_way(cn, shown):
    assert identity_from_attributes("e", {"uid": "u", "profil": "National_ELV", "cn": cn}).display_name == shown


def test_teacher_name_written_in_capitals_is_shown_in_title_case():
    attrs = {
        "uid": "u",
        "ENTPersonProfils": "National_ENS",
        "ENTPersonNom": "LEFÈVRE-DUBŒUF",
        "ENTPersonPrenom": "Hélène",
    }
    assert identity_from_attributes("e", attrs).display_name == "Hélène Lefèvre-Dubœuf"


def test_openid_connect_given_and_family_claims():
    claims = {
        "sub": "s",
        "ENTPersonProfils": ["National_ELV"],
        "given_name": "Inès",
        "family_name": "Fournier",
        "name": "FOURNIER Inès",
    }
    assert identity_from_attributes("e", claims, user="s").display_name == "Inès F."


@pytest.mark.parametrize(
    ("category", "role"),
    [
        ("National_1", Role.PUPIL),
        ("National_3", Role.TEACHER),
        ("National_4", Role.STAFF),
        ("National_5", Role.STAFF),
        ("National_6", Role.STAFF),
        ("National_7", Role.STAFF),
    ],
)
def test_pronote_numbered_categories(category, role):
    assert identity_from_attributes("e", {"uid": "u", "categories": category}).role is role


def test_pronote_parent_category_is_refused():
    with pytest.raises(LoginError) as refused:
        identity_from_attributes("e", {"uid": "u", "categories": "National_2"})
    assert refused.value.code == "parent_refused"


def test_educonnect_vecteur_of_a_pupil():
    attrs = {"sub": "ec-1", "FrEduVecteur": "4|ÉCUYER|Zoé|1234567|0150042X"}
    identity = identity_from_attributes("educonnect", attrs, user="ec-1")
    assert (identity.role, identity.school_uai, identity.display_name) == (Role.PUPIL, "0150042X", "Zoé É.")


def test_educonnect_vecteur_of_a_legal_guardian_is_refused():
    with pytest.raises(LoginError) as refused:
        identity_from_attributes("e", {"sub": "ec-2", "FrEduVecteur": "2|GARCIA|Paulette|1234567|0150042X"}, user="x")
    assert refused.value.code == "parent_refused"


def test_gar_attributes():
    attrs = {
        "IDO": "gar-opaque-42",
        "PRE": "Hugo",
        "NOM": "Moreau",
        "GARPersonProfils": "National_ens",
        "GARPersonStructRattach": "0690078K",
    }
    identity = identity_from_attributes("gar", attrs)
    assert identity.user_id == "gar:gar-opaque-42"
    assert (identity.role, identity.school_uai, identity.display_name) == (Role.TEACHER, "0690078K", "Hugo Moreau")


def test_agents_sso_fredurne_and_title():
    attrs = {
        "uid": "hmoreau",
        "title": "ENS",
        "FrEduRne": "0150042X$UAJ$PU$N$T3$LYC$340",
        "givenName": "Hugo",
        "sn": "Moreau",
    }
    identity = identity_from_attributes("arena", attrs)
    assert (identity.role, identity.school_uai) == (Role.TEACHER, "0150042X")


def test_repeated_nested_and_duplicated_values_together():
    attrs = {
        "uid": "t",
        "ENTPersonProfils": ["National_ENS", "National_ENS; ENS:0150042X"],
        "attributes": [{"ENTAuxEnsClasses": ["0150042X$4A"]}, {"ENTAuxEnsClasses": "0150042X$4A;0150042X$3C"}],
    }
    identity = identity_from_attributes("e", attrs)
    assert identity.classes == ("4A", "3C")
