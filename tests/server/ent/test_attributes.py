"""Attribute mapping over canned ENT answers and the shapes real ENTs send."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cybercollege.server.auth.ent.attributes import MappingPolicy, flatten, identity_from_attributes
from cybercollege.server.auth.ent.cas import parse_validation
from cybercollege.server.auth.ent.errors import LoginError
from cybercollege.server.core.identity import Role

RESPONSES = Path(__file__).parent / "responses"


def cas_attributes(name: str):
    success = parse_validation((RESPONSES / name).read_bytes())
    return success.user, success.as_mapping()


def test_nested_cas3_answer_gives_a_pupil_of_her_school():
    user, attrs = cas_attributes("cas3-laclasse-nested.xml")
    identity = identity_from_attributes("laclasse", attrs, user=user)
    assert identity.user_id == "laclasse:AC-LYON$1234567"
    assert identity.role is Role.PUPIL
    assert identity.display_name == "Léa M."
    assert identity.school_uai == "0691234X"
    assert identity.classes == ("4A",)  # the class of another school is left out
    assert identity.groups == ("4A-LATIN",)
    assert identity.source == "laclasse"


def test_cas_attribute_elements_with_local_profile_form():
    user, attrs = cas_attributes("cas2-attribute-elements.xml")
    identity = identity_from_attributes("ent69", attrs, user=user)
    assert identity.user_id == "ent69:claire.durand"  # no jointure: the CAS user
    assert identity.role is Role.TEACHER
    assert identity.display_name == "Claire Durand"
    assert identity.school_uai == "0690078K"  # from "ENS:0690078K"
    assert identity.classes == ("6A", "5B")


def test_nested_oidc_claims_with_siren_and_duplicates():
    claims = json.loads((RESPONSES / "oidc-claims-nested.json").read_text())
    identity = identity_from_attributes("monent", claims, user=claims["sub"])
    assert identity.user_id == "monent:AC-LYON$7654321"
    assert identity.display_name == "Hugo M."
    assert identity.school_uai == "0690078K"
    assert identity.classes == ("5B",)


def test_same_attribute_at_top_level_and_in_container_is_not_doubled():
    attrs = {"ENTPersonProfils": "National_ENS", "attributes": {"entpersonprofils": ["National_ENS"]}}
    assert flatten(attrs)["entpersonprofils"] == ["National_ENS"]


@pytest.mark.parametrize(
    ("profile", "role"),
    [
        ("National_ELV", Role.PUPIL),
        ("National_elv", Role.PUPIL),
        ("ELV", Role.PUPIL),
        ("National_ENS", Role.TEACHER),
        ("National_DOC", Role.TEACHER),
        ("National_DIR", Role.STAFF),
        ("National_EVS", Role.STAFF),
        ("National_ETA", Role.STAFF),
        ("National_COL", Role.STAFF),
        ("ens:0690078K", Role.TEACHER),
    ],
)
def test_profiles_map_to_roles(profile, role):
    identity = identity_from_attributes("e", {"uid": "u1", "ENTPersonProfils": profile})
    assert identity.role is role


def test_most_capable_profile_wins_when_multi_valued():
    attrs = {"uid": "u1", "ENTPersonProfils": ["National_TUT", "National_ENS"]}
    assert identity_from_attributes("e", attrs).role is Role.TEACHER


def test_parents_are_refused_in_french_by_default():
    with pytest.raises(LoginError) as refused:
        identity_from_attributes("e", {"uid": "p1", "ENTPersonProfils": "National_TUT"})
    assert refused.value.code == "parent_refused"
    assert refused.value.status == 403
    assert "parents" in refused.value.message


def test_parents_can_be_admitted_as_guests_when_configured():
    attrs = {"uid": "p1", "ENTPersonProfils": "National_TUT", "givenName": "Paul", "sn": "Dupont"}
    identity = identity_from_attributes("e", attrs, policy=MappingPolicy(allow_parents=True))
    assert identity.role is Role.GUEST
    assert identity.display_name == "Paul Dupont"


def test_unknown_or_missing_profile_is_refused():
    for attrs in ({"uid": "x"}, {"uid": "x", "ENTPersonProfils": "National_XYZ"}):
        with pytest.raises(LoginError) as refused:
            identity_from_attributes("e", attrs)
        assert refused.value.code == "unknown_profile"


def test_no_identifier_at_all_is_refused():
    with pytest.raises(LoginError) as refused:
        identity_from_attributes("e", {"ENTPersonProfils": "National_ELV"})
    assert refused.value.code == "no_user_id"


def test_default_uai_when_the_ent_sends_none():
    attrs = {"uid": "u", "ENTPersonProfils": "National_ELV", "ENTEleveClasses": "3C"}
    identity = identity_from_attributes("e", attrs, policy=MappingPolicy(default_uai="0699990Z"))
    assert identity.school_uai == "0699990Z"
    assert identity.classes == ("3C",)


def test_pupil_names_from_display_name_only_keep_an_initial():
    attrs = {"uid": "u", "ENTPersonProfils": "National_ELV", "displayName": "Inès Fournier"}
    assert identity_from_attributes("e", attrs).display_name == "Inès F."


def test_user_id_is_stable_between_logins():
    attrs = {"ENTPersonJointure": "AC-LYON$42", "uid": "changes", "ENTPersonProfils": "National_ELV"}
    first = identity_from_attributes("ent", attrs, user="session-1")
    again = identity_from_attributes("ent", {**attrs, "uid": "other"}, user="session-2")
    assert first.user_id == again.user_id == "ent:AC-LYON$42"


def test_configured_id_attribute_replaces_jointure():
    attrs = {"FrEduCtId": "EC-123", "ENTPersonJointure": "AC$1", "ENTPersonProfils": "National_ELV"}
    identity = identity_from_attributes("educ", attrs, policy=MappingPolicy(id_attribute="FrEduCtId"))
    assert identity.user_id == "educ:EC-123"
