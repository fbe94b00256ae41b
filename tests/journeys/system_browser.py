"""The "system browser" of the journeys: what ``webbrowser.open`` starts when ``BROWSER`` names this module.

A person's browser: Debian's Chromium (headless, driven by Playwright) opens the URL the application gave,
picks the ENT on our page if asked, types the person's login and password on the identity provider's
own page, and stays until the application's loopback page says the login is done. A screenshot of every
step goes to ``$JOURNEY_SHOTS``. Exit status 0 when the application's page was reached.

Environment: ``JOURNEY_PROVIDER`` (a key of tests/journeys/providers.py), ``JOURNEY_PERSON`` (a login of
tests/idp/people.py), ``JOURNEY_ENT_NAME`` (the button to click on our ENT list, if it shows),
``JOURNEY_SHOTS`` (a folder).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.idp import people
from tests.idp.chromium import chromium
from tests.journeys.providers import BY_KEY

TIMEOUT_MS = 30_000


def browser_command() -> str:
    """The ``BROWSER`` value that makes ``webbrowser.open(url)`` run this module on ``url``."""
    return f"{sys.executable} -m tests.journeys.system_browser %s"


async def browse(url: str) -> int:
    provider = BY_KEY[os.environ["JOURNEY_PROVIDER"]]
    person = next(p for p in people.EVERYONE if p.login == os.environ["JOURNEY_PERSON"])
    shots = Path(os.environ.get("JOURNEY_SHOTS", "."))
    shots.mkdir(parents=True, exist_ok=True)
    async with chromium() as context:
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        await page.goto(url)
        if "/auth/login" in page.url:  # our list of ENTs: pick ours, as a person would
            await page.screenshot(path=str(shots / "browser-1-ent-list.png"))
            await page.get_by_role("link", name=f"Se connecter avec {os.environ['JOURNEY_ENT_NAME']}").click()
        await page.wait_for_load_state()
        await page.screenshot(path=str(shots / "browser-2-identity-provider.png"))
        await provider.sign_in(page, person)
        try:
            await page.wait_for_url("http://127.0.0.1:*/cb?*")
            await page.wait_for_load_state()
            status = 0
        except Exception:  # Playwright's TimeoutError: our refusal page, or the IdP's
            status = 1
        await page.screenshot(path=str(shots / "browser-3-back-in-the-application.png"))
        (shots / "browser-last-page.txt").write_text(f"{page.url}\n{await page.inner_text('body')}")
        (shots / "browser-last-page.html").write_text(await page.content())
        return status


def main() -> int:
    return asyncio.run(browse(sys.argv[1]))


if __name__ == "__main__":
    sys.exit(main())
