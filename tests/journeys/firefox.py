"""Debian's Firefox ESR, driven through WebDriver BiDi (W3C), for the journeys that must also work in Firefox.

Playwright drives stock Firefox only through BiDi commands that Firefox 153 ESR does not have yet
(``emulation.setMediaFeaturesOverride`` on every new page), and Selenium needs geckodriver, which neither
Debian 12 nor PyPI ships. Firefox itself speaks BiDi (``--remote-debugging-port``): this is the small part of
the protocol the tests use — navigate, evaluate a script, take a screenshot, type and click through the
browser's own input system (``input.performActions``).

The profile fakes the camera and microphone (``media.navigator.streams.fake``) and lets WebRTC use loopback
addresses without mDNS, as the Chromium flags of ../shared/FIELD-NOTES.md do.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

FIREFOX = "/usr/bin/firefox-esr"

PREFS = {
    "media.navigator.streams.fake": True,  # a fake camera and microphone
    "media.navigator.permission.disabled": True,  # no permission prompt
    "media.peerconnection.ice.loopback": True,  # 127.0.0.1 candidates (the test server listens there)
    "media.peerconnection.ice.obfuscate_host_addresses": False,  # no mDNS names for host candidates
    "network.dns.disableIPv6": True,
    "browser.shell.checkDefaultBrowser": False,
    "app.update.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.enabled": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "intl.accept_languages": "de-DE, de",
}


class BidiError(AssertionError):
    """A BiDi command failed (the message says which and why)."""


class Firefox:
    """One headless Firefox with one tab (``context``)."""

    def __init__(self, proc: asyncio.subprocess.Process, ws: aiohttp.ClientWebSocketResponse, profile: Path) -> None:
        self.proc, self.ws, self.profile = proc, ws, profile
        self.context = ""
        self._ids = itertools.count(1)
        self.console: list[str] = []

    async def command(self, method: str, **params: Any) -> Any:
        number = next(self._ids)
        await self.ws.send_str(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            msg = await self.ws.receive()
            if msg.type != aiohttp.WSMsgType.TEXT:
                raise BidiError(f"Firefox closed its BiDi connection during {method}")
            answer = json.loads(msg.data)
            if answer.get("id") == number:
                if answer.get("type") == "error":
                    raise BidiError(f"{method}: {answer.get('error')}: {answer.get('message')}")
                return answer.get("result")
            if answer.get("method") == "log.entryAdded":
                self.console.append(answer["params"].get("text", ""))

    async def goto(self, url: str) -> None:
        await self.command("browsingContext.navigate", context=self.context, url=url, wait="complete")

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (awaited if a promise), as JSON."""
        result = await self.command(
            "script.evaluate",
            expression=f"(async () => JSON.stringify(await ({expression})))()",
            target={"context": self.context},
            awaitPromise=True,
        )
        if result.get("type") == "exception":
            raise BidiError(f"script failed: {result['exceptionDetails'].get('text')}")
        value = result["result"].get("value")
        return None if value is None else json.loads(value)

    async def wait_for(self, expression: str, timeout: float = 20.0, what: str = "") -> Any:
        """Evaluate ``expression`` until it is truthy; return its value."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if loop.time() > deadline:
                raise AssertionError(f"Firefox: timed out waiting for {what or expression}")
            await asyncio.sleep(0.2)

    async def screenshot(self, path: Path) -> Path:
        result = await self.command("browsingContext.captureScreenshot", context=self.context)
        path.write_bytes(base64.b64decode(result["data"]))
        return path

    async def click(self, selector: str) -> None:
        """Click the middle of the element, with the pointer (a real input event)."""
        node = await self._node(selector)
        await self.command(
            "input.performActions",
            context=self.context,
            actions=[{
                "type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
                "actions": [
                    {"type": "pointerMove", "x": 0, "y": 0, "origin": {"type": "element", "element": node}},
                    {"type": "pointerDown", "button": 0},
                    {"type": "pointerUp", "button": 0},
                ],
            }],
        )

    async def type(self, text: str) -> None:
        """Type ``text`` with the keyboard into whatever has the focus (``\\n`` presses Enter)."""
        keys: list[dict[str, str]] = []
        for char in text:
            value = "\ue007" if char == "\n" else char
            keys += [{"type": "keyDown", "value": value}, {"type": "keyUp", "value": value}]
        await self.command(
            "input.performActions", context=self.context, actions=[{"type": "key", "id": "keyboard", "actions": keys}]
        )

    async def _node(self, selector: str) -> dict[str, Any]:
        found = await self.command(
            "browsingContext.locateNodes", context=self.context, locator={"type": "css", "value": selector}
        )
        nodes = found.get("nodes", [])
        if not nodes:
            raise AssertionError(f"Firefox: nothing on the page matches {selector!r}")
        return {"sharedId": nodes[0]["sharedId"]}


@contextlib.asynccontextmanager
async def firefox(prefs: dict[str, Any] | None = None) -> AsyncIterator[Firefox]:
    """Start a headless Firefox ESR with a throw-away profile; close it afterwards."""
    if shutil.which(FIREFOX) is None:
        raise AssertionError(f"{FIREFOX} is missing: scripts/install-test-system-deps.sh installs firefox-esr")
    profile = Path(tempfile.mkdtemp(prefix="cybercollege-firefox-"))
    lines = [f"user_pref({json.dumps(k)}, {json.dumps(v)});" for k, v in {**PREFS, **(prefs or {})}.items()]
    (profile / "user.js").write_text("\n".join(lines) + "\n")
    proc = await asyncio.create_subprocess_exec(
        FIREFOX, "--headless", "--no-remote", "--profile", str(profile), "--remote-debugging-port=0",
        "--width=1280", "--height=800",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        url = await _listening(proc)
        async with aiohttp.ClientSession() as http, http.ws_connect(url + "/session", max_msg_size=0) as ws:
            browser = Firefox(proc, ws, profile)
            await browser.command("session.new", capabilities={"alwaysMatch": {"acceptInsecureCerts": True}})
            await browser.command("session.subscribe", events=["log.entryAdded"])
            tree = await browser.command("browsingContext.getTree")
            browser.context = tree["contexts"][0]["context"]
            yield browser
            with contextlib.suppress(BidiError):
                await browser.command("browser.close")
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


async def _listening(proc: asyncio.subprocess.Process, timeout: float = 60.0) -> str:
    """Firefox prints ``WebDriver BiDi listening on ws://...`` on stderr once it accepts connections."""
    assert proc.stderr is not None
    seen: list[str] = []
    async with asyncio.timeout(timeout):
        while line := (await proc.stderr.readline()).decode(errors="replace"):
            seen.append(line.strip())
            if "WebDriver BiDi listening on" in line:
                asyncio.get_running_loop().create_task(_drain(proc.stderr))
                return line.split("listening on", 1)[1].strip()
    raise AssertionError("Firefox did not start its BiDi server: " + " | ".join(seen[-5:]))


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass
