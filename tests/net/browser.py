"""Chromium inside a school network, driven by Playwright from the host namespace.

```python
async with browser_in(school_net, tmp_path, locale="de-DE", origins=[page_url]) as context:
    page = await context.new_page()
    await page.goto(page_url)            # a server of the test listening on school_net.host_ip
```

Playwright starts the browser through a wrapper script, ``ip netns exec NAME /usr/bin/chromium "$@"``: it talks
to the browser over a pipe, which crosses namespaces, while the browser's own traffic (pages, WebRTC) leaves
through the namespace's veth and its firewall (no UDP). Flags are tests/idp/chromium.py's (Playwright's
disabled features repeated, no Google lookups; ``net.host_ip`` excepted), plus the fake camera and
microphone, and ``origins`` treated as secure (getUserMedia needs a secure context; ``http://10.x.y.z:port``
is not one). For ``turns:`` URLs pass ``extra_args=[f"--ignore-certificate-errors-spki-list={turn.spki()}"]``:
Chromium checks the TURN server's certificate.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from tests.idp.chromium import ARGS, check_installed
from tests.net.netns import SchoolNetwork

MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


def wrapper(net: SchoolNetwork, folder: Path, executable: str) -> Path:
    """An executable script starting ``executable`` inside ``net`` with the arguments it is given."""
    script = folder / f"chromium-in-{net.name}"
    script.write_text(f'#!/bin/sh\nexec ip netns exec {net.name} {executable} "$@"\n')
    script.chmod(0o755)
    return script


@contextlib.asynccontextmanager
async def browser_in(
    net: SchoolNetwork,
    folder: Path,
    *,
    locale: str = "fr-FR",
    origins: Sequence[str] = (),
    extra_args: Sequence[str] = (),
) -> AsyncIterator[Any]:
    """A fresh Playwright ``BrowserContext`` of a Chromium running inside ``net``; closed on exit."""
    from playwright.async_api import async_playwright

    script = wrapper(net, folder, check_installed())
    # No name lookups (Google hosts), but the host's address is reachable by its IP literal.
    resolver = f"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE {net.host_ip}"
    args = [*(a for a in ARGS if not a.startswith("--host-resolver-rules")), resolver, *MEDIA_ARGS, *extra_args]
    if origins:
        args.append(f"--unsafely-treat-insecure-origin-as-secure={','.join(origins)}")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(script), headless=True, args=args)
        try:
            context = await browser.new_context(locale=locale, viewport={"width": 1000, "height": 760})
            yield context
            await context.close()
        finally:
            await browser.close()
