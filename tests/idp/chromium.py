"""A real browser for tests: Debian's Chromium, headless, driven by Playwright (no download of its own).

Flags from ../shared/FIELD-NOTES.md: Chromium looks up Google hosts and joins mDNS at each start, which this
machine's closed network refuses; Playwright's own browser download fails here, hence ``executable_path``.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
INSTALL = "apt-get install -y --no-install-recommends chromium (scripts/install-test-system-deps.sh)"
# Chromium keeps only the last --disable-features: Playwright's own list is repeated here.
DISABLED_FEATURES = (
    "ImprovedCookieControls,LazyFrameLoading,GlobalMediaControls,DestroyProfileOnBrowserClose,MediaRouter,"
    "DialMediaRouteProvider,AcceptCHFrame,AutoExpandDetailsElement,CertificateTransparencyComponentUpdater,"
    "AvoidUnnecessaryBeforeUnloadCheckSync,Translate,HttpsUpgrades,PaintHolding,ThirdPartyStoragePartitioning,"
    "LensOverlay,PlzDedicatedWorker,WebRtcHideLocalIpsWithMdns"
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    f"--disable-features={DISABLED_FEATURES}",
]


def check_installed() -> str:
    """The Chromium executable; raises RuntimeError with the install command when it is missing."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        raise RuntimeError(f"Chromium is not installed: {INSTALL}")
    return CHROMIUM


@asynccontextmanager
async def chromium(*, locale: str = "fr-FR", extra_args: tuple[str, ...] = ()) -> AsyncIterator:
    """A fresh browser context (its own cookies), in ``locale``; yields the Playwright ``BrowserContext``."""
    from playwright.async_api import async_playwright

    executable = check_installed()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, headless=True, args=[*ARGS, *extra_args])
        try:
            context = await browser.new_context(locale=locale, viewport={"width": 1000, "height": 760})
            yield context
            await context.close()
        finally:
            await browser.close()
