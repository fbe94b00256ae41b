"""``cybercollege client``: the Panda3D desktop client.

One process, one thread: ``asyncio.run`` owns the loop; :class:`cybercollege.client.loop.FrameDriver` renders frames
between network callbacks. Nothing the user does or the server sends ends in a traceback: unexpected
errors go to a log file and the user gets one sentence.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from cybercollege.client import i18n, origin, preferences, style

log = logging.getLogger("client")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cybercollege client", description="Le client 3D de Cybercollège.")
    p.add_argument("--url", help="server URL (default: the server the client was downloaded from, else the last "
                   "one used, else http://127.0.0.1:8765)")
    p.add_argument("--login", help="demo login (skips the login screen), e.g. lea.martin")
    p.add_argument("--guest", help="guest invitation code (skips the login screen)")
    p.add_argument("--name", default="", help="the name a guest shows (with --guest)")
    p.add_argument("--ent", help="ENT id to sign in with (skips the login screen)")
    p.add_argument("--lang", default=i18n.DEFAULT, choices=sorted(i18n.LANGUAGES), help="language")
    p.add_argument("--offscreen", action="store_true", help="headless: render offscreen, no audio")
    p.add_argument("--size", default="1280x720", help="window size, WIDTHxHEIGHT")
    p.add_argument("--fps", type=float, default=60.0, help="frame rate cap")
    p.add_argument("--script", help="scripted run: walk-to-salle-103, amphi, hall, idle")
    p.add_argument("--screenshot", type=Path, help="save a PNG at the end of the script, then quit")
    p.add_argument("--camera", help="conference camera: auto, none, or a device (/dev/video2, 'Integrated "
                   "Camera'...); default: the one chosen in the settings, else auto")
    p.add_argument("--microphone", help="conference microphone: auto, none, or a device; default: the settings")
    p.add_argument("--cache", type=Path, help="cache directory (default: the user's cache directory)")
    p.add_argument("--log", type=Path, help="log file (default: client.log in the cache directory)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        print("cybercollege client: --size must look like 1280x720", file=sys.stderr)
        return 2
    log_file = _setup_logging(args)
    i18n.set_language(args.lang)
    try:
        from cybercollege.client import display

        display.configure(args.offscreen, (width, height))
        return asyncio.run(_run(args))
    except KeyboardInterrupt:
        return 130
    except Exception:
        log.exception("client crashed")
        print(f"Cybercollège : {i18n.tr('err_generic')} ({log_file})", file=sys.stderr)
        return 1


async def _run(args: argparse.Namespace) -> int:
    import aiohttp

    from cybercollege.client import display
    from cybercollege.client.loop import FrameDriver
    from cybercollege.client.session import Options, Session
    from cybercollege.client.sources import Devices
    from cybercollege.client.ui.login import LoginChoice

    try:
        base = display.base()
    except Exception:
        log.exception("cannot open a window")
        print(f"Cybercollège : {i18n.tr('err_window')}", file=sys.stderr)
        return 1
    url = origin.server_url(args.url)
    choice = None
    for kind in ("login", "guest", "ent"):
        value = getattr(args, kind)
        if value:
            choice = LoginChoice("demo" if kind == "login" else kind, value, url, args.name)
    script = args.script or ("idle" if args.screenshot else None)
    saved = preferences.load(preferences.config_path())
    style.configure(saved.large_text, saved.high_contrast)
    devices = Devices(args.camera or saved.camera, args.microphone or saved.microphone, synthetic=args.offscreen)
    options = Options(url=url, choice=choice, script=script, screenshot=args.screenshot,
                      unattended=bool(args.script or args.screenshot), cache=args.cache, devices=devices)
    driver = FrameDriver(base, args.fps)
    frames = asyncio.create_task(driver.run())
    try:
        async with aiohttp.ClientSession() as http:
            options.notice = await origin.offer(http, url)  # a newer client on the server: said on the login screen
            if options.notice:
                print(f"Cybercollège : {options.notice}", file=sys.stderr)
            session = Session(base, http, driver, options)
            watch = asyncio.create_task(_quit_when_closed(driver, session))
            status = await session.run()
            watch.cancel()
            if session.welcome is not None and not options.unattended:
                origin.remember(session.options.url)  # the next start opens on it
            return status
    finally:
        driver.stop()
        await frames


async def _quit_when_closed(driver, session) -> None:
    """The window was closed: leave the world politely."""
    await driver.closed.wait()
    session.quit(0)


def _setup_logging(args: argparse.Namespace) -> Path:
    from cybercollege.client.content import cache_dir

    path = args.log or (args.cache or cache_dir()) / "client.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("cybercollege")
    for old in [h for h in root.handlers if getattr(h, "client_log", False)]:
        root.removeHandler(old)
        old.close()
    handler.client_log = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path
