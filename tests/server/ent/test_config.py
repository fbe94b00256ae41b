"""The TOML file listing the ENTs."""

from __future__ import annotations

from pathlib import Path

import pytest

from cybercollege.server.auth.ent.config import CasConfig, EntConfigError, OidcConfig, SamlConfig, load_ents

SSO_DOC = Path(__file__).parents[3] / "docs" / "sso.md"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ents.toml"
    path.write_text(text, "utf-8")
    return path


def test_the_guide_step_by_step_files_load(tmp_path):
    blocks = [b.split("```", 1)[0] for b in SSO_DOC.read_text("utf-8").split("```toml\n")[1:]]
    files = [b for b in blocks if b.startswith("# ent/ent.toml")]
    ents = [load_ents(write(tmp_path, b))[0] for b in files]
    assert [type(e) for e in ents] == [CasConfig, OidcConfig, SamlConfig]
    assert ents[0].cas_version == 3
    assert isinstance(ents[2], SamlConfig) and ents[2].sp_key_file.is_absolute()


def test_several_ents_with_defaults(tmp_path):
    ents = load_ents(
        write(
            tmp_path,
            """
[[ent]]
id = "laclasse"
name = "Laclasse"
protocol = "cas"
server_url = "https://www.laclasse.com/sso"

[[ent]]
id = "monent"
name = "Mon ENT"
protocol = "oidc"
issuer = "https://ent.example/"
client_id = "cybercollege"
client_secret_env = "MONENT_SECRET"
""",
        )
    )
    assert [e.id for e in ents] == ["laclasse", "monent"]
    assert ents[0].allow_parents is False and ents[0].timeout_seconds == 10
    assert ents[1].scopes == ("openid", "profile")


def test_secret_from_environment(tmp_path, monkeypatch):
    ent = OidcConfig(
        id="o", name="O", protocol="oidc", issuer="https://i/", client_id="c", client_secret_env="S"
    )
    monkeypatch.setenv("S", "from-env")
    assert ent.secret() == "from-env"
    monkeypatch.delenv("S")
    with pytest.raises(EntConfigError, match="S is not set"):
        ent.secret()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[ent]]\nid = "a"\nname = "A"\nprotocol = "ldap"\n', "protocol"),
        ('[[ent]]\nid = "a"\nname = "A"\nprotocol = "cas"\n', "server_url"),
        ('[[ent]]\nid = "a"\nname = "A"\nprotocol = "cas"\nserver_url = "ftp://x"\n', "server_url"),
        ('[[ent]]\nid = "A B"\nname = "A"\nprotocol = "cas"\nserver_url = "https://x"\n', "id"),
        ('[[ent]]\nid = "a"\nname = "A"\nprotocol = "cas"\nserver_url = "https://x"\nrenw = true\n', "renw"),
        ('[[ent]]\nid = "a"\nname = "A"\nprotocol = "cas"\nserver_url = "https://x"\n' * 2, "duplicate"),
        (
            '[[ent]]\nid = "o"\nname = "O"\nprotocol = "oidc"\nissuer = "https://i"\nclient_id = "c"\n',
            "secret",
        ),
        ("[[ent]\n", "invalid TOML"),
    ],
)
def test_invalid_files_say_what_is_wrong(tmp_path, text, message):
    with pytest.raises(EntConfigError, match=message):
        load_ents(write(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(EntConfigError, match="cannot read"):
        load_ents(tmp_path / "nope.toml")


EXAMPLES = sorted((Path(__file__).parents[3] / "docs" / "ent-examples").glob("*.toml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_the_documented_example_files_are_valid(example):
    from cybercollege.server.auth.ent.config import load_ents

    (ent,) = load_ents(example)
    assert ent.id and ent.name


def test_every_documented_example_is_listed_in_the_guide():
    guide = (Path(__file__).parents[3] / "docs" / "sso.md").read_text()
    assert len(EXAMPLES) >= 8
    assert all(f"ent-examples/{p.name}" in guide for p in EXAMPLES)
