"""ENT configuration: one TOML file listing every ENT the college accepts (see docs/sso.md)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

EntId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")]
Url = Annotated[str, Field(pattern=r"^https?://[^\s?#]+$", max_length=500)]


class EntConfigError(ValueError):
    """The ENT configuration file is missing or invalid; the message says where."""


class _EntBase(BaseModel):
    """Settings shared by every protocol."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: EntId
    name: str = Field(min_length=1, max_length=120)
    allow_parents: bool = False
    default_uai: str | None = Field(default=None, pattern=r"^\d{7}[A-Z]$")
    timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    max_response_bytes: int = Field(default=256 * 1024, ge=1024, le=16 * 1024 * 1024)
    id_attribute: str | None = Field(default=None, min_length=1, max_length=100)
    separator: str = Field(default=";", max_length=3)  # values packed into one attribute value; "": never split
    visiting_roles: tuple[Literal["teacher", "staff"], ...] = ()
    """Roles this ENT signs in from schools that are not the collège's (the rectorat's staff): visitors, who enter
    open rooms only and have no teacher's or staff's rights there (docs/sso.md)."""


class CasConfig(_EntBase):
    """An ENT speaking CAS 2.0 or 3.0."""

    protocol: Literal["cas"]
    server_url: Url
    cas_version: Literal[2, 3] = 3
    renew: bool = False
    gateway: bool = False


class OidcConfig(_EntBase):
    """An ENT speaking OpenID Connect (authorization code + PKCE)."""

    protocol: Literal["oidc"]
    issuer: Url
    client_id: str = Field(min_length=1)
    client_secret: str | None = None
    client_secret_env: str | None = None
    scopes: tuple[str, ...] = ("openid", "profile")
    token_auth: Literal["client_secret_basic", "client_secret_post"] = "client_secret_basic"
    use_userinfo: bool = True

    @model_validator(mode="after")
    def _one_secret(self) -> OidcConfig:
        if (self.client_secret is None) == (self.client_secret_env is None):
            raise ValueError("give exactly one of client_secret and client_secret_env")
        if "openid" not in self.scopes:
            raise ValueError("scopes must include 'openid'")
        return self

    def secret(self) -> str:
        """The client secret, read from the environment when ``client_secret_env`` is set."""
        if self.client_secret is not None:
            return self.client_secret
        value = os.environ.get(self.client_secret_env or "")
        if not value:
            raise EntConfigError(f"ENT {self.id}: environment variable {self.client_secret_env} is not set")
        return value


class SamlConfig(_EntBase):
    """A SAML 2 identity provider (EduConnect, GAR...)."""

    protocol: Literal["saml"]
    idp_metadata_file: Path
    sp_key_file: Path
    sp_cert_file: Path
    sp_entity_id: str | None = None
    xmlsec_binary: Path | None = None
    allow_sha1: bool = False  # accept RSA-SHA1 / SHA-1 signatures from an old IdP (logged as a warning)
    clock_skew_seconds: int = Field(default=180, ge=0, le=600)


EntConfig = Annotated[CasConfig | OidcConfig | SamlConfig, Field(discriminator="protocol")]


class _EntFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ent: list[EntConfig] = Field(default_factory=list)


def parse_ents(data: dict, base_dir: Path | None = None) -> list[EntConfig]:
    """Validate a decoded configuration; relative SAML file paths are resolved against ``base_dir``."""
    try:
        ents = _EntFile.model_validate(data).ent
    except ValidationError as exc:
        raise EntConfigError(_describe(exc)) from None
    ids = [e.id for e in ents]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise EntConfigError(f"duplicate ENT id: {', '.join(duplicates)}")
    if base_dir is not None:
        ents = [_resolve_paths(e, base_dir) for e in ents]
    return ents


def load_ents(path: Path | str) -> list[EntConfig]:
    """Read and validate the TOML file listing the ENTs; raises :class:`EntConfigError`."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise EntConfigError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise EntConfigError(f"{path}: invalid TOML: {exc}") from None
    return parse_ents(data, path.parent)


def _resolve_paths(ent: EntConfig, base: Path) -> EntConfig:
    if not isinstance(ent, SamlConfig):
        return ent
    fields = ("idp_metadata_file", "sp_key_file", "sp_cert_file")
    return ent.model_copy(update={f: base / getattr(ent, f) for f in fields})


def _describe(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        lines.append(f"{where}: {err['msg']}")
    return "invalid ENT configuration: " + "; ".join(lines)
