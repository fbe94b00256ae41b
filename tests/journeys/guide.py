"""The ENT administrator's guide (docs/sso.md) as steps a test can follow in order.

Each step is marked in the guide by an HTML comment ``<!-- journey PROTOCOL [KIND] -->`` followed by a fenced
block (none for ``at-the-ent``). Kinds: ``file`` (a TOML block whose first line ``# path`` names the file to
write), ``run`` (the default: shell commands), ``serve`` (the server, started in the background), ``try``
(the one-login check, which opens the system browser), ``at-the-ent`` (the ENT's administrator's part).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "sso.md"
_STEP = re.compile(r"<!-- journey (\w+)(?: ([\w-]+))? -->\n(?:[^`<]*?```\w*\n(.*?)```)?", re.S)


@dataclass(frozen=True)
class Step:
    kind: str
    text: str  # the block's content ("" for at-the-ent)

    def substituted(self, substitutions: dict[str, str]) -> str:
        """The block with the guide's placeholders replaced (longest first, so prefixes do not clash)."""
        text = self.text
        for placeholder in sorted(substitutions, key=len, reverse=True):
            text = text.replace(placeholder, substitutions[placeholder])
        return text


def steps(protocol: str, guide: Path = GUIDE) -> list[Step]:
    """The steps of ``protocol`` (``cas``, ``oidc``, ``saml``), in the guide's order."""
    found = []
    for match in _STEP.finditer(guide.read_text("utf-8")):
        if match.group(1) != protocol:
            continue
        kind = match.group(2) or "run"
        body = "" if kind == "at-the-ent" else (match.group(3) or "")
        found.append(Step(kind, body))
    return found
