"""CAS 2.0 / 3.0 client: login URL, ticket validation (serviceValidate, p3/serviceValidate), single logout.

XML is parsed with defusedxml (no DTD, no entities); the response size is bounded by :class:`EntHttp`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from cybercollege.server.auth.ent.config import CasConfig
from cybercollege.server.auth.ent.errors import EntUnavailable, LoginError, code_part
from cybercollege.server.auth.ent.http import EntHttp

CAS_NS = "{http://www.yale.edu/tp/cas}"
SAMLP_NS = "{urn:oasis:names:tc:SAML:2.0:protocol}"
_STRUCTURE = {"user", "attributes", "proxyGrantingTicket", "proxies"}

TICKET_REFUSED = "Votre connexion ENT n'a pas pu être vérifiée (ticket refusé ou expiré). Recommencez la connexion."


@dataclass(frozen=True, slots=True)
class CasSuccess:
    """A validated ticket: the CAS user and its attributes as ``[(name, value), ...]``."""

    user: str
    attributes: list[tuple[str, str]]

    def as_mapping(self) -> dict[str, list[str]]:
        """Attributes grouped by name, in order (the input of :func:`attributes.flatten`)."""
        grouped: dict[str, list[str]] = {}
        for name, value in self.attributes:
            grouped.setdefault(name, []).append(value)
        return grouped


def login_url(cfg: CasConfig, service: str, *, gateway: bool | None = None) -> str:
    """Where to send the browser; ``gateway`` overrides the configured value."""
    params = {"service": service}
    if cfg.renew:
        params["renew"] = "true"
    elif cfg.gateway if gateway is None else gateway:
        params["gateway"] = "true"
    return f"{cfg.server_url.rstrip('/')}/login?{urlencode(params)}"


def validate_url(cfg: CasConfig, ticket: str, service: str) -> str:
    """The validation URL: ``/p3/serviceValidate`` (CAS 3) or ``/serviceValidate`` (CAS 2)."""
    path = "/p3/serviceValidate" if cfg.cas_version == 3 else "/serviceValidate"
    params = {"service": service, "ticket": ticket}
    if cfg.renew:
        params["renew"] = "true"
    return f"{cfg.server_url.rstrip('/')}{path}?{urlencode(params)}"


async def validate(http: EntHttp, cfg: CasConfig, ticket: str, service: str) -> CasSuccess:
    """Validate ``ticket`` for exactly ``service`` (byte-identical to the one sent at login)."""
    if not ticket.startswith("ST-") or len(ticket) > 256:
        raise LoginError("cas_bad_ticket", TICKET_REFUSED)
    url = validate_url(cfg, ticket, service)
    reply = await http.request("GET", url, timeout=cfg.timeout_seconds, max_bytes=cfg.max_response_bytes)
    if reply.status != 200:
        raise EntUnavailable(f"cas_http_{reply.status}")
    if cfg.renew and reply.body.strip() == b"no":
        raise LoginError("cas_renew_refused", TICKET_REFUSED)
    return parse_validation(reply.body)


def parse_validation(body: bytes) -> CasSuccess:
    """The user and attributes of a ``cas:serviceResponse``; :class:`LoginError` for a failure answer."""
    root = _parse(body, "cas_bad_xml")
    if root.tag != f"{CAS_NS}serviceResponse":
        raise EntUnavailable("cas_bad_xml")
    failure = root.find(f"{CAS_NS}authenticationFailure")
    if failure is not None:
        raise LoginError(f"cas_{code_part(failure.get('code', ''))}", TICKET_REFUSED)
    success = root.find(f"{CAS_NS}authenticationSuccess")
    user = success.findtext(f"{CAS_NS}user", "").strip() if success is not None else ""
    if success is None or not user:
        raise EntUnavailable("cas_bad_xml")
    attributes: list[tuple[str, str]] = []
    for child in success:
        name = _local(child.tag)
        if name == "attributes":
            _collect(child, attributes)
        elif name not in _STRUCTURE:
            _collect_one(child, attributes)
    return CasSuccess(user, attributes)


def parse_logout_request(body: str | bytes) -> str | None:
    """The ``SessionIndex`` (our service ticket) of a CAS ``samlp:LogoutRequest``, or ``None``."""
    try:
        root = _parse(body, "cas_bad_logout")
    except EntUnavailable:
        return None
    if root.tag != f"{SAMLP_NS}LogoutRequest":
        return None
    index = root.findtext(f"{SAMLP_NS}SessionIndex")
    return index.strip() if index and index.strip() else None


def _parse(body: str | bytes, code: str) -> Element:
    try:
        return fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise EntUnavailable(code) from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _collect(container: Element, out: list[tuple[str, str]]) -> None:
    for child in container:
        _collect_one(child, out)


def _collect_one(elem: Element, out: list[tuple[str, str]]) -> None:
    """``<cas:x>v</cas:x>``, ``<cas:attribute name="x" value="v"/>``, or a container of those."""
    name = _local(elem.tag)
    if name == "attribute" and elem.get("name") is not None:
        out.append((elem.get("name", ""), elem.get("value", elem.text or "")))
    elif len(elem):
        _collect(elem, out)
    elif elem.text and elem.text.strip():
        out.append((name, elem.text.strip()))
