"""The portal in a real browser: axe-core's WCAG 2.1 AA check, at desktop and phone sizes, and CSP reports.

axe-core is pinned in tests/journeys/axe/package.json (MPL-2.0) and installed with ``npm ci`` on first use, as the
OpenID Connect test provider is (tests/idp/oidc_provider.py). It is injected with ``page.evaluate``, which the
page's Content-Security-Policy does not apply to: the page itself keeps its strict policy during the test.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent / "axe"
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}


def ensure_installed() -> Path:
    """``npm ci`` unless node_modules holds the pinned axe-core (a file lock serialises installs)."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed by the portal's accessibility check: apt-get install -y nodejs npm")
    pinned = json.loads((HERE / "package.json").read_text())["dependencies"]["axe-core"]
    installed = HERE / "node_modules" / "axe-core" / "package.json"
    with (Path(tempfile.gettempdir()) / "cybercollege-axe-npm.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (installed.exists() and json.loads(installed.read_text())["version"] == pinned):
            done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True,
                                  timeout=300)  # fmt: skip
            if done.returncode != 0:
                raise RuntimeError(f"npm ci failed in {HERE}:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    return AXE


async def violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(ensure_installed().read_text(encoding="utf-8") + "\n;true")
    result = await page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))",
        TAGS,
    )
    return list(result)


async def assert_accessible(page: Any, shots: Path, name: str) -> None:
    """No violation at desktop size, then at phone size (with a screenshot of each), and no page wider than the
    phone (nothing to scroll sideways)."""
    for size, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
        await page.set_viewport_size(size)
        await page.screenshot(path=str(shots / f"{name}-{label}.png"), full_page=True)
        found = await violations(page)
        assert found == [], f"{name} ({label}): axe finds WCAG 2.1 AA violations: {json.dumps(found, indent=1)}"
        if label == "phone":
            width = await page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= size["width"], f"{name}: the page is {width} px wide on a {size['width']} px phone"
    await page.set_viewport_size(DESKTOP)


def csp_reports(page: Any) -> list[str]:
    """Collects the console's Content-Security-Policy refusals of ``page`` (the test asserts the list stays empty)."""
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else None)
    return found
